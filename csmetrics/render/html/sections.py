"""The page's sections below the tiles: chart figures with their numbers, the group table with conditional
colours, data quality and the definitions (the last two collapsed, always present, opened for printing)."""

from __future__ import annotations

from html import escape
from typing import Any

import polars as pl

from csmetrics.definitions.model import Metric
from csmetrics.definitions.params import plain
from csmetrics.pipeline.result import Report
from csmetrics.render.html.charts import WEEKDAYS
from csmetrics.render.html.data import WEEK_DAYS, ChartData
from csmetrics.render.values import format_value, short

MAX_ROWS = 1000  # rows of the group table; the rest are in --format csv/json
CURVE_MARKS = (0, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240, 300, 450, 600, 900, 1200, 1800, 3600)
BAR_UNITS = ("count", "seconds", "hours", "ratio")  # columns drawn with a data bar (magnitudes and shares)


def e(value: Any) -> str:
    return escape(str(value), quote=True)


def figure(name: str, title: str, svg: str, alt: str, table: str) -> str:
    """One chart: its title, the SVG (labelled by the text alternative), the text alternative, its numbers."""
    return (
        f'<figure class="chart" id="chart-{name}" data-chart="{name}">\n'
        f"<figcaption>{e(title)}</figcaption>\n{svg}\n"
        f'<p class="alt-text" id="alt-{name}">{e(alt)}</p>\n'
        '<details class="chart-data"><summary>The numbers behind the chart</summary>\n'
        f'<div class="table-wrap">{table}</div>\n</details>\n</figure>'
    )


