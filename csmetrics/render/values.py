"""Values as people read them: rates as percentages, durations as m:ss, counts with separators."""

from __future__ import annotations

from typing import Any

from csmetrics.pipeline.result import Report


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
