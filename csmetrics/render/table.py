"""A report as Rich tables that fit the terminal they are printed on, without ever cutting a value.

Layouts, in order of preference, for a console ``width`` columns wide:

1. one table: the group keys, then every metric;
2. metrics as rows and groups as columns (a report with few groups: ``--by queue``, no ``--by``);
3. panels of related metrics (queue and service, handling, outcomes, agent time, staffing), each a table with the group
   keys repeated, split further when a panel alone is too wide.

Column headers wrap onto several lines at spaces; a value is never wrapped or cut to an ellipsis (a column is
as wide as its widest value). Off a terminal (a pipe, a file) the table is as wide as it needs to be.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from csmetrics.pipeline.result import Report
from csmetrics.render.values import definitions_lines, format_value, metric_units, period_text, printable

# Panels of related metrics, by the metric's `order` (sql/metrics/*.sql headers): a metric's place in the
# registry says which family it belongs to.
PANELS = (
    ("Queue and service", 0, 90),
    ("Handling", 90, 200),
    ("Outcomes", 200, 300),
    ("Agent time", 300, 900),
    ("Staffing", 900, 10**9),  # the columns of `csmetrics staffing` (csmetrics/staffing/columns.py)
)
# Rich's default box: each column takes its width + 2 (padding) + 1 (a rule); plus one rule at the left.
_PER_COLUMN = 3
# Few enough groups to show them as columns (metrics as rows).
_MAX_GROUP_COLUMNS = 8


@dataclass(frozen=True)
class Column:
    name: str  # the JSON key
    header: str
    cells: tuple[str, ...]
    numeric: bool

    @property
    def width(self) -> int:
        """As wide as the widest value, and as the longest word of the header (headers wrap at spaces)."""
        longest_word = max((len(w) for w in self.header.split()), default=1)
        return max([longest_word, *(len(c) for c in self.cells)])


def _columns(report: Report) -> tuple[list[Column], list[Column]]:
    """(the group key columns, the metric columns), every value formatted as it is shown."""
    units = metric_units(report)
    labels = {m.name: m.label or m.name for m in report.metrics}
    keys: list[Column] = []
    metrics: list[Column] = []
    for name in report.rows.columns:
        values = report.rows.get_column(name).to_list()
        if name in units:
            cells = tuple(printable(format_value(v, units[name])) for v in values)
            metrics.append(Column(name, printable(labels.get(name, name)), cells, numeric=True))
        else:
            keys.append(
                Column(
                    name, printable(name), tuple("-" if v is None else printable(str(v)) for v in values), numeric=False
                )
            )
    return keys, metrics


def _width(columns: Sequence[Column]) -> int:
    return sum(c.width + _PER_COLUMN for c in columns) + 1


def _table(columns: Sequence[Column], title: str | None = None) -> Table:
    table = Table(title=title, title_justify="left")
    for c in columns:
        table.add_column(
            c.header,
            justify="right" if c.numeric else "left",
            min_width=c.width,
            max_width=c.width,
            overflow="fold",
        )
    for i in range(len(columns[0].cells) if columns else 0):
        table.add_row(*(Text(c.cells[i]) for c in columns))
    return table


def _transposed(keys: list[Column], metrics: list[Column]) -> list[Column]:
    """Metrics as rows, one column per group (headed by its keys)."""
    groups = len(metrics[0].cells)
    out = [Column("metric", "metric", tuple(m.header for m in metrics), numeric=False)]
    for i in range(groups):
        header = " ".join(k.cells[i] for k in keys) if keys else "all"
        out.append(Column(header, header, tuple(m.cells[i] for m in metrics), numeric=True))
    return out


def _panels(report: Report, metrics: list[Column]) -> list[tuple[str, list[Column]]]:
    order = {m.name: m.order for m in report.metrics}
    panels = []
    for name, low, high in PANELS:
        members = [c for c in metrics if low <= order.get(c.name, 0) < high]
        if members:
            panels.append((name, members))
    return panels


def _chunks(keys: list[Column], members: list[Column], width: int) -> list[list[Column]]:
    """``members`` in runs that fit next to the key columns (each run at least one metric)."""
    runs: list[list[Column]] = [[]]
    for c in members:
        if runs[-1] and _width(keys + runs[-1] + [c]) > width:
            runs.append([])
        runs[-1].append(c)
    return runs


def layout(report: Report, width: int | None) -> list[Table]:
    """The tables that show ``report`` in ``width`` columns (None: one table, however wide)."""
    keys, metrics = _columns(report)
    if not metrics:
        return [_table(keys)] if keys else []
    if width is None or _width(keys + metrics) <= width:
        return [_table(keys + metrics)]
    groups = len(metrics[0].cells)
    if groups <= _MAX_GROUP_COLUMNS:
        transposed = _transposed(keys, metrics)
        if _width(transposed) <= width:
            return [_table(transposed)]
    # panels side by side while they fit; a panel too wide alone is split into runs
    parts: list[tuple[str, list[Column]]] = []
    for name, members in _panels(report, metrics):
        runs = _chunks(keys, members, width)
        for i, run in enumerate(runs):
            title = name if len(runs) == 1 else f"{name} ({i + 1}/{len(runs)})"
            if parts and len(runs) == 1 and _width(keys + parts[-1][1] + run) <= width:
                parts[-1] = (f"{parts[-1][0]} · {title}", parts[-1][1] + run)
            else:
                parts.append((title, run))
    return [_table(keys + columns, title) for title, columns in parts]


def render_table(report: Report, console: Console) -> None:
    """Print the report's title, its tables and its definitions (the caption) on ``console``."""
    width = console.width if console.is_terminal else None
    title = Text(f"csmetrics report {period_text(report.period)} ({report.definitions['timezone']})", style="bold")
    caption = Text("\n".join(definitions_lines(report)), style="dim")
    tables = layout(report, width)
    if width is None:  # a pipe or a file: as wide as the widest table needs
        console.width = max([console.width, *(_table_width(t) for t in tables)])
    console.print(Group(title, *tables, caption))


def _table_width(table: Table) -> int:
    return sum((c.min_width or 0) + _PER_COLUMN for c in table.columns) + 1


def table_bytes(report: Report) -> bytes:
    buf = io.StringIO()
    console = Console(file=buf, width=120, no_color=True, highlight=False, markup=False)
    render_table(report, console)
    return buf.getvalue().encode()
