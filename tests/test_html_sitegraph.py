"""The HTML report's "Where goroutines wait" graph on a real corpus dump with many blocking
sites (fmt_states: 18 sites and about 80 pairs of sites waiting on each other): a capped number
of arrows, the rest counted in a caption, and arrow labels that never overlap each other or a box."""

from __future__ import annotations

import re
from pathlib import Path

from stackparse.render import render_html
from stackparse.render._common import View
from stackparse.render.html_report import _CHAR_W
from stackparse.render.layout import layered_layout
from stackparse.render.sitegraph import EDGES_DRAWN, site_picture

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
_ATTR = re.compile(r'(\w+)="([^"]*)"')


def _analysis(name: str):  # type: ignore[no-untyped-def]
    from stackparse.analysis import analyze
    from stackparse.parsing import parse_file

    dump = parse_file(CORPUS / "go1.27" / name)
    return analyze(dump), dump


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_site_graph_caps_arrows_and_its_labels_never_overlap() -> None:
    a, dump = _analysis("fmt_states.stack.txt")
    every = site_picture(View(a, dump, None), arrows=10_000)
    assert every is not None
    pairs = len(every.edges)
    assert pairs > EDGES_DRAWN  # the dump has more pairs of sites than are drawn
    assert len({(e.source, e.target) for e in every.edges}) == pairs  # one arrow per pair of sites
    page = render_html(a, dump=dump)
    graph = page[page.index("<h2>Where goroutines wait</h2>") : page.index("</svg>")]
    arrows = re.findall(r"<path [^>]*marker-end=", graph)
    assert len(arrows) == EDGES_DRAWN
    after = page[page.index("</svg>") :]
    assert f"{pairs - EDGES_DRAWN} weaker arrows not drawn" in after.split("</p>")[0]
    # the drawn labels are the strongest pairs, largest first
    counts = sorted(
        (int(t.split()[0]) for t in re.findall(r'<text class="el"[^>]*><title>[^<]*</title>([^<]*)<', graph)),
        reverse=True,
    )
    assert counts == sorted((int(e.label.split()[0]) for e in every.edges), reverse=True)[:EDGES_DRAWN]
    # label boxes (11px monospace, anchored at their right end) against each other and the boxes
    labels = []
    for m in re.finditer(r"<text class=\"el\" ([^>]*)><title>[^<]*</title>([^<]*)<", graph):
        at = dict(_ATTR.findall(m.group(1)))
        x, y, n = float(at["x"]), float(at["y"]), len(m.group(2))
        labels.append((x - n * _CHAR_W, y - 11, x, y + 3))
    boxes = []
    for m in re.finditer(r"<rect ([^>]*)/>", graph):
        at = dict(_ATTR.findall(m.group(1)))
        x, y = float(at["x"]), float(at["y"])
        boxes.append((x, y, x + float(at["width"]), y + float(at["height"])))
    assert len(labels) == EDGES_DRAWN and len(boxes) == len(every.nodes)
    for i, la in enumerate(labels):
        assert not any(_overlap(la, lb) for lb in labels[i + 1 :]), la
        assert not any(_overlap(la, b) for b in boxes), la
    # no two labels on one row at one x (the old drawing printed loop labels on a fixed bottom row)
    assert len({(round(la[2]), round(la[1])) for la in labels}) == len(labels)


def test_weighted_layout_reverses_the_lightest_edge_of_a_cycle() -> None:
    edges = [("c", "a"), ("a", "b"), ("b", "c")]
    # a waits on b and b on c (heavy); c on a (light): c -> a is the one drawn backwards
    lay = layered_layout(["c", "a", "b"], edges, weights={("a", "b"): 9, ("b", "c"): 9, ("c", "a"): 1})
    assert lay.reversed_edges == frozenset({("c", "a")})
    assert lay.layer["a"] < lay.layer["b"] < lay.layer["c"]
    # unweighted, the DFS from the first node reverses another edge
    plain = layered_layout(["c", "a", "b"], edges)
    assert plain.reversed_edges != frozenset({("c", "a")})


def test_weighted_layout_puts_lone_sites_in_the_shortest_columns() -> None:
    lay = layered_layout(["a", "b", "c", "x", "y"], [("a", "b"), ("b", "c")], weights={})
    assert [len(col) for col in lay.layers] == [2, 2, 1]
    assert lay.layer["x"] == 0 and lay.layer["y"] == 1
