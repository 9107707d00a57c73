"""The states of the segmenter. What each state expects, where it comes from and where it goes
is written beside its row of the one transition table, ``segmenter.TRANSITIONS``."""

from __future__ import annotations

from enum import Enum


class State(Enum):
    NOISE = "outside any dump"
    PREAMBLE = "a crash's lines before its goroutines"
    BLOCKS = "between goroutine blocks"
    REGISTERS = "a register dump"
    RELAY = "a crash thread's signal lines (GOTRACEBACK=crash)"
    PROFILE = "a pprof debug=1 profile"
