"""Node ids of the wait-for graph, one spelling in the library and in the JSON document.

* goroutine nodes: ``g:<id>`` (:func:`gnode`);
* resource nodes: ``KIND@0x<address>`` (``mutex@0xc000010000``), ``rwmutex@0x..#writer`` (the
  pending writer RLock waiters queue behind), and ``KIND?g<id>`` when the object's address is not
  in the dump (named after the first goroutine that waits on it).
"""

from __future__ import annotations

from typing import TypeAlias

__all__ = ["NodeId", "gid_of", "gnode", "is_gnode", "plural"]

#: A node of the wait-for graph: a ``str`` spelled as above.
NodeId: TypeAlias = str

_PREFIX = "g:"


def gnode(gid: int) -> NodeId:
    """The node of goroutine ``gid``: ``g:<id>``."""
    return f"g:{gid}"


def is_gnode(node: str) -> bool:
    """A goroutine node (resource nodes never start with ``g:``)."""
    return node.startswith(_PREFIX)


def gid_of(node: str) -> int | None:
    """The goroutine id of a goroutine node, None for a resource node."""
    if node.startswith(_PREFIX):
        rest = node[2:]
        if rest.isdigit():
            return int(rest)
    return None


def plural(n: int, word: str) -> str:
    """``1 goroutine``, ``3 goroutines``: the count and the word as evidence sentences say them."""
    return f"{n} {word}" + ("" if n == 1 else "s")
