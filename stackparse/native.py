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
from collections.abc import Iterable

#: Modules compiled by mypyc, dotted. segmenter.py is here because its class derives from
#: blocks.BlockReader (a compiled class cannot have an interpreted subclass). The analysis
#: compiles only small kernels over the model's NamedTuples (fields read as tuple items once
#: compiled), named for what they do, not the modules around them: blocking/columns.py reads the
#: exact pointer words of columns of frames, analysis/refs.py is the word loop of the graph
#: index, blocking/groups.py groups goroutines by stack, blocking/sitewords.py reads the two
#: argument words classify_all needs per goroutine, blocking/rows.py is classify_all's
#: per-goroutine loop (the Blocking record itself, blocking/record.py, stays an interpreted
#: dataclass: the loop fills its slots).
MODULES: tuple[str, ...] = (
    "stackparse.parsing.args",
    "stackparse.parsing.lines",
    "stackparse.parsing.blocks",
    "stackparse.parsing.segmenter",
    "stackparse.analysis.blocking.columns",
    "stackparse.analysis.refs",
    "stackparse.analysis.blocking.groups",
    "stackparse.analysis.blocking.sitewords",
    "stackparse.analysis.blocking.rows",
)

#: C extensions (module -> its one source file), each a whole public function of a module above
#: compiled by hand, imported at one site with that module's function as the fallback
#: (``lines.py`` imports ``arg_classes``); built with the mypyc modules, fuzzed with them.
EXTENSIONS: dict[str, str] = {
    "stackparse.parsing._argskel": "stackparse/parsing/_argskel.c",
    # columns.column_words: the exact pointer words of a column of argument texts
    "stackparse.analysis.blocking._wordscan": "stackparse/analysis/blocking/_wordscan.c",
}

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


def compiled(names: Iterable[str] = (*MODULES, *EXTENSIONS)) -> dict[str, bool]:
    """Each module of ``names`` (by default :data:`MODULES` and :data:`EXTENSIONS`) -> whether it
    was loaded from a compiled extension (``.so``/``.pyd``) rather than its ``.py`` source (a C
    extension that was not built has no source: False)."""
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    out: dict[str, bool] = {}
    for name in names:
        try:
            path = getattr(importlib.import_module(name), "__file__", None) or ""
        except ImportError:
            if name not in EXTENSIONS:
                raise
            path = ""
        out[name] = path.endswith(suffixes)
    return out
