"""The ``stackparse`` command: a thin shell over the library.

    stackparse parse   [FILE|-] [--format json|text] [--all]
    stackparse analyze [FILE|-|DIR|URL ...] [--format text|json|jsonl|dot|mermaid|markdown|html|sarif|github]
                       [--fail-on low|medium|high|certain|never] [--all] [--color auto|always|never]
                       [--timeout S] [--max-bytes N] [--watch S [--count N]] [--source DIR] [--repo-root DIR]
    stackparse diff    OLD NEW [--format text|json] [--fail-on LEVEL] [--fail-on-growth N]

Reading the input (files, gzip, directories, stdin, URLs through :mod:`stackparse.capture`) and
choosing an exit status is all this package does: parsing is :func:`stackparse.parsing.parse_all`,
analysis :func:`stackparse.analysis.analyze`, output :mod:`stackparse.render`, comparison
:func:`stackparse.diff.diff`, source lines :class:`stackparse.source.SourceMap`.

Exit status: 0 nothing at or above ``--fail-on`` was found; 1 something was; 2 the input could
not be read or the command line is wrong; 130 interrupted. Errors are one line on stderr,
``stackparse: error: ...``, never a traceback.

Modules: :mod:`.inputs` (reading and parsing the sources), :mod:`.output` (stdout, stderr
notes, colour, status line), one module per command (:mod:`.parse_cmd`, :mod:`.analyze`,
:mod:`.diff_cmd`, :mod:`.fleet_cmd`); this one holds the click group, ``main`` and the exit.
"""

from __future__ import annotations

import atexit
import os
import sys
from typing import Any, NoReturn

import click

# The commands, and (noqa: F401) the names callers took from the single-module stackparse.cli.
# A monkeypatch must target the module that uses the name: stackparse.cli.analyze._write,
# stackparse.cli.inputs.PROGRESS_BYTES, stackparse.cli.analyze.STATUS_GOROUTINES.
from .analyze import _status, analyze_cmd  # noqa: F401
from .diff_cmd import _diff_status, diff_cmd  # noqa: F401
from .fleet_cmd import fleet_cmd
from .inputs import InputError, NoDumpError, _parse_source  # noqa: F401
from .output import EXIT_PIPE, _note, _one_line, _quiet_stdout, _use_color, _version, _write  # noqa: F401
from .parse_cmd import parse_cmd

__all__ = ["cli", "main"]


class _Group(click.Group):
    """Turns every failure into an exit status and one line on stderr."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            raise click.exceptions.Exit(130) from None
        except BrokenPipeError:
            _quiet_stdout()
            raise click.exceptions.Exit(EXIT_PIPE) from None
        except Exception as e:  # the CLI's promise: no traceback, exit 2
            click.echo(f"stackparse: error: {_one_line(f'{type(e).__name__}: {e}')}", err=True)
            raise click.exceptions.Exit(2) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, param, value: _print_version(ctx, value),
    help="Show the version and exit.",
)
def cli() -> None:
    """Read Go goroutine dumps and say what is stuck and why.

    \b
    Shell completion (bash; use zsh_source or fish_source for those shells):
      eval "$(_STACKPARSE_COMPLETE=bash_source stackparse)"
    """


def _print_version(ctx: click.Context, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(f"stackparse {_version()}")
    ctx.exit(0)


for _command in (parse_cmd, analyze_cmd, diff_cmd, fleet_cmd):
    cli.add_command(_command)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point (``stackparse``) and ``python -m stackparse``.

    The process ends without the interpreter's teardown (:func:`_end`): freeing the records of a
    100,000-goroutine dump one by one took 0.8 s after the report was written.
    """
    try:
        cli.main(args=argv, prog_name="stackparse")
    except SystemExit as e:
        _end(e.code)
    _end(0)


def _end(code: int | str | None) -> NoReturn:
    """Run the exit handlers, flush stdout and stderr, then leave the process with ``code`` at
    once (``os._exit``): what the interpreter does at exit, but for freeing every object.

    The handlers others registered (``coverage run -m stackparse``, logging) run as at a normal
    exit; nothing written is left in a buffer; a reader that went away (EPIPE at the flush) gives
    the status of a broken pipe, as elsewhere."""
    if isinstance(code, str):  # sys.exit("message"): print it, status 1, as the interpreter does
        sys.stderr.write(code + "\n")
        code = 1
    status = code or 0
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)  # CPython's own, called at exit
    if run_exit_handlers is not None:
        run_exit_handlers()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        status = EXIT_PIPE
    except OSError as e:  # the output is lost (a full disk...): say so, with the interpreter's status
        sys.stderr.write(f"stackparse: error: writing the report: {e}\n")
        status = 120
    except ValueError:  # stdout closed by the command itself
        pass
    try:
        sys.stderr.flush()
    except (OSError, ValueError):
        pass
    os._exit(status)
