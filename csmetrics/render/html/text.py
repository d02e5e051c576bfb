"""Words for the page: changes against the previous period, target verdicts, and each chart's text alternative
(what a reader who cannot see the chart needs to know: the range, the extremes and the target)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from csmetrics.render.html.charts import SERIES_TITLES, WEEKDAYS, Target
from csmetrics.render.html.data import ChartData
from csmetrics.render.values import format_value

MINUS = "\u2212"
OUTCOMES = {"met": ("\u2713", "met"), "missed": ("\u2717", "missed"), "no_data": ("\u2013", "no data")}


def signed(number: float, text: str) -> str:
    """``text`` (an absolute value as shown) with the sign of ``number``, the shown value rounded first."""
    if number > 0:
        return "+" + text
    if number < 0:
        return MINUS + text
    return "\u00b1" + text


def shown_difference(value: float, previous: float, unit: str) -> float:
    """The change as the page shows it: points to 0.1 for rates, whole seconds, counts, else to 0.01."""
    diff = value - previous
    if unit == "ratio":
        return round(diff * 100, 1)
    if unit in ("seconds", "count"):
        return round(diff)
    return round(diff, 2)


def change(value: Any, previous: Any, unit: str) -> str:
    """The change from ``previous`` to ``value`` as a reader compares them: points for rates, m:ss for
    durations, the count and its relative change for counts, the difference otherwise. The sign is that of
    the change as shown (a change that rounds to zero is ±0)."""
    if value is None or previous is None:
        return "no figure to compare"
    shown = shown_difference(value, previous, unit)
    if unit == "ratio":
        return signed(shown, f"{abs(shown):.1f} pts")
    if unit == "seconds":
        return signed(shown, format_value(abs(shown), "seconds"))
    if unit == "count":
        relative = ""
        if previous:
            pct = round((value - previous) / previous * 100, 1)
            relative = f" ({signed(pct, f'{abs(pct):.1f} %')})"
        return signed(shown, f"{abs(int(shown)):,}") + relative
    return signed(shown, f"{abs(shown):.2f}")


def direction(value: Any, previous: Any, unit: str) -> str:
    """up, down or same, as the change is shown (a change that rounds to zero is the same)."""
    if value is None or previous is None:
        return "same"
    shown = shown_difference(value, previous, unit)
    if shown == 0:
        return "same"
    return "up" if shown > 0 else "down"


OPERATORS = {">=": "\u2265", "<=": "\u2264", ">": ">", "<": "<", "==": "="}


def bound_text(result: dict[str, Any], unit: str) -> str:
    return f"{OPERATORS.get(result['operator'], result['operator'])} {format_value(result['bound'], unit)}"


def verdict(result: dict[str, Any], unit: str) -> str:
    glyph, word = OUTCOMES[result["outcome"]]
    return f"{glyph} target {bound_text(result, unit)}: {word}"


def service_level_target(data: ChartData) -> Target | None:
    """The service-level target to draw: the first one on the whole report (no group filter) with >= or >."""
    for result in data.tile_checks:
        if result["metric"] == "service_level" and result["operator"] in (">=", ">"):
            return Target(float(result["bound"]), bound_text(result, "ratio"))
    return None


def _when(text: str, grouping: str) -> str:
    moment = dt.datetime.fromisoformat(text.removesuffix("Z"))
    if grouping in ("day", "week"):
        return moment.strftime("%a %d %b %Y")
    return moment.strftime("%a %d %b %H:%M")


def _pct(value: float | None) -> str:
    return format_value(value, "ratio")


def series_alt(data: ChartData, target: Target | None) -> str:
    frame = data.series.frame.filter(pl.col("offered") > 0)
    unit = SERIES_TITLES[data.series.grouping]
    overall = data.overall.rows.to_dicts()[0] if data.overall.rows.height else {}
    if frame.is_empty():
        return f"Service level per {unit}: no contact was offered in the period."
    with_sl = frame.filter(pl.col("service_level").is_not_null())
    low = with_sl.sort("service_level", "start").row(0, named=True)
    high = with_sl.sort(pl.col("service_level"), "start", descending=[True, False]).row(0, named=True)
    busiest = frame.sort(pl.col("offered"), "start", descending=[True, False]).row(0, named=True)
    parts = [
        f"Service level per {unit}, {len(frame)} {unit} periods with contacts",
        f"overall {_pct(overall.get('service_level'))}",
        f"lowest {_pct(low['service_level'])} ({_when(low['start'], data.series.grouping)})",
        f"highest {_pct(high['service_level'])} ({_when(high['start'], data.series.grouping)})",
    ]
    if target is not None:
        below = with_sl.filter(pl.col("service_level") < target.bound).height
        parts.append(f"{below} of {len(with_sl)} below the target {target.text}")
    parts.append(
        f"offered peaks at {busiest['offered']:,} ({_when(busiest['start'], data.series.grouping)}) in the bars below"
    )
    return "; ".join(parts) + "."


def _cell(row: dict[str, Any]) -> str:
    return f"{WEEKDAYS[row['weekday'] - 1]} {row['hour']:02d}:00"


def _days_text(data: ChartData) -> str:
    """The days offered per day averages over, in words."""
    days = data.weekly_days
    if days is None:
        return "period"
    if data.weekly_day_count == data.span_days:
        return f"{data.span_days} days of the period"
    return (
        f"{data.weekly_day_count} days from the first to the last contact ({days[0].isoformat()} to "
        f"{days[1].isoformat()}; the period runs on with agent states only)"
    )


def volume_alt(data: ChartData) -> str:
    frame = data.weekly.filter(pl.col("offered") > 0)
    if frame.is_empty():
        return "Offered per day by weekday and hour of day: no contact was offered in the period."
    busiest = frame.sort(pl.col("offered_per_day"), "weekday", "hour", descending=[True, False, False]).row(
        0, named=True
    )
    days = sorted({WEEKDAYS[w - 1] for w in frame.get_column("weekday").to_list()}, key=WEEKDAYS.index)
    return (
        f"Offered per day by weekday and hour of day, averaged over the {_days_text(data)}: "
        f"the busiest hour is {_cell(busiest)} with {busiest['offered_per_day']:,.1f} contacts per day; "
        f"{len(frame)} of 168 weekday hours have contacts (days with contacts: {', '.join(days)})."
    )


def service_level_heatmap_alt(data: ChartData, target: Target | None) -> str:
    frame = data.weekly.filter(pl.col("service_level").is_not_null())
    if frame.is_empty():
        return "Service level by weekday and hour of day: no contact was offered in the period."
    low = frame.sort("service_level", "weekday", "hour").row(0, named=True)
    high = frame.sort(pl.col("service_level"), "weekday", "hour", descending=[True, False, False]).row(0, named=True)
    text = (
        f"Service level by weekday and hour of day: lowest {_pct(low['service_level'])} at {_cell(low)}, "
        f"highest {_pct(high['service_level'])} at {_cell(high)}"
    )
    if target is not None:
        below = frame.filter(pl.col("service_level") < target.bound).height
        text += f"; {below} of {len(frame)} weekday hours with contacts are below the target {target.text}"
    return text + "."


def answered_within_alt(data: ChartData) -> str:
    curve = data.answered_within.filter(pl.col("share").is_not_null())
    if curve.is_empty():
        return "Answered within X seconds: no contact was answered or abandoned in the period."
    threshold = data.threshold
    at = curve.filter(pl.col("seconds") == threshold)
    last = curve.row(curve.height - 1, named=True)
    what = (
        "the service level"
        if not data.threshold_overrides
        else f"the service level judges some contacts by other thresholds ({data.threshold_text})"
    )
    points = [f"{_pct(at.item(0, 'share'))} within {threshold} s ({what})"] if at.height else []
    double = curve.filter(pl.col("seconds") == 2 * threshold)
    if threshold and double.height:
        points.append(f"{_pct(double.item(0, 'share'))} within {2 * threshold} s")
    points.append(f"{_pct(last['share'])} within {last['seconds']} s, the right edge of the chart")
    return "Answered within X seconds: " + "; ".join(points) + "."
