"""The report's charts: Vega-Lite specifications built with Altair from aggregated rows, drawn as SVG or PNG by
vl-convert (no browser, no network: ``allowed_base_urls=[]`` refuses any data URL).

Colours are the Okabe-Ito palette (distinguishable with every common colour-vision deficiency) and the
sequential schemes ``blues`` and ``viridis``; every chart also has a text alternative (:mod:`.alt_text`)
and its numbers in a table on the page. Altair and vl-convert are imported only here, when a chart is drawn.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from csmetrics.render.html.data import ChartData

BLUE = "#0072B2"  # Okabe-Ito blue: the measured figure
SKY = "#56B4E9"  # Okabe-Ito sky blue: volume
VERMILLION = "#D55E00"  # Okabe-Ito vermillion: the target
GREY = "#6b6b6b"
# Metric-compatible faces (Liberation Sans is Arial's metrics): text is measured when the chart is drawn, and a
# browser showing it with a wider face would push labels past the edge.
FONT = "Arial, Helvetica, 'Liberation Sans', sans-serif"
WIDTH = 640  # the plotting width in pixels: the page's column on screen, scaled to fit A4 when printed
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SERIES_TITLES = {
    "interval:15m": "15 minutes",
    "interval:30m": "30 minutes",
    "interval:60m": "hour",
    "day": "day",
    "week": "week",
}
CHART_NAMES = ("service_level", "volume_heatmap", "service_level_heatmap", "answered_within")


@dataclass(frozen=True)
class Target:
    """The service-level target drawn on the charts (a bound with >= or >, from the configured targets)."""

    bound: float
    text: str


def _config() -> dict[str, Any]:
    return {
        "font": FONT,
        "view": {"stroke": None},
        "axis": {"labelFontSize": 11, "titleFontSize": 11, "titleFontWeight": "normal", "aria": False},
        "legend": {"labelFontSize": 11, "titleFontSize": 11, "titleFontWeight": "normal", "aria": False},
        "title": {"fontSize": 13, "anchor": "start", "fontWeight": "bold"},
        "mark": {"aria": False},
        "background": "white",
        "padding": {"left": 5, "top": 5, "right": 12, "bottom": 5},
    }


def _spec(chart: Any) -> dict[str, Any]:
    spec = chart.to_dict()
    spec["config"] = {**spec.get("config", {}), **_config()}
    return spec


def untitled(spec: dict[str, Any]) -> dict[str, Any]:
    """``spec`` without its chart titles (the page gives each chart a caption); axis and legend titles stay."""
    out = {k: v for k, v in spec.items() if k != "title"}
    for key in ("vconcat", "hconcat", "concat"):
        if key in out:
            out[key] = [untitled(part) for part in out[key]]
    return out


def _time_axis(grouping: str) -> tuple[str, str]:
    """(label format, tick interval) of the time axis: local clock times shown on a UTC scale."""
    if grouping in ("interval:15m", "interval:30m"):
        return "%a %-d %b %H:%M", "hour"
    if grouping == "interval:60m":
        return "%a %-d %b", "day"
    if grouping == "day":
        return "%-d %b", "week"
    return "%-d %b %Y", "month"


def service_level_spec(data: ChartData, target: Target | None) -> dict[str, Any]:
    """Service level per interval (a line, with the target) over offered per interval (bars), x shared."""
    import altair as alt

    frame = data.series.frame
    fmt, ticks = _time_axis(data.series.grouping)
    x = alt.X("start:T", scale=alt.Scale(type="utc"), axis=alt.Axis(title=None, format=fmt, tickCount=ticks))
    line = (
        alt.Chart(frame)
        .mark_line(color=BLUE, strokeWidth=1.6, point=alt.OverlayMarkDef(size=14) if frame.height <= 60 else False)
        .encode(
            x=x,
            y=alt.Y(
                "service_level:Q",
                scale=alt.Scale(domain=[0, 1]),
                axis=alt.Axis(format="%", title="Service level", tickCount=5),
            ),
        )
    )
    layers: list[Any] = [line]
    if target is not None:
        rule = pl.DataFrame({"target": [target.bound], "label": [f"target {target.text}"]})
        layers.append(
            alt.Chart(rule).mark_rule(color=VERMILLION, strokeDash=[6, 3], strokeWidth=1.5).encode(y="target:Q")
        )
        layers.append(
            alt.Chart(rule)
            .mark_text(color=VERMILLION, align="left", baseline="middle", dx=4, fontSize=11, x="width")
            .encode(y="target:Q", text="label:N")
        )
    top = alt.layer(*layers).properties(
        width=WIDTH, height=190, title=f"Service level per {SERIES_TITLES[data.series.grouping]}"
    )
    bars = (
        alt.Chart(frame)
        .mark_bar(color=SKY)
        .encode(x=x, y=alt.Y("offered:Q", axis=alt.Axis(title="Offered", tickCount=3)))
        .properties(width=WIDTH, height=90)
    )
    return _spec(alt.vconcat(top, bars, spacing=6).resolve_scale(x="shared"))


def _weekly_grid(weekly: pl.DataFrame) -> pl.DataFrame:
    """Every weekday x hour cell (a cell without contacts: offered 0, no service level)."""
    cells = pl.DataFrame({"weekday": list(range(1, 8))}).join(pl.DataFrame({"hour": list(range(24))}), how="cross")
    return (
        cells.join(weekly, on=["weekday", "hour"], how="left")
        .with_columns(
            pl.col("offered").fill_null(0),
            pl.col("offered_per_day").fill_null(0.0),
            pl.col("weekday").replace_strict(list(range(1, 8)), list(WEEKDAYS), return_dtype=pl.String).alias("day"),
        )
        .sort("weekday", "hour")
    )


def _heatmap(frame: pl.DataFrame, field: str, title: str, legend: str, scale: Any, fmt: str) -> Any:
    import altair as alt

    x = alt.X("hour:O", scale=alt.Scale(domain=list(range(24))), axis=alt.Axis(title="Hour of day", labelAngle=0))
    y = alt.Y("day:O", scale=alt.Scale(domain=list(WEEKDAYS)), axis=alt.Axis(title=None))
    empty = alt.Chart(frame).mark_rect(color="#eeeeee").encode(x=x, y=y)
    filled = (
        alt.Chart(frame)
        .transform_filter(f"isValid(datum.{field})")
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(x=x, y=y, color=alt.Color(f"{field}:Q", scale=scale, legend=alt.Legend(title=legend, format=fmt)))
    )
    return alt.layer(empty, filled).properties(width=WIDTH - 90, height=7 * 20, title=title)


def volume_heatmap_spec(data: ChartData) -> dict[str, Any]:
    import altair as alt

    frame = _weekly_grid(data.weekly)
    top = frame.get_column("offered_per_day").max() or 1.0  # an empty period still gets a scale
    chart = _heatmap(
        frame,
        "offered_per_day",
        "Offered per day, by weekday and hour of day",
        "Offered per day",
        alt.Scale(scheme="blues", domain=[0, top]),
        ",.1f",
    )
    return _spec(chart)


def service_level_heatmap_spec(data: ChartData) -> dict[str, Any]:
    import altair as alt

    frame = _weekly_grid(data.weekly)
    chart = _heatmap(
        frame,
        "service_level",
        f"Service level (answered within {data.threshold_text}), by weekday and hour of day",
        "Service level",
        alt.Scale(scheme="viridis", domain=[0, 1]),
        "%",
    )
    return _spec(chart)


def answered_within_spec(data: ChartData, target: Target | None) -> dict[str, Any]:
    """The share answered within X seconds for every X, with the report's threshold marked."""
    import altair as alt

    curve = data.answered_within.select("seconds", "share")
    at = curve.filter(pl.col("seconds") == data.threshold)
    x = alt.X("seconds:Q", axis=alt.Axis(title="Wait (seconds)"), scale=alt.Scale(nice=False))
    y = alt.Y("share:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%", title="Answered within"))
    layers: list[Any] = [
        alt.Chart(curve).mark_line(color=BLUE, strokeWidth=1.8, interpolate="step-after").encode(x=x, y=y)
    ]
    marker = at.with_columns(
        pl.format("{} s: {}", pl.col("seconds"), (pl.col("share") * 100).round(1).cast(pl.String) + "%").alias("label")
    )
    layers.append(alt.Chart(marker).mark_rule(color=GREY, strokeDash=[3, 3]).encode(x="seconds:Q"))
    layers.append(alt.Chart(marker).mark_point(color=BLUE, filled=True, size=50).encode(x=x, y=y))
    layers.append(
        alt.Chart(marker)
        .mark_text(align="left", dx=6, dy=12, fontSize=11, color="#222")
        .encode(x=x, y=y, text="label:N")
    )
    if target is not None:
        rule = pl.DataFrame({"target": [target.bound], "label": [f"target {target.text}"]})
        layers.append(alt.Chart(rule).mark_rule(color=VERMILLION, strokeDash=[6, 3]).encode(y="target:Q"))
        layers.append(
            alt.Chart(rule)
            .mark_text(color=VERMILLION, align="left", baseline="middle", dx=4, fontSize=11, x="width")
            .encode(y="target:Q", text="label:N")
        )
    chart = alt.layer(*layers).properties(
        width=WIDTH, height=220, title="Answered within X seconds (the service level with every threshold at X)"
    )
    return _spec(chart)


