"""stackparse: read Go goroutine dumps, find what is stuck and why.

The pipeline, one module per stage, each importing only the stages before it::

    text -> parse -> blocking -> graph -> detect -> render

>>> import stackparse
>>> dump = stackparse.parse_file("corpus/go1.27/bug_abba_mutex.stack.txt")
>>> analysis = stackparse.analyze(dump)
>>> [f.kind for f in analysis.findings]
['deadlock']

``analyze`` (and the stages behind it, which need networkx) is imported on first use, so that
a program that only parses does not pay for the graph library.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from .model import (
    Ancestor,
    ArgGroup,
    ArgWord,
    CreatedBy,
    Diagnostic,
    Dump,
    Elision,
    Frame,
    Function,
    Goroutine,
    Panic,
    Preamble,
    ProfileFrame,
    ProfileRecord,
    Signal,
    ThreadSection,
)
from .parsing import ParseError, iter_goroutines, parse, parse_all, parse_args, parse_file, parse_file_all

if TYPE_CHECKING:
    from .detect import Analysis, Contention, Finding, analyze

try:
    __version__ = version("stackparse")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.1.0"

__all__ = [
    "Analysis",
    "Ancestor",
    "ArgGroup",
    "ArgWord",
    "Contention",
    "CreatedBy",
    "Diagnostic",
    "Dump",
    "Elision",
    "Finding",
    "Frame",
    "Function",
    "Goroutine",
    "Panic",
    "ParseError",
    "Preamble",
    "ProfileFrame",
    "ProfileRecord",
    "Signal",
    "ThreadSection",
    "__version__",
    "analyze",
    "iter_goroutines",
    "parse",
    "parse_all",
    "parse_args",
    "parse_file",
    "parse_file_all",
]

_LAZY = {"analyze", "Analysis", "Contention", "Finding"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import detect

        return getattr(detect, name)
    raise AttributeError(f"module 'stackparse' has no attribute {name!r}")
