"""The few rules by which text enters SQL, in one place.

Identifiers (column and table names) enter SQL only through :func:`quote_identifier`, and only
names from an allow-list (the canonical schema, the groupings, the registry) or names read from a
file's own header; values always travel as bound parameters or DuckDB variables set from bound
parameters.
"""

from __future__ import annotations

import datetime as dt

# Rows get a unique 64-bit key inside the pipeline: file index * SEQ_STRIDE + the row's position.
SEQ_STRIDE = 1 << 40


def quote_identifier(name: str) -> str:
    """Quote a column or table name for DuckDB. The only place identifiers enter SQL text."""
    return '"' + name.replace('"', '""') + '"'


def trimmed_text(expr: str) -> str:
    """SQL reading ``expr`` as trimmed text, NULL when empty."""
    return f"nullif(trim(CAST({expr} AS VARCHAR)), '')"


def utc_now_iso() -> str:
    """The current time as ISO 8601 UTC text, to the second: 2024-03-04T09:15:00Z."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def first_line(error: BaseException) -> str:
    """The first line of an engine's error text (DuckDB and Polars messages run over many lines)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
