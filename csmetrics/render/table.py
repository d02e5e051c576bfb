"""A report as a Rich table for a terminal (or as text in a file)."""

from __future__ import annotations

import io

from rich.console import Console
from rich.table import Table
from rich.text import Text

from csmetrics.pipeline.result import Report
from csmetrics.render.values import definitions_lines, format_value, metric_units, printable


def table_for(report: Report) -> Table:
    units = metric_units(report)
    table = Table(
        title=f"csmetrics report {report.period['from']} to {report.period['to']} ({report.definitions['timezone']})",
        caption=Text("\n".join(definitions_lines(report))),
        caption_justify="left",
    )
    labels = {m.name: m.label or m.name for m in report.metrics}
    for col in report.rows.columns:
        table.add_column(printable(labels.get(col, col)), justify="right" if col in units else "left", no_wrap=True)
    for row in report.rows.iter_rows(named=True):  # output rows only
        table.add_row(
            *[
                Text(
                    printable(format_value(row[c], units[c]) if c in units else str("-" if row[c] is None else row[c]))
                )
                for c in report.rows.columns
            ]
        )
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
