"""ParseError, the one exception the parser lets out on bad input.

Whatever goes wrong inside (a line the grammar rejects, a number too long for int(), lark's own
errors) is either turned into a Diagnostic on the dump or, when no dump can be read at all,
into a ParseError naming the line and what was expected there.
"""

from __future__ import annotations


class ParseError(ValueError):
    """The input holds no goroutine dump that can be read (or, with ``strict=True``, a part of
    one could not be read). ``line`` is 1-based; ``expected`` says what the parser wanted."""

    def __init__(self, message: str, line: int = 0, expected: str = "", text: str = "") -> None:
        self.message = message
        self.line = line
        self.expected = expected
        self.text = text
        super().__init__(str(self))

    def __str__(self) -> str:
        s = f"line {self.line}: {self.message}" if self.line else self.message
        if self.expected:
            s += f"; expected {self.expected}"
        if self.text:
            s += f" (got {self.text[:80]!r})"
        return s

