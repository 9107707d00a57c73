"""Shared test settings: one hypothesis profile with a fixed budget, the same in CI and locally.

STACKPARSE_HYPOTHESIS_EXAMPLES raises the budget for a longer local run.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "stackparse",
    max_examples=int(os.environ.get("STACKPARSE_HYPOTHESIS_EXAMPLES", "120")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.load_profile("stackparse")

#: generated whole dumps are costly to draw: their tests take a smaller share of the budget
DUMP_EXAMPLES = max(10, settings.default.max_examples // 4)

#: the real Go pprof server's fixtures (pprofserver_bin, go_server) for the live tests
pytest_plugins = ["goserver"]


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    """Tests that start a Dask cluster (tests/test_fleet*.py) run last: distributed leaves its
    threads running in the process afterwards, and the parser reads a big file with two
    processes only when it can fork safely, with no other thread alive
    (``parsing.parallel._workers``), which tests/test_parallel.py checks."""
    items.sort(key=lambda item: item.nodeid.startswith("tests/test_fleet"))
