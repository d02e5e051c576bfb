"""A report as bytes: JSON, CSV, Parquet, Markdown or a text table (csmetrics.render.table)."""

from __future__ import annotations

import io
import json
from collections.abc import Callable

import polars as pl

from csmetrics.pipeline.result import Report
from csmetrics.render.html import CHART_FORMATS
from csmetrics.render.table import table_bytes
from csmetrics.render.values import escape_formulas, format_value, markdown_cell, metric_units, period_text, short

FORMATS = ("table", "json", "csv", "parquet", "markdown")
# `report` also draws: a self-contained HTML page with charts, or one chart as PNG or SVG (csmetrics.render.html,
# from the report with its chart data: csmetrics.api.report_with_charts)
REPORT_FORMATS = (*FORMATS, *CHART_FORMATS)


def to_json(report: Report) -> bytes:
    return (json.dumps(report.to_document(), indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode()


def _flat_rows(report: Report) -> pl.DataFrame:
    return report.rows.with_columns(pl.lit(report.fingerprint).alias("definitions_fingerprint"))


def to_csv(report: Report, *, formulas: bool = True) -> bytes:
    """CSV; with ``formulas`` (the default, --escape-formulas), text cells a spreadsheet would run as a formula
    are neutralised (csmetrics.render.values.escape_formulas)."""
    frame = _flat_rows(report)
    return (escape_formulas(frame) if formulas else frame).write_csv().encode()


def to_parquet(report: Report) -> bytes:
    import pyarrow.parquet as pq  # only here: importing it costs every other format a tenth of a second

    table = _flat_rows(report).to_arrow()
    meta = dict(table.schema.metadata or {})
    document = report.to_document()
    document.pop("rows")
    meta[b"csmetrics"] = json.dumps(document).encode()
    buf = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(meta), buf)
    return buf.getvalue()


def to_markdown(report: Report) -> bytes:
    units = metric_units(report)
    cols = report.rows.columns
    lines = ["| " + " | ".join(markdown_cell(c) for c in cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in report.rows.iter_rows(named=True):  # output rows only, never input rows
        cells = [
            format_value(row[c], units.get(c, "text")) if c in units else str(row[c] if row[c] is not None else "-")
            for c in cols
        ]
        lines.append("| " + " | ".join(markdown_cell(c) for c in cells) + " |")
    lines.append("")
    lines.append(f"Period {period_text(report.period)}, time zone {report.definitions['timezone']}.")
    lines.append("")
    lines.append(f"Definitions fingerprint `{report.fingerprint}`:")
    lines.append("")
    for name, value in report.definitions.as_json().items():
        lines.append(f"- `{name}` = `{short(value)}`")
    return ("\n".join(lines) + "\n").encode()


WRITERS: dict[str, Callable[[Report], bytes]] = {
    "json": to_json,
    "csv": to_csv,
    "parquet": to_parquet,
    "markdown": to_markdown,
    "table": table_bytes,
}
