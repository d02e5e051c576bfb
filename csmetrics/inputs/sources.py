"""Inputs DuckDB cannot read by path on its own: Excel workbooks and CSV on stdin."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from csmetrics.errors import InputError
from csmetrics.sqltext import first_line, quote_identifier


def _workbook(path: Path) -> Any:
    """The workbook at ``path`` opened with fastexcel (an InputError when it is not one)."""
    import fastexcel

    try:
        return fastexcel.read_excel(str(path))
    except Exception as e:  # fastexcel raises its own error types
        msg = f"{path}: cannot be read as an Excel workbook: {first_line(e)}"
        raise InputError(msg) from e


def sheet_names(path: Path) -> list[str]:
    """The sheet names of the workbook at ``path``, in order."""
    return list(_workbook(path).sheet_names)


def read_excel_arrow(path: Path, sheet: str | int | None = None):
    """One sheet of a workbook as an Arrow table (fastexcel, no row loop in Python)."""
    workbook = _workbook(path)
    names = workbook.sheet_names
    chosen: str | int = 0 if sheet is None else sheet
    if isinstance(chosen, str) and chosen.isdigit() and chosen not in names:
        chosen = int(chosen)
    if (isinstance(chosen, int) and not 0 <= chosen < len(names)) or (isinstance(chosen, str) and chosen not in names):
        msg = f"{path}: no sheet {sheet!r}; sheets: {', '.join(names)} (choose one with --sheet)"
        raise InputError(msg)
    try:
        table = workbook.load_sheet(chosen).to_arrow()
    except Exception as e:
        msg = f"{path}: sheet {chosen!r} cannot be read: {first_line(e)}"
        raise InputError(msg) from e
    if table.num_columns == 0:
        name = names[chosen] if isinstance(chosen, int) else chosen
        msg = f"{path}: sheet {name!r} is empty; its first row must name the columns"
        raise InputError(msg)
    # a column with no value at all (a header-only sheet) has Arrow type null: read it as empty text
    return _nulls_as_text(table)


def _nulls_as_text(table):
    import pyarrow as pa

    for i, field in enumerate(table.schema):
        if pa.types.is_null(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(pa.string()))
    return table


def register_excel(con: duckdb.DuckDBPyConnection, path: Path, *, name: str, sheet: str | int | None) -> str:
    """Register the sheet on ``con`` as the view ``name`` and return its quoted name (used as the reader)."""
    con.register(name, read_excel_arrow(path, sheet))
    return quote_identifier(name)


def spool_stdin() -> Path:
    """Copy CSV from stdin to a temporary file (deleted at exit) so DuckDB can sniff and read it."""
    fd, name = tempfile.mkstemp(prefix="csmetrics-stdin-", suffix=".csv")
    atexit.register(lambda: os.path.exists(name) and os.unlink(name))
    with os.fdopen(fd, "wb") as out:
        source = sys.stdin.buffer if hasattr(sys.stdin, "buffer") else None
        if source is not None:
            shutil.copyfileobj(source, out)
        else:  # a text stream (e.g. a test runner)
            out.write(sys.stdin.read().encode())
    if os.path.getsize(name) == 0:
        msg = "-: nothing on stdin (pipe a CSV export into csmetrics, or give a file)"
        raise InputError(msg)
    return Path(name)
