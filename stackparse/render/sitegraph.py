"""The wait-for graph of a whole dump at the scale of its blocking sites.

A 1,400-goroutine dump has a few thousand nodes in its wait-for graph: drawn node by node it is
a strip nobody can read. Grouped by blocking site (the goroutines' state and the frame they wait
in), it has a few dozen: one box per site with its count, one arrow per pair of sites whose
goroutines wait on each other (through a lock held by, or a channel that can be released by, a
goroutine of the other site), labelled with how many goroutines.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ._common import PEdge, View, goroutine_id, location, split_key
from .picture import Picture, PNode, is_blocked
from .words import KIND_NAMES

__all__ = ["EDGES_DRAWN", "SITES_DRAWN", "site_picture"]

Site = tuple[str, str, str]  # (state, function, file:line)

#: Sites drawn (the largest, and those they wait on).
SITES_DRAWN = 30
#: Arrows drawn between sites (the most goroutines first).
EDGES_DRAWN = 16


def _site(view: View, gid: int) -> tuple[str, str, str] | None:
    g = view.goroutine(gid)
    if g is None:
        return None
    f = view.site_frame(gid)
    return (g.state, "" if f is None else f.function.full, "" if f is None else location(f))


def site_picture(view: View, limit: int = SITES_DRAWN, arrows: int = EDGES_DRAWN) -> Picture | None:
    """Blocked goroutines grouped by blocking site, and who waits on whom between sites. None
    when the dump has no wait-for graph (a debug=1 profile) or nothing is blocked."""
    count: Counter[tuple[str, str, str]] = Counter()
    site_of: dict[int, tuple[str, str, str]] = {}
    for gid, b in view.blocking.items():
        if not (is_blocked(b) or getattr(b, "forever", False) is True):
            continue
        s = _site(view, gid)
        if s is not None:
            site_of[gid] = s
            count[s] += 1
    if not count:
        return None
    # each (waiting site, releasing site) pair once: the distinct goroutines of the first that
    # wait on a lock or channel a goroutine of the second can release, and through what
    waiters: dict[tuple[Site, Site], set[int]] = {}
    kinds: dict[tuple[Site, Site], Counter[str]] = {}
    for gid, a in list(site_of.items()):
        for r in view.successors(f"g:{gid}"):
            if goroutine_id(r) is not None:
                continue
            what = KIND_NAMES.get(split_key(r)[0], split_key(r)[0])
            for h in view.successors(r):
                hid = goroutine_id(h)
                if hid is None:
                    continue
                b = site_of.get(hid) or _site(view, hid)
                if b is None or b == a:
                    continue
                if b not in count:
                    count[b] = 0  # a running holder: drawn, with no blocked count
                    site_of.setdefault(hid, b)
                waiters.setdefault((a, b), set()).add(gid)
                kinds.setdefault((a, b), Counter())[what] += 1
    keep = [s for s, _ in count.most_common(limit)]
    kept = set(keep)
    for a, b in waiters:  # what the drawn sites wait on is drawn too
        if a in kept and b not in kept:
            keep.append(b)
            kept.add(b)
    keys = {s: f"site:{i}" for i, s in enumerate(keep)}
    pic = Picture()
    for s in keep:
        state, func, loc = s
        n = count[s]
        head = f"{n} x [{state}]" if n else f"[{state}]"
        pic.add_node(PNode(keys[s], "group", [head, func or "?", loc], role="other"), None)
    # the strongest links (the most goroutines first), at most ``arrows``; the rest summed in a caption
    pairs = sorted(
        ((len(ids), a, b) for (a, b), ids in waiters.items() if a in keys and b in keys),
        key=lambda t: (-t[0], keys[t[1]], keys[t[2]]),
    )
    pic.weights = {}
    for n, a, b in pairs[:arrows]:
        pic.weights[(keys[a], keys[b])] = float(n)
        what = "+".join(k for k, _ in kinds[(a, b)].most_common())
        label = f"{n} via {what}"
        evidence = f"{n} goroutine{'s' if n != 1 else ''} at {a[1] or a[0]} wait via {what} on {b[1] or b[0]}"
        pic.edges.append(PEdge(keys[a], keys[b], "waits-for", "", evidence, text=label))
    rest = pairs[arrows:]
    if rest:
        pic.caption = (
            f"{len(rest)} weaker arrow{'s' if len(rest) != 1 else ''} not drawn: "
            f"{sum(n for n, _, _ in rest)} waits from one drawn site to another (a goroutine counted "
            "once per site that can release it)"
        )
    # no cycle marking: between sites a loop is common (workers of one pool release each other)
    # and says nothing alarming by itself
    return pic


def dropped(view: View, pic: Any) -> int:
    """Blocked goroutines whose site is not drawn."""
    drawn = sum(int(n.lines[0].split(" ")[0]) for n in pic.nodes.values() if n.lines[0][0].isdigit())
    blocked = sum(1 for b in view.blocking.values() if is_blocked(b) or getattr(b, "forever", False) is True)
    return blocked - drawn
