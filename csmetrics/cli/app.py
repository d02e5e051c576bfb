"""The typer application, the stderr console and the one place library errors become exit codes."""

from __future__ import annotations

import errno
import os
import re
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from csmetrics.errors import CsMetricsError, ExitCode
from csmetrics.sqltext import first_line
from csmetrics.version import __version__

app = typer.Typer(name="csmetrics", no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
stderr = Console(stderr=True, highlight=False, markup=False)  # user text is never markup


@contextmanager
def reporting_errors() -> Iterator[None]:
    """Turn library errors into a message on stderr and the documented exit code."""
    try:
        yield
    except CsMetricsError as e:
        stderr.print(Text("error: ", style="bold red") + Text(_printable(str(e))), soft_wrap=True)
        raise typer.Exit(int(e.exit_code)) from None
    except KeyboardInterrupt:
        stderr.print("interrupted")
        raise typer.Exit(130) from None
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except OSError as e:
        if e.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EIO):
            _internal(e)
        where = f"{e.filename}: " if e.filename else ""
        stderr.print(Text("error: ", style="bold red") + Text(f"cannot write {where}{e.strerror}"), soft_wrap=True)
        raise typer.Exit(int(ExitCode.CANNOT_WRITE)) from None
    except Exception as e:  # a bug: say so, keep the traceback for a report
        _internal(e)
    except BaseException as e:  # a Rust panic inside Polars (pyo3's PanicException is no Exception)
        if type(e).__name__ != "PanicException":
            raise
        _internal(e)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _printable(message: str) -> str:
    """A message with control characters (escape codes in a file name or value) shown as escapes; lines kept."""
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], message)


def _internal(e: BaseException) -> None:
    """Say that a bug happened (no traceback unless CSMETRICS_DEBUG) and exit 1."""
    text = first_line(e)
    stderr.print(
        Text("internal error: ", style="bold red") + Text(_printable(f"{type(e).__name__}: {text}")), soft_wrap=True
    )
    if os.environ.get("CSMETRICS_DEBUG"):
        stderr.print(traceback.format_exc(), markup=False)
    else:
        stderr.print("set CSMETRICS_DEBUG=1 to see the traceback, and please report it")
    raise typer.Exit(int(ExitCode.UNEXPECTED)) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"csmetrics {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Contact-centre service metrics under explicit, fingerprinted definitions.

    Exit codes: 0 ok, 1 unexpected error, 2 usage or configuration error,
    3 invalid input data, 4 target missed, 65 store damaged, 74 cannot write, 75 store busy.
    """