def simple_table(headers: list[str], rows: list[list[str]], classes: list[str] | None = None) -> str:
    classes = classes or [""] * len(headers)
    head = "".join(f'<th scope="col" class="{c}">{e(h)}</th>' for h, c in zip(headers, classes, strict=True))
    body = "".join(
        "<tr>" + "".join(f'<td class="{c}">{e(v)}</td>' for v, c in zip(row, classes, strict=True)) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def series_table(data: ChartData) -> str:
    frame = data.series.frame.filter(pl.col("offered") > 0)
    rows = [
        [
            r["start"].removesuffix("Z").replace("T", " "),
            format_value(r["offered"], "count"),
            format_value(r["service_level"], "ratio"),
        ]
        for r in frame.iter_rows(named=True)
    ]
    return simple_table(["start (local time)", "offered", "service level"], rows, ["key", "", ""])


def weekly_table(data: ChartData, field: str, unit: str) -> str:
    """A weekday x hour matrix of one field (blank: no contact offered in that hour)."""
    wide = {(r["weekday"], r["hour"]): r[field] for r in data.weekly.iter_rows(named=True)}  # at most 168 cells
    head = '<th scope="col" class="key">day</th>' + "".join(f'<th scope="col">{h:02d}</th>' for h in range(24))
    body = []
    for day in range(1, 8):
        cells = "".join(
            f"<td>{e(format_value(wide[(day, h)], unit) if (day, h) in wide else '')}</td>" for h in range(24)
        )
        body.append(f'<tr><th scope="row" class="key">{WEEKDAYS[day - 1]}</th>{cells}</tr>')
    return f'<table class="matrix"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def curve_table(data: ChartData) -> str:
    marks = [*CURVE_MARKS, data.threshold]
    frame = data.answered_within.filter(pl.col("seconds").is_in(marks))
    rows = [
        [f"{r['seconds']} s", format_value(r["answered_within"], "count"), format_value(r["share"], "ratio")]
        for r in frame.iter_rows(named=True)
    ]
    return simple_table(["within", "answered", "share"], rows)


def service_level_section(figures: dict[str, str]) -> str:
    return (
        '<section id="service-level" aria-labelledby="service-level-title">\n'
        '<h2 id="service-level-title">Service level and volume over time</h2>\n'
        f"{figures['service_level']}\n</section>"
    )


def weekly_section(data: ChartData, figures: dict[str, str]) -> str:
    if data.has_week:
        body = figures["volume_heatmap"] + "\n" + figures["service_level_heatmap"]
    elif data.period is None:
        body = '<p class="note">No contact falls in the period, so there are no weekday by hour-of-day heatmaps.</p>'
    else:
        body = (
            f'<p class="note">The report spans {data.span_days} day(s); the weekday by hour-of-day heatmaps need '
            f"at least {WEEK_DAYS} days so that every weekday is in it.</p>"
        )
    return (
        '<section id="weekly" aria-labelledby="weekly-title">\n'
        f'<h2 id="weekly-title">By weekday and hour of day</h2>\n{body}\n</section>'
    )


def answered_within_section(figures: dict[str, str]) -> str:
    return (
        '<section id="answered-within" aria-labelledby="answered-within-title">\n'
        '<h2 id="answered-within-title">How fast contacts are answered</h2>\n'
        f"{figures['answered_within']}\n</section>"
    )


def _checks_by_cell(data: ChartData) -> dict[tuple[tuple[str, ...], str], str]:
    """(group values as text, metric) -> the worst target outcome there."""
    keys = data.report.group_keys
    rank = {"met": 0, "no_data": 1, "missed": 2}
    cells: dict[tuple[tuple[str, ...], str], str] = {}
    for check in data.row_checks:
        group = check["group"]
        if set(group) != set(keys):
            continue  # a target whose groups matched no row
        cell = (tuple(str(group[k]) for k in keys), check["metric"])
        if rank[check["outcome"]] >= rank.get(cells.get(cell, "met"), 0):
            cells[cell] = check["outcome"]
    return cells


def _bar_fill(value: Any, unit: str, top: float | None) -> str | None:
    if value is None or unit not in BAR_UNITS:
        return None
    if unit == "ratio":
        share = value
    elif top:
        share = value / top
    else:
        return None
    return f"{max(0.0, min(1.0, share)) * 100:.1f}%"


def _cell(value: Any, unit: str, outcome: str | None, top: float | None) -> str:
    """One figure of the group table: coloured by its target's outcome, else with a data bar."""
    text = e(format_value(value, unit))
    if outcome in ("met", "missed"):
        return f'<td class="{outcome}" data-outcome="{outcome}">{text}</td>'
    fill = _bar_fill(value, unit, top)
    if fill is not None:
        return f'<td class="bar" style="--fill:{fill}">{text}</td>'
    return f"<td>{text}</td>"


def _column_tops(frame: pl.DataFrame, names: list[str], units: dict[str, str]) -> dict[str, Any]:
    """The largest value of each column a data bar measures against (counts, durations, hours)."""
    return {n: frame.get_column(n).max() for n in names if units[n] in BAR_UNITS and units[n] != "ratio"}


def group_table(data: ChartData, metrics: list[Metric]) -> str:
    report = data.report
    keys = report.group_keys
    names = [m.name for m in metrics if m.name in report.rows.columns]
    units = {m.name: m.unit for m in metrics}
    titles = {m.name: m.label or m.title for m in metrics}
    frame = report.rows.head(MAX_ROWS)
    tops = _column_tops(frame, names, units)
    checks = _checks_by_cell(data)
    head = "".join(f'<th scope="col" class="key">{e(k)}</th>' for k in keys) + "".join(
        f'<th scope="col" title="{e(n)}">{e(titles[n])}</th>' for n in names
    )
    body = []
    for row in frame.iter_rows(named=True):  # the report's output rows, never input rows
        group = tuple(str(row[k]) for k in keys)
        cells = [f'<th scope="row" class="key">{e(row[k] if row[k] is not None else "-")}</th>' for k in keys]
        cells += [_cell(row[n], units[n], checks.get((group, n)), tops.get(n)) for n in names]
        body.append("<tr>" + "".join(cells) + "</tr>")
    return _group_section(data, head, body, bool(checks))


def _group_section(data: ChartData, head: str, body: list[str], checked: bool) -> str:
    report = data.report
    total = report.rows.height
    cut = (
        f" Showing the first {MAX_ROWS:,} of {total:,} rows; every row is in --format csv or json."
        if total > MAX_ROWS
        else ""
    )
    legend = (
        '<p class="legend">Cells: <span class="met">target met \u2713</span> '
        '<span class="missed">target missed \u2717</span>; a light bar shows a share, or a count or duration '
        "against the column's largest value.</p>"
        if checked
        else '<p class="legend">A light bar in a cell shows a share, or a count or duration against the '
        "column's largest value. Configure targets to colour cells met or missed.</p>"
    )
    by = ", ".join(report.group_keys)
    title = f"By {by}" if by else "The whole period"
    notes = [f"Targets not shown: {'; '.join(data.targets_not_shown)}."] if data.targets_not_shown else []
    notes += row_notes(report)
    skipped = "".join(f'<p class="note">{e(n)}</p>\n' for n in notes)
    return (
        '<section id="groups" aria-labelledby="groups-title">\n'
        f'<h2 id="groups-title">{e(title)}</h2>\n{legend}\n{skipped}'
        f'<p class="note">{total:,} row(s).{e(cut)}</p>\n'
        f'<div class="table-wrap"><table id="group-table"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>\n</section>"
    )


def row_notes(report: Report) -> list[str]:
    """What the rows of this grouping mean beyond their figures: the (no agent) row of --by agent or team, agent
    state metrics that a grouping cannot split (the notes the command prints on stderr)."""
    quality = report.data_quality
    notes = []
    without = quality.get("without_agent")
    if without and {"agent", "team"} & set(report.group_keys):
        notes.append(
            f"The (no agent) row holds the {without:,} contact(s) no agent handled (abandoned, mostly): per agent "
            "or team, read the handling and answered figures; abandon rate and service level belong to queues."
        )
    states = quality.get("states") or {}
    if states.get("not_grouped"):
        notes.append(f"Note: {states['not_grouped']}.")
    return notes


def tree(value: Any) -> str:
    """A nested data_quality value as nested definition lists."""
    if isinstance(value, dict):
        if not value:
            return "none"
        items = "".join(f"<dt>{e(k)}</dt><dd>{tree(v)}</dd>" for k, v in value.items())
        return f'<dl class="tree">{items}</dl>'
    if isinstance(value, list):
        if not value:
            return "none"
        if all(isinstance(v, dict) for v in value):
            return "<br>".join(e(", ".join(f"{k}: {short(x)}" for k, x in v.items())) for v in value)
        return e(", ".join(short(v) for v in value))
    if isinstance(value, int) and not isinstance(value, bool):
        return e(f"{value:,}")
    return e(short(value) if value is not None else "-")


def data_quality(report: Report) -> str:
    q = report.data_quality
    rejected = q.get("rejected", {})
    reasons = ", ".join(f"{k} {v:,}" for k, v in rejected.get("by_reason", {}).items()) or "none"
    summary = (
        f"{q.get('rows_read', 0):,} rows read \u00b7 {rejected.get('total', 0):,} rejected \u00b7 "
        f"{q.get('duplicates_merged', 0) + q.get('duplicates_superseded', 0):,} duplicates \u00b7 "
        f"{q.get('in_progress', 0):,} in progress \u00b7 {q.get('contacts_in_report', 0):,} contacts in the report"
    )
    return (
        '<section id="data-quality" aria-labelledby="data-quality-title">\n'
        '<h2 id="data-quality-title">Data quality</h2>\n'
        f"<p>{e(summary)}. Rejected by reason: {e(reasons)}.</p>\n"
        '<details class="section print-open"><summary>Every count (data_quality of the JSON report)</summary>\n'
        f"{tree(q)}\n</details>\n</section>"
    )


def definitions(report: Report) -> str:
    document = report.definitions_document()
    sources = document["sources"]
    params = [[name, short(value), sources.get(name, "default")] for name, value in document["parameters"].items()]
    metrics = [
        [
            m["name"],
            m["title"],
            m["unit"],
            m["definition"] + (f" {m['notes']}" if m.get("notes") else ""),
            ", ".join(f"{k}={short(plain(v))}" for k, v in m["parameters"].items()),
        ]
        for m in document["metrics"]
    ]
    return (
        '<section id="definitions" aria-labelledby="definitions-title">\n'
        '<h2 id="definitions-title">Definitions</h2>\n'
        f"<p>Every figure above was computed under the definitions with fingerprint "
        f'<span class="fingerprint" id="fingerprint">{e(report.fingerprint)}</span>; two reports are comparable '
        "only when their fingerprints are equal.</p>\n"
        '<details class="section print-open"><summary>Parameters and metric definitions</summary>\n'
        '<div class="table-wrap">'
        + simple_table(["parameter", "value", "set by"], params, ["key", "text", "text"])
        + '</div>\n<div class="table-wrap">'
        + simple_table(
            ["metric", "title", "unit", "definition", "parameters"], metrics, ["key", "text", "text", "wrap", "wrap"]
        )
        + "</div>\n</details>\n</section>"
    )
