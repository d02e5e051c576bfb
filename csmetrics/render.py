"""Write a report as a Rich table, JSON, CSV, Parquet or Markdown.

Data goes to stdout (or an atomically written file); nothing else does.
"""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import polars as pl
import pyarrow.parquet as pq
from rich.console import Console
from rich.table import Table
from rich.text import Text

from csmetrics.engine import Report
from csmetrics.errors import ConfigError

FORMATS = ("table", "json", "csv", "parquet", "markdown")


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


def _units(report: Report) -> dict[str, str]:
    return {m.name: m.unit for m in report.metrics}


def _definitions_lines(report: Report) -> list[str]:
    params = report.definitions.as_json()
    shown = ", ".join(f"{k}={_short(v)}" for k, v in params.items())
    return [f"definitions {report.fingerprint}: {shown}"]


def _short(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return ",".join(value) if value else "(none)"
    return str(value)


def to_json(report: Report) -> bytes:
    return (json.dumps(report.to_document(), indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode()


def _flat_rows(report: Report) -> pl.DataFrame:
    return report.rows.with_columns(pl.lit(report.fingerprint).alias("definitions_fingerprint"))


def to_csv(report: Report) -> bytes:
    return _flat_rows(report).write_csv().encode()


def to_parquet(report: Report) -> bytes:
    table = _flat_rows(report).to_arrow()
    meta = dict(table.schema.metadata or {})
    document = report.to_document()
    document.pop("rows")
    meta[b"csmetrics"] = json.dumps(document).encode()
    buf = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(meta), buf)
    return buf.getvalue()


def to_markdown(report: Report) -> bytes:
    units = _units(report)
    cols = report.rows.columns
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for row in report.rows.iter_rows(named=True):  # output rows only, never input rows
        cells = [format_value(row[c], units.get(c, "text")) if c in units else str(row[c] if row[c] is not None else "-") for c in cols]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append(f"Period {report.period['from']} to {report.period['to']}, time zone {report.definitions['timezone']}.")
    lines.append("")
    lines.append(f"Definitions fingerprint `{report.fingerprint}`:")
    lines.append("")
    for name, value in report.definitions.as_json().items():
        lines.append(f"- `{name}` = `{_short(value)}`")
    return ("\n".join(lines) + "\n").encode()


def table_for(report: Report) -> Table:
    units = _units(report)
    table = Table(
        title=f"csmetrics report {report.period['from']} to {report.period['to']} ({report.definitions['timezone']})",
        caption=Text("\n".join(_definitions_lines(report))),
        caption_justify="left",
    )
    labels = {m.name: m.label or m.name for m in report.metrics}
    for col in report.rows.columns:
        table.add_column(labels.get(col, col), justify="right" if col in units else "left", no_wrap=True)
    for row in report.rows.iter_rows(named=True):  # output rows only
        table.add_row(*[
            Text(format_value(row[c], units[c]) if c in units else str(row[c] if row[c] is not None else "-"))
            for c in report.rows.columns
        ])
    return table


def render_table(report: Report, console: Console) -> None:
    if not console.is_terminal:
        console.width = max(console.width, 12 * len(report.rows.columns) + 20)
    console.print(table_for(report))


def table_bytes(report: Report) -> bytes:
    buf = io.StringIO()
    console = Console(
        file=buf, width=max(120, 14 * len(report.rows.columns)), no_color=True, highlight=False, markup=False
    )
    render_table(report, console)
    return buf.getvalue().encode()


WRITERS: dict[str, Callable[[Report], bytes]] = {
    "json": to_json,
    "csv": to_csv,
    "parquet": to_parquet,
    "markdown": to_markdown,
    "table": table_bytes,
}


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    path = path.resolve()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        msg = f"cannot write {path}: {e.strerror} (does the directory {path.parent} exist and is it writable?)"
        raise ConfigError(msg) from e
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_stdout(data: bytes, stream: BinaryIO | None = None) -> None:
    out = stream or sys.stdout.buffer
    out.write(data)
    out.flush()