def spec_for(name: str, data: ChartData, target: Target | None) -> dict[str, Any]:
    if name == "service_level":
        return service_level_spec(data, target)
    if name == "volume_heatmap":
        return volume_heatmap_spec(data)
    if name == "service_level_heatmap":
        return service_level_heatmap_spec(data)
    if name == "answered_within":
        return answered_within_spec(data, target)
    msg = f"unknown chart {name!r}"
    raise KeyError(msg)


def _version() -> str | None:
    """The Vega-Lite version Altair writes, when vl-convert has it (else vl-convert's newest)."""
    import altair as alt
    import vl_convert as vlc

    match = re.match(r"v?(\d+)\.(\d+)", alt.SCHEMA_VERSION)
    wanted = f"{match[1]}.{match[2]}" if match else None
    return wanted if wanted in vlc.get_vegalite_versions() else None


def to_svg(spec: dict[str, Any]) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(spec, vl_version=_version(), allowed_base_urls=[])


def to_png(spec: dict[str, Any], scale: float = 2.0) -> bytes:
    import vl_convert as vlc

    return bytes(vlc.vegalite_to_png(spec, vl_version=_version(), scale=scale, allowed_base_urls=[]))


_ID = re.compile(r'\bid="([^"]+)"')


def inline_svg(svg: str, prefix: str, label: str) -> str:
    """An SVG made fit to sit in a page beside others: its ids (gradients, clip paths) prefixed so that two
    charts never share one, the XML prolog dropped, and the root given ``role="img"`` and ``label``."""
    ids: Sequence[str] = _ID.findall(svg)
    for name in sorted(set(ids), key=len, reverse=True):
        svg = svg.replace(f'id="{name}"', f'id="{prefix}-{name}"')
        svg = svg.replace(f"url(#{name})", f"url(#{prefix}-{name})")
        svg = svg.replace(f'href="#{name}"', f'href="#{prefix}-{name}"')
    svg = re.sub(r"^\s*<\?xml[^>]*>\s*", "", svg)
    attrs = f'role="img" aria-label="{html.escape(label, quote=True)}" focusable="false"'
    return re.sub(r"<svg\b", f"<svg {attrs}", svg, count=1)
