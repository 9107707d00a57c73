"""Which modules mypyc compiles, and whether the compiled ones are the ones loaded.

``MODULES`` is the one list of compiled modules: the wheel's build hook (``tools/hatch_build.py``)
and the in-place build (``python tools/hatch_build.py``) read it, and :func:`compiled` checks it.
Each is plain typed Python; mypyc compiles the same source, so there is no second
implementation. Without a C compiler, or with ``STACKPARSE_PURE=1`` at build time, the wheel
is pure Python and these modules run as source.
"""

from __future__ import annotations

import importlib
import importlib.machinery

#: Modules compiled by mypyc, dotted. segmenter.py is here because its class derives from
#: blocks.BlockReader (a compiled class cannot have an interpreted subclass). The analysis's
#: compiled modules are small kernels over the model's NamedTuples (fields read as tuple items
#: once compiled), named for what they do: blocking/groups.py groups goroutines by stack,
#: blocking/sitewords.py reads the two argument words classify_all needs per goroutine,
#: blocking/rows.py is classify_all's per-goroutine loop (the Blocking record itself,
#: blocking/record.py, stays an interpreted dataclass: the loop fills its slots).
MODULES: tuple[str, ...] = (
    "stackparse.parsing.args",
    "stackparse.parsing.lines",
    "stackparse.parsing.blocks",
    "stackparse.parsing.segmenter",
    "stackparse.analysis.blocking.groups",
    "stackparse.analysis.blocking.sitewords",
    "stackparse.analysis.blocking.rows",
)

#: The name mypyc gives the shared library of the group: ``stackparse/native__mypyc.*.so``.
GROUP = "stackparse.native"


_all_compiled: bool | None = None


def all_compiled() -> bool:
    """Whether every module of :data:`MODULES` is loaded compiled (computed once)."""
    global _all_compiled
    if _all_compiled is None:
        _all_compiled = all(compiled().values())
    return _all_compiled


def compiled() -> dict[str, bool]:
    """Each module of :data:`MODULES` -> whether it was loaded from a compiled extension
    (``.so``/``.pyd``) rather than its ``.py`` source."""
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    out: dict[str, bool] = {}
    for name in MODULES:
        path = getattr(importlib.import_module(name), "__file__", None) or ""
        out[name] = path.endswith(suffixes)
    return out
