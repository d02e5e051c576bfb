"""Values as people read them: rates as percentages, durations as m:ss, counts with separators."""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from csmetrics.pipeline.result import Report

# A spreadsheet reads a CSV cell starting with one of these as a formula (OWASP, "CSV Injection").
FORMULA_START = r"^[=+\-@\t\r]"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def escape_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text cell a spreadsheet would run as a formula (it starts with = + - @ TAB or CR) prefixed with
    a single quote, as OWASP recommends; numbers are numbers and never touched."""
    text = [c for c, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text
    )


def formula_safe(value: Any) -> Any:
    """One CSV cell as :func:`escape_formulas` writes it: text a spreadsheet would run as a formula gets a
    leading single quote; anything else is returned as it is."""
    if isinstance(value, str) and re.match(FORMULA_START, value):
        return "'" + value
    return value


def printable(text: str) -> str:
    """``text`` with control characters (escape codes, newlines, tabs) written as escapes: ``\\x1b``, so a
    value can neither drive a terminal nor break a table row."""
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], text)


def markdown_cell(text: str) -> str:
    """``text`` as one Markdown table cell: ``|`` and backslashes escaped, control characters as escapes."""
    return printable(text.replace("\\", "\\\\").replace("|", "\\|"))


def format_value(value: Any, unit: str) -> str:
    """Human form: rates as percentages, durations as m:ss, counts with separators."""
    if value is None:
        return "-"
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "seconds":
        total = round(value)
        hours, rest = divmod(total, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
    if unit == "count":
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def metric_units(report: Report) -> dict[str, str]:
    return {m.name: m.unit for m in report.metrics}


def period_text(period: dict[str, str | None]) -> str:
    """The report's period in words: "2024-03-04 to 2024-03-17", "2024-03-20 onwards", "no contacts"."""
    first, last = period.get("from"), period.get("to")
    if first and last:
        return f"{first} to {last}"
    if first:
        return f"{first} onwards"
    if last:
        return f"up to {last}"
    return "no contacts"


def definitions_lines(report: Report) -> list[str]:
    params = report.definitions.as_json()
    shown = ", ".join(f"{k}={short(v)}" for k, v in params.items())
    lines = [f"definitions {report.fingerprint}: {shown}"]
    by_source: dict[str, list[str]] = {}
    for name, source in report.definitions.sources.items():
        if source != "default":
            by_source.setdefault(source, []).append(name)
    lines += [f"set by {source}: {', '.join(sorted(names))}" for source, names in sorted(by_source.items())]
    return lines


def short(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(value) if value else "(none)"
    return str(value)
