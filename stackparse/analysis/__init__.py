"""The analysis: what each goroutine waits on, the wait-for graph, and the findings it supports.

Stages, each a module (or package) importing only the ones before it::

    blocking/ -> index -> graph (+ holders, releasers) -> doomed -> deadlocks, leaks -> contention
                                                                       -> findings -> api

``analyze(dump)`` (:mod:`.api`) runs them all. :mod:`.confidence` holds the one ordered
:class:`Confidence` enum and the :class:`Kind` enum; :mod:`.nodes` the node-id spelling.
"""

from __future__ import annotations

from .api import analyze, detect
from .blocking import Blocking
from .confidence import CONFIDENCE, Confidence, Kind
from .contention import lock_contention
from .findings import ANALYSIS_SCHEMA, CONFIDENCE_ORDER, Analysis, Contention, Finding, Site
from .graph import Edge, WaitGraph, build_graph
from .nodes import NodeId, gid_of, gnode

__all__ = [
    "ANALYSIS_SCHEMA",
    "CONFIDENCE",
    "CONFIDENCE_ORDER",
    "Analysis",
    "Blocking",
    "Confidence",
    "Contention",
    "Edge",
    "Finding",
    "Kind",
    "NodeId",
    "Site",
    "WaitGraph",
    "analyze",
    "build_graph",
    "detect",
    "gid_of",
    "gnode",
    "lock_contention",
]
