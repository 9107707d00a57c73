"""The optional compiled module, ``stackparse._speedups`` (built from ``stackparse/_speedups.c``).

Its loops serve two stages: the parser's frame lookup (parse.py) and the analysis's
per-goroutine loops (blocking.py: stack groups, records, pointer words; graph.py: the word
index). Each stage keeps the same steps in Python and uses them when the module
is not built or when ``STACKPARSE_NO_SPEEDUPS`` is set; tests/test_speedups.py holds the two equal.
"""

from __future__ import annotations

import os
from types import ModuleType

try:
    from . import _speedups as _built
except ImportError:  # not built (no C compiler when the wheel was made): Python only
    _built = None  # type: ignore[assignment]

#: The compiled module when it is built, whether or not it is switched off.
module: ModuleType | None = _built

#: The compiled module to use: None when it is not built or STACKPARSE_NO_SPEEDUPS is set.
active: ModuleType | None = None if os.environ.get("STACKPARSE_NO_SPEEDUPS") else _built
