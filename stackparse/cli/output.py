"""Writing the report and talking on stderr: stdout writes, colour, notes, the status line
shown while a big dump is analysed, and the version the reports carry."""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click

#: Exit status after a closed pipe (``stackparse ... | head``): 128 + SIGPIPE, as a shell does.
EXIT_PIPE = 141


def _one_line(text: str) -> str:
    return " ".join(str(text).split()) or "unknown error"


def _note(text: str) -> None:
    click.echo(f"stackparse: {text}", err=True)


def _quiet_stdout() -> None:
    """After EPIPE: point stdout at /dev/null so the interpreter's final flush is silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _version() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("stackparse")
    except (ImportError, PackageNotFoundError):
        pkg = importlib.import_module("stackparse")
        return str(getattr(pkg, "__version__", "0+unknown"))


@contextmanager
def _status_line(text: str, enabled: bool) -> Iterator[None]:
    """``text`` on stderr while a long step runs, when stderr is a terminal; erased after."""
    if not enabled or not sys.stderr.isatty():
        yield
        return
    sys.stderr.write(text)
    sys.stderr.flush()
    try:
        yield
    finally:
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()


def _write(text: str, color: bool = False) -> None:
    click.echo(text, nl=False, color=color)
    sys.stdout.flush()


def _use_color(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never":
        return False
    return "NO_COLOR" not in os.environ and sys.stdout.isatty()
