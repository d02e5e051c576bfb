"""The HTML page: one self-contained file (inline CSS, inline SVG charts, one small inline script), in the order
a manager reads it: KPI tiles, service level per interval, weekday x hour heatmaps, the answered-within curve,
the group table, then data quality and the definitions with their fingerprint (collapsed, always there).

A Content-Security-Policy in the page itself forbids every request: nothing it holds can reach the network.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from html import escape
from importlib import resources
from typing import Any

from csmetrics.definitions.model import Metric
from csmetrics.render.html.data import ChartData
from csmetrics.render.html.sections import (
    answered_within_section,
    data_quality,
    definitions,
    group_table,
    service_level_section,
    weekly_section,
)
from csmetrics.render.html.text import OUTCOMES, change, direction, verdict
from csmetrics.render.values import format_value, period_text
from csmetrics.version import __version__

# The figures a tile shows when --metrics does not choose them (the ones present in the report, in its order),
# plus every metric a target on the whole report names.
KEY_METRICS = (
    "offered",
    "service_level",
    "asa_seconds",
    "abandon_rate",
    "aht_seconds",
    "fcr_rate",
    "csat",
    "nps",
    "occupancy",
    "utilization",
)
ARROWS = {"up": "\u25b2", "down": "\u25bc", "same": "\u25ac"}
# Open the collapsed sections for printing (a printed <details> shows only its summary), close them after.
PRINT_SCRIPT = (
    'addEventListener("beforeprint",function(){document.querySelectorAll("details.print-open:not([open])")'
    '.forEach(function(d){d.open=true;d.dataset.reclose="1";});});'
    'addEventListener("afterprint",function(){document.querySelectorAll("details[data-reclose]")'
    ".forEach(function(d){d.open=false;delete d.dataset.reclose;});});"
)


def e(value: Any) -> str:
    return escape(str(value), quote=True)


def shown_metrics(data: ChartData) -> list[Metric]:
    """The metrics of the tiles and the group table."""
    if data.metrics_chosen:
        return list(data.overall.metrics)
    wanted = set(KEY_METRICS) | {r["metric"] for r in data.tile_checks}
    return [m for m in data.overall.metrics if m.name in wanted]


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(PRINT_SCRIPT.encode()).digest()).decode()
    return (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
        f"script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )


def input_files(quality: dict[str, Any]) -> list[str]:
    """The files the report read: interactions, agent states, roster (a store's report has none)."""
    files = [f.get("path", "") for f in quality.get("files", [])]
    files += [f.get("path", "") for f in (quality.get("states") or {}).get("files", [])]
    roster = (quality.get("roster") or {}).get("path")
    return files + ([roster] if roster else [])


def header(data: ChartData) -> str:
    report = data.report
    by = ", ".join(report.group_keys) or "the whole period"
    files = input_files(report.data_quality)
    items = [
        e(period_text(report.period)),
        f"time zone {e(report.definitions['timezone'])}",
        f"by {e(by)}",
        f"generated {e(report.generated_at)}",
    ]
    return (
        "<header>\n<h1>Contact-centre report</h1>\n"
        f'<p class="meta">{"".join(f"<span>{i}</span>" for i in items)}</p>\n'
        f'<p class="meta"><span>input {e(", ".join(files) or "-")}</span>'
        f'<span>definitions <span class="fingerprint">{e(report.fingerprint)}</span></span></p>\n</header>'
    )


def _tile(metric: Metric, value: Any, previous: dict[str, Any] | None, checks: list[dict[str, Any]]) -> str:
    worst = _worst(c["outcome"] for c in checks)
    lines = [
        f'<div class="tile-label">{e(metric.title)}</div>',
        f'<div class="tile-value">{e(format_value(value, metric.unit))}</div>',
    ]
    for check in checks:
        lines.append(f'<div class="tile-target {check["outcome"]}">{e(verdict(check, metric.unit))}</div>')
    attrs = f' data-previous="{e(json.dumps(previous.get(metric.name)))}"' if previous is not None else ""
    if previous is not None:
        old = previous.get(metric.name)
        way = direction(value, old, metric.unit)
        lines.append(
            f'<div class="tile-change" data-direction="{way}"><span aria-hidden="true">{ARROWS[way]}</span> '
            f"{e(change(value, old, metric.unit))} (was {e(format_value(old, metric.unit))})</div>"
        )
    return (
        f'<div class="tile{" " + worst if worst else ""}" data-metric="{e(metric.name)}" '
        f'data-unit="{e(metric.unit)}" data-value="{e(json.dumps(value))}"{attrs}>\n  '
        + "\n  ".join(lines)
        + "\n</div>"
    )


def _worst(outcomes: Iterable[str]) -> str:
    seen = set(outcomes)
    for outcome in ("missed", "no_data", "met"):
        if outcome in seen:
            return outcome
    return ""


def tiles(data: ChartData) -> str:
    row = data.overall.rows.to_dicts()[0] if data.overall.rows.height else {}
    previous = None
    if data.previous is not None:
        previous = data.previous.rows.to_dicts()[0] if data.previous.rows.height else {}
    parts = []
    for metric in shown_metrics(data):
        checks = [c for c in data.tile_checks if c["metric"] == metric.name]
        parts.append(_tile(metric, row.get(metric.name), previous, checks))
    note = data.previous_note
    targets = "" if data.tile_checks else " No target is configured (--target, or [targets] in csmetrics.toml)."
    return (
        '<section id="kpis" aria-labelledby="kpis-title">\n<h2 id="kpis-title">Key figures</h2>\n'
        f'<p class="note">The whole period, {e(_period_text(data))}. Change: {e(note)}.{e(targets)}</p>\n'
        f'<div class="tiles">\n{chr(10).join(parts)}\n</div>\n</section>'
    )


def _period_text(data: ChartData) -> str:
    return period_text(data.overall.period)


def _empty_period(quality: dict[str, Any], period: dict[str, Any]) -> str | None:
    """Why a report counts no contact (the warning the command prints on stderr), or None."""
    if quality.get("contacts_in_report"):
        return None
    if not quality.get("contacts"):
        return "The input holds no valid contact; the contact figures are empty."
    span = quality.get("data_span") or {}
    return (
        f"No contact falls in the period {period_text(period)}: {quality.get('outside_period', 0):,} contact(s) lie "
        f"outside it (the data runs from {span.get('from')} to {span.get('to')}); the contact figures are empty."
    )


def notices(data: ChartData) -> str:
    """What a reader must know before reading the figures: the period holds no contact."""
    warning = _empty_period(data.report.data_quality, data.report.period)
    if warning is None:
        return ""
    return f'<p class="warning" id="empty-period" role="note"><strong>Warning:</strong> {e(warning)}</p>'


def page(data: ChartData, figures: dict[str, str]) -> str:
    """The whole document; ``figures`` holds each chart's <figure> (:func:`.sections.figure`)."""
    css = resources.files("csmetrics.render.html").joinpath("report.css").read_text(encoding="utf-8")
    body = [
        header(data),
        notices(data),
        tiles(data),
        service_level_section(figures),
        weekly_section(data, figures),
        answered_within_section(figures),
        group_table(data, shown_metrics(data)),
        data_quality(data.report),
        definitions(data.report),
        f'<footer class="note"><p>csmetrics {e(__version__)} \u00b7 definitions '
        f'<span class="fingerprint">{e(data.report.fingerprint)}</span></p></footer>',
    ]
    period = _period_text(data)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{e(_csp())}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="csmetrics {e(__version__)}">\n'
        f'<meta name="csmetrics-definitions-fingerprint" content="{e(data.report.fingerprint)}">\n'
        f"<title>Contact-centre report {e(period)}</title>\n"
        f"<style>\n{css}</style>\n"
        f"<script>{PRINT_SCRIPT}</script>\n"
        "</head>\n<body>\n" + "\n".join(part for part in body if part) + "\n</body>\n</html>\n"
    )


__all__ = ["KEY_METRICS", "OUTCOMES", "page", "shown_metrics"]
