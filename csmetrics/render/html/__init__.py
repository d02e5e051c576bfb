"""The report as one self-contained HTML page with charts (``--format html``), or one chart as SVG or PNG
(``--format svg|png --chart NAME``).

The charts need Altair and vl-convert-python, the ``html`` extra (``pip install 'csmetrics[html]'``); they are
imported only when a chart is drawn, and :func:`require_chart_libraries` says how to install them (exit 2).
"""

from __future__ import annotations

import importlib.util

from csmetrics.errors import ConfigError
from csmetrics.render.html import charts, sections, text
from csmetrics.render.html.charts import CHART_NAMES
from csmetrics.render.html.data import ChartData
from csmetrics.render.html.page import page

CHART_FORMATS = ("html", "png", "svg")
INSTALL = "pip install 'csmetrics[html]'"


def require_chart_libraries(fmt: str) -> None:
    """ConfigError (exit 2) naming the install command when Altair or vl-convert-python is missing."""
    missing = [name for name, module in (("altair", "altair"), ("vl-convert-python", "vl_convert")) if not _has(module)]
    if missing:
        msg = (
            f"--format {fmt} draws charts with Altair and vl-convert-python, which are not installed "
            f"({', '.join(missing)} missing): install them with  {INSTALL}"
        )
        raise ConfigError(msg)


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require_chart(name: str) -> None:
    if name not in CHART_NAMES:
        msg = f"--chart: unknown chart {name!r}; valid: {', '.join(CHART_NAMES)}"
        raise ConfigError(msg)


def chart_svg(data: ChartData, name: str) -> str:
    """One chart as a standalone SVG document."""
    require_chart(name)
    return charts.to_svg(charts.spec_for(name, data, text.service_level_target(data)))


def chart_png(data: ChartData, name: str) -> bytes:
    require_chart(name)
    return charts.to_png(charts.spec_for(name, data, text.service_level_target(data)))


def _figures(data: ChartData) -> dict[str, str]:
    target = text.service_level_target(data)
    threshold = data.threshold_text
    unit = charts.SERIES_TITLES[data.series.grouping]
    wanted = {
        "service_level": (
            f"Service level (answered within {threshold}) and offered contacts per {unit}",
            text.series_alt(data, target),
            sections.series_table(data),
        ),
        "answered_within": (
            "Share answered within X seconds of waiting",
            text.answered_within_alt(data),
            sections.curve_table(data),
        ),
    }
    if data.has_week:
        wanted["volume_heatmap"] = (
            "Offered per day, by weekday and hour of day",
            text.volume_alt(data),
            sections.weekly_table(data, "offered_per_day", "number"),
        )
        wanted["service_level_heatmap"] = (
            f"Service level (answered within {threshold}), by weekday and hour of day",
            text.service_level_heatmap_alt(data, target),
            sections.weekly_table(data, "service_level", "ratio"),
        )
    figures = {}
    for name, (title, alt, table) in wanted.items():
        svg = charts.inline_svg(charts.to_svg(charts.untitled(charts.spec_for(name, data, target))), f"c-{name}", alt)
        figures[name] = sections.figure(name, title, svg, alt, table)
    return figures


def to_html(data: ChartData) -> str:
    return page(data, _figures(data))


def write(data: ChartData, fmt: str, chart: str = "service_level") -> bytes:
    """The bytes of ``--format html|svg|png`` (``chart``: which chart svg and png draw)."""
    require_chart_libraries(fmt)
    if fmt == "html":
        return to_html(data).encode("utf-8")
    if fmt == "svg":
        return chart_svg(data, chart).encode("utf-8")
    if fmt == "png":
        return chart_png(data, chart)
    msg = f"not a chart format: {fmt}"
    raise ConfigError(msg)


__all__ = ["CHART_FORMATS", "CHART_NAMES", "INSTALL", "ChartData", "require_chart_libraries", "write"]
