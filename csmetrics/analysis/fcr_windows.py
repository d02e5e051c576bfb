"""FCR at several repeat windows side by side (``csmetrics fcr-windows``): one report per window, stacked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import polars as pl

from csmetrics.definitions.params import Definitions
from csmetrics.errors import ConfigError
from csmetrics.pipeline.report import ReportSpec, run_report
from csmetrics.pipeline.result import Report
from csmetrics.pipeline.session import Session

FCR_METRICS = ("fcr_rate", "fcr_first_contacts", "fcr_censored", "repeat_rate")


def parse_windows(text: str, definitions: Definitions) -> list[float]:
    """``"1,12,24"`` -> the repeat windows in hours, each checked as fcr.window_hours is."""
    spec = definitions.specs["fcr.window_hours"]
    items = [t.strip() for t in text.split(",") if t.strip()]
    if not items:
        msg = "--windows expects a comma list of hours such as 1,12,24,72,168"
        raise ConfigError(msg)
    windows: list[float] = []
    for item in items:
        try:
            value = spec.coerce(item)
        except ConfigError as e:
            msg = f"--windows: {e}"
            raise ConfigError(msg) from None
        if value in windows:
            msg = f"--windows: {item} given twice"
            raise ConfigError(msg)
        windows.append(value)
    return windows


def fcr_by_window(session: Session, definitions: Definitions, windows: Sequence[float], spec: ReportSpec) -> Report:
    """One report with a ``window_hours`` column first: the FCR metrics at each repeat window."""
    parts: list[pl.DataFrame] = []
    final: dict[str, dict[str, str | None]] = {}
    last: Report | None = None
    for hours in windows:
        defs = definitions.replace({"fcr.window_hours": hours}, "--windows")
        last = run_report(session, defs, replace(spec, metrics=FCR_METRICS))
        parts.append(last.rows.select(pl.lit(hours).alias("window_hours"), pl.all()))
        final[f"{hours:g}"] = last.data_quality["fcr_final"]
    assert last is not None
    # each window has its own final days: data_quality.fcr_final is keyed by window (hours)
    quality = {**last.data_quality, "fcr_final": final}
    return replace(
        last,
        rows=pl.concat(parts),
        group_keys=["window_hours", *last.group_keys],
        definitions=definitions,
        data_quality=quality,
    )
