"""The parser: Go goroutine dumps in, :class:`~stackparse.model.Dump` records out."""

from __future__ import annotations

from ..native import compiled
from .api import parse, parse_all
from .args import parse_args
from .errors import ParseError
from .files import iter_goroutines, parse_file, parse_file_all

__all__ = ["ParseError", "compiled", "iter_goroutines", "parse", "parse_all", "parse_args", "parse_file",
           "parse_file_all"]
