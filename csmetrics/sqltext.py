"""The few rules by which text enters SQL, in one place.

Identifiers (column and table names) enter SQL only through :func:`quote_identifier`, and only
names from an allow-list (the canonical schema, the groupings, the registry) or names read from a
file's own header; values always travel as bound parameters or DuckDB variables set from bound
parameters.
"""

from __future__ import annotations

import datetime as dt

import duckdb

# Rows get a unique 64-bit key inside the pipeline: file index * SEQ_STRIDE + the row's position.
SEQ_STRIDE = 1 << 40


# DuckDB must never fetch code at run time: the tool works offline, and a store path such as ``md:`` or a
# SQLite file must not make it download an extension. Every connection csmetrics opens has these settings.
OFFLINE = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def connect(database: str = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with extension auto-install and auto-load off (:data:`OFFLINE`)."""
    return duckdb.connect(database, read_only=read_only, config=dict(OFFLINE))


def quote_identifier(name: str) -> str:
    """Quote a column or table name for DuckDB. The only place identifiers enter SQL text."""
    return '"' + name.replace('"', '""') + '"'


def trimmed_text(expr: str) -> str:
    """SQL reading ``expr`` as trimmed text, NULL when empty."""
    return f"nullif(trim(CAST({expr} AS VARCHAR)), '')"


def utc_now_iso() -> str:
    """The current time as ISO 8601 UTC text, to the second: 2024-03-04T09:15:00Z."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def first_line(error: BaseException, limit: int = 300) -> str:
    """The first line of an engine's error text (DuckDB and Polars messages run over many lines, and may quote a
    whole value), cut to ``limit`` characters."""
    text = str(error).strip()
    line = text.splitlines()[0] if text else type(error).__name__
    return line if len(line) <= limit else line[:limit] + "..."


# Values quoted in messages are cut to this many characters (a 1 MB field is not echoed whole).
SHOWN_CHARS = 60


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """``value`` as a message quotes it: its repr, cut to ``limit`` characters (control characters escaped)."""
    text = str(value)
    if len(text) > limit:
        return repr(text[:limit]) + f"... ({len(text):,} characters)"
    return repr(text)
