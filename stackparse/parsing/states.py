"""The states of the segmenter."""

from __future__ import annotations

from enum import Enum


class State(Enum):
    NOISE = 0
    PREAMBLE = 1
    BLOCKS = 2
    REGISTERS = 3
    RELAY = 4
    PROFILE = 5
