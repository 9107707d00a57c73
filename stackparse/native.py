"""Which modules mypyc compiles, and whether the compiled ones are the ones loaded.

``MODULES`` is the one list of mypyc-compiled modules, ``KERNELS`` the list of hand-written C
kernels: the wheel's build hook (``tools/hatch_build.py``) and the in-place build (``python
tools/hatch_build.py``) read them, and :func:`compiled` checks them.
Each of MODULES is plain typed Python; mypyc compiles the same source, so there is no second
implementation. A kernel is the one exception issue 16 allows: a small C function whose
pure-Python definition (same signature) stands in where it was not built, and which the tests and
the fuzz job check against that definition. Without a C compiler, or with ``STACKPARSE_PURE=1``
at build time, the wheel is pure Python.
"""

from __future__ import annotations

import importlib
import importlib.machinery
from collections.abc import Iterable

#: Modules compiled by mypyc, dotted. segmenter.py is here because its class derives from
#: blocks.BlockReader (a compiled class cannot have an interpreted subclass). The analysis
#: compiles only its small word kernels (analysis/blocking/columns.py, analysis/refs.py), not the
#: modules around them.
MODULES: tuple[str, ...] = (
    "stackparse.parsing.args",
    "stackparse.parsing.lines",
    "stackparse.parsing.blocks",
    "stackparse.parsing.segmenter",
    "stackparse.analysis.blocking.columns",
    "stackparse.analysis.refs",
)

#: Hand-written C kernels, dotted: each is one pure function over public Python types, built from
#: the ``.c`` file of the same path by the same hook as a plain setuptools extension, and imported
#: at one site that falls back to its pure-Python definition (issue 16). Not part of
#: :func:`all_compiled` (the parser's question).
KERNELS: tuple[str, ...] = (
    "stackparse.analysis.blocking._wordscan",  # columns.column_words: exact words of a column
)

#: The name mypyc gives the shared library of the group: ``stackparse/native__mypyc.*.so``.
GROUP = "stackparse.native"


_all_compiled: bool | None = None


def all_compiled() -> bool:
    """Whether every parser module of :data:`MODULES` is loaded compiled (computed once). The
    parser asks (parsing/parallel.py: is a second process worth it?), so the analysis modules are
    not imported for it (importing the analysis package takes networkx with it)."""
    global _all_compiled
    if _all_compiled is None:
        _all_compiled = all(compiled([m for m in MODULES if m.startswith("stackparse.parsing.")]).values())
    return _all_compiled


def compiled(names: Iterable[str] = MODULES + KERNELS) -> dict[str, bool]:
    """Each module of ``names`` (by default :data:`MODULES` and :data:`KERNELS`) -> whether it was
    loaded from a compiled extension (``.so``/``.pyd``) rather than its ``.py`` source (a kernel
    that was not built has no source: False)."""
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    out: dict[str, bool] = {}
    for name in names:
        try:
            path = getattr(importlib.import_module(name), "__file__", None) or ""
        except ImportError:
            if name not in KERNELS:
                raise
            path = ""
        out[name] = path.endswith(suffixes)
    return out
