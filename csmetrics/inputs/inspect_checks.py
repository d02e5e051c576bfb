"""The checks ``csmetrics inspect`` makes against the data before it trusts a guess made from column names.

Each check is one set-based DuckDB query over the whole file (never a loop over rows): is the proposed id
unique, and which other column makes it unique; which clock column is a placeholder (``0:00:00``) on some rows;
which values are placeholders for "nobody" (``NO_SERVER``, ``0``, ``NULL``, ``-``); whether abandoned rows
carry a wait; whether day or month comes first in dates written ``04/03/2024``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from csmetrics.sqltext import quote_identifier

# Values that stand for "none" in exports (compared upper-cased and trimmed), plus NO_SOMETHING (NO_SERVER).
PLACEHOLDERS = ("0", "-", "--", "NULL", "NONE", "(NONE)", "N/A", "NA", "#N/A", "NIL", "UNKNOWN")
PLACEHOLDER_PATTERN = "NO_[A-Z_]+"
EMPTY_CLOCKS = ("0:00:00", "00:00:00", "0:00", "00:00")
NUMERIC_DATE = r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})(?:[ T].*)?$"


def _text(column: str) -> str:
    return f"trim(CAST({quote_identifier(column)} AS VARCHAR))"


@dataclass
class Probe:
    """Queries on one file as inspect reads it (``reader`` is the relation, ``params`` its bound values)."""

    con: duckdb.DuckDBPyConnection
    reader: str
    params: dict[str, Any]

    def _one(self, select: str, extra: dict[str, Any] | None = None) -> tuple[Any, ...]:
        return self.con.execute(f"SELECT {select} FROM {self.reader}", self.params | (extra or {})).fetchall()[0]

    def uniqueness(self, column: str, partners: list[str]) -> tuple[int, int, str | None]:
        """(rows with a value, distinct values, the first of ``partners`` that makes the pair unique)."""
        c = _text(column)
        parts = [f"count({c})", f"count(DISTINCT {c})"]
        parts += [f"count(DISTINCT ({c}, {_text(p)})) FILTER (WHERE {c} IS NOT NULL)" for p in partners]
        rows, distinct, *pairs = self._one(", ".join(parts))
        partner = next((p for p, n in zip(partners, pairs, strict=True) if n == rows), None)
        return int(rows), int(distinct), partner if distinct < rows else None

    def empty_clock_share(self, column: str) -> float:
        """The share of rows whose clock time is empty or a midnight placeholder (0:00:00)."""
        c = _text(column)
        total, empty = self._one(
            f"count(*), count(*) FILTER (WHERE {c} IS NULL OR {c} = '' OR {c} IN (SELECT unnest($clocks)))",
            {"clocks": list(EMPTY_CLOCKS)},
        )
        return empty / total if total else 0.0

    def placeholders(self, columns: list[str]) -> dict[str, list[tuple[str, int]]]:
        """Per column, the placeholder values found and how many rows carry each."""
        if not columns:
            return {}
        parts = [
            f"SELECT {i} AS i, {_text(col)} AS v, count(*) AS n FROM {self.reader} "
            f"WHERE upper({_text(col)}) IN (SELECT unnest($placeholders)) "
            f"OR regexp_full_match(upper({_text(col)}), $pattern) GROUP BY ALL"
            for i, col in enumerate(columns)
        ]
        sql = " UNION ALL ".join(parts) + " ORDER BY i, n DESC, v"
        params = self.params | {"placeholders": list(PLACEHOLDERS), "pattern": PLACEHOLDER_PATTERN}
        out: dict[str, list[tuple[str, int]]] = {}
        for i, value, n in self.con.execute(sql, params).fetchall():
            out.setdefault(columns[i], []).append((value, int(n)))
        return out

    def abandoned_waits(self, outcome: str, abandoned: list[str], wait: str) -> tuple[int, int]:
        """(abandoned rows, abandoned rows whose wait is a number above 0)."""
        o, w = _text(outcome), _text(wait)
        total, with_wait = self._one(
            f"count(*) FILTER (WHERE {o} IN (SELECT unnest($abandoned))), "
            f"count(*) FILTER (WHERE {o} IN (SELECT unnest($abandoned)) "
            f"AND coalesce(regexp_matches({w}, '[1-9]'), false))",
            {"abandoned": abandoned},
        )
        return int(total), int(with_wait)

    def date_parts(self, column: str) -> tuple[int, int]:
        """The largest first and second numbers of dates written 04/03/2024 (0, 0 when none is)."""
        c = _text(column)
        first, second = self._one(
            f"max(TRY_CAST(regexp_extract({c}, $p, 1) AS INTEGER)), "
            f"max(TRY_CAST(regexp_extract({c}, $p, 2) AS INTEGER))",
            {"p": NUMERIC_DATE},
        )
        return int(first or 0), int(second or 0)
