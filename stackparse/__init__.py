"""stackparse: read Go goroutine dumps, find what is stuck and why.

The pipeline, one module per stage, each importing only the stages before it::

    text -> parse -> analysis (blocking -> graph -> rules -> findings) -> render

>>> import stackparse
>>> dump = stackparse.parse_file("corpus/go1.27/bug_abba_mutex.stack.txt")
>>> analysis = stackparse.analyze(dump)
>>> [(str(f.kind), str(f.confidence)) for f in analysis.findings]
[('deadlock', 'high')]

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
    from .analysis import (
        Analysis,
        Blocking,
        Confidence,
        Contention,
        Edge,
        Finding,
        Kind,
        NodeId,
        Site,
        WaitGraph,
        analyze,
    )
    from .buckets import Bucket

try:
    __version__ = version("stackparse")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0.1.0"

__all__ = [
    "Analysis",
    "Ancestor",
    "ArgGroup",
    "ArgWord",
    "Blocking",
    "Bucket",
    "Confidence",
    "Contention",
    "CreatedBy",
    "Diagnostic",
    "Dump",
    "Edge",
    "Elision",
    "Finding",
    "Frame",
    "Function",
    "Goroutine",
    "Kind",
    "NodeId",
    "Panic",
    "ParseError",
    "Preamble",
    "ProfileFrame",
    "ProfileRecord",
    "Signal",
    "Site",
    "ThreadSection",
    "WaitGraph",
    "__version__",
    "analyze",
    "iter_goroutines",
    "parse",
    "parse_all",
    "parse_args",
    "parse_file",
    "parse_file_all",
]

#: Imported on first use (they need networkx): the analysis entry point and every type it returns.
_LAZY = {
    "analyze", "Analysis", "Blocking", "Confidence", "Contention", "Edge", "Finding", "Kind", "NodeId", "Site",
    "WaitGraph",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import analysis

        return getattr(analysis, name)
    if name == "Bucket":
        from .buckets import Bucket

        return Bucket
    raise AttributeError(f"module 'stackparse' has no attribute {name!r}")
