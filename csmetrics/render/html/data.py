"""What the HTML report and its charts show, computed over one prepared session: aggregated rows only.

Besides the report itself (the rows of ``--by``), the page needs:

- the whole period without ``--by`` (the KPI tiles), and the previous period of equal length when the
  loaded data holds all of it: two more reports (:func:`csmetrics.pipeline.report.run_report`);
- offered and service level per interval, per weekday x hour of day, and the "answered within X
  seconds" curve: aggregate passes over the report's contacts (``scoped``, composed as a report composes
  it), using the metrics' own SQL files (sql/metrics/offered.sql, service_level.sql) and the queries of
  sql/charts/. Each returns at most a few thousand rows, never one per contact.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from csmetrics.definitions.model import Grouping, Registry
from csmetrics.definitions.params import Definitions, overrides
from csmetrics.definitions.registry import HEADER, sql_dir
from csmetrics.pipeline import compose
from csmetrics.pipeline.report import ReportSpec, run_report
from csmetrics.pipeline.result import Report
from csmetrics.pipeline.session import Session

CHART_METRICS = ("offered", "service_level")
WEEK_DAYS = 7  # the weekday x hour heatmaps need a report spanning at least a week


@dataclass(frozen=True)
class Series:
    """Offered and service level per time bucket: ``start`` (local wall time as ISO text with a Z, for a UTC
    time scale that shows local clock times), ``offered``, ``service_level``; empty buckets included."""

    grouping: str  # the --by grouping the buckets are (interval:15m, interval:30m, interval:60m, day, week)
    frame: pl.DataFrame


@dataclass
class ChartData:
    """A report with everything its HTML page shows beside the rows."""

    report: Report  # the report asked for (rows by --by)
    overall: Report  # the same report without --by: the KPI tiles
    previous: Report | None  # the previous period of equal length, without --by (None: not in the data)
    previous_note: str  # why there is no previous period, or which one it is
    data_span: tuple[dt.date | None, dt.date | None]
    series: Series
    weekly: pl.DataFrame  # weekday, hour, offered, offered_per_day, service_level (cells with contacts)
    weekly_days: tuple[dt.date, dt.date] | None  # the days offered_per_day averages over (None: no contact)
    answered_within: pl.DataFrame  # seconds, answered_within, abandoned_within, share
    tile_checks: list[dict[str, Any]] = field(default_factory=list)  # target results on the overall row
    row_checks: list[dict[str, Any]] = field(default_factory=list)  # target results on the report's rows
    targets_not_shown: list[str] = field(default_factory=list)  # targets that name what this report lacks
    metrics_chosen: bool = False  # --metrics chose the metrics (the tiles show them all)

    @property
    def threshold(self) -> int:
        """The global service-level threshold in seconds (queues and channels may have their own)."""
        return int(self.overall.definitions["service_level.threshold_seconds"])

    @property
    def threshold_overrides(self) -> list[tuple[str, str, int]]:
        """(channel or queue, its name, its threshold) of every scoped service-level threshold."""
        definitions = self.overall.definitions
        return [
            (scope, name, int(value))
            for scope in definitions.specs["service_level.threshold_seconds"].scopes
            for name, value in sorted(overrides(definitions, "service_level.threshold_seconds", scope).items())
        ]

    @property
    def threshold_text(self) -> str:
        """``20 s``, or ``20 s (chat 60 s, email 86,400 s)`` when channels or queues have their own."""
        scoped = ", ".join(f"{scope} {name} {value:,} s" for scope, name, value in self.threshold_overrides)
        return f"{self.threshold:,} s" + (f"; {scoped}" if scoped else "")

    @property
    def period(self) -> tuple[dt.date, dt.date] | None:
        return period_dates(self.overall)

    @property
    def span_days(self) -> int:
        period = self.period
        return (period[1] - period[0]).days + 1 if period else 0

    @property
    def has_week(self) -> bool:
        return self.span_days >= WEEK_DAYS

    @property
    def weekly_day_count(self) -> int:
        days = self.weekly_days
        return (days[1] - days[0]).days + 1 if days else 0


def period_dates(report: Report) -> tuple[dt.date, dt.date] | None:
    start, end = report.period.get("from"), report.period.get("to")
    if not start or not end:
        return None
    return dt.date.fromisoformat(start), dt.date.fromisoformat(end)


def data_span(report: Report) -> tuple[dt.date | None, dt.date | None]:
    """The first and last local day of the loaded data (contacts and agent states), as the report found them."""
    span = report.data_quality.get("data_span") or {}
    first, last = span.get("from"), span.get("to")
    return (dt.date.fromisoformat(first) if first else None, dt.date.fromisoformat(last) if last else None)


def chart_sql(name: str) -> str:
    """The body of sql/charts/<name>.sql (its header is documentation)."""
    text = (sql_dir() / "charts" / f"{name}.sql").read_text(encoding="utf-8")
    match = HEADER.match(text)
    return text[match.end() :] if match else text


def after_chain(chain: compose.Chain, sql: str) -> str:
    """``sql`` (a query that may start with its own WITH list) reading the last relation of ``chain``."""
    body = sql.strip().rstrip(";")
    if body[:4].lower() == "with" and body[4:5].isspace():
        return "WITH " + ",\n".join(chain.ctes) + ",\n" + body[5:]
    return chain.select(body)


def chart_groupings(path: Path | None = None) -> dict[str, Grouping]:
    """The chart keys of sql/charts/groupings.toml, as groupings the report's composer can use."""
    raw = tomllib.loads((path or sql_dir() / "charts" / "groupings.toml").read_text(encoding="utf-8"))
    return {
        key: Grouping(token=key, key=key, expression=body["expression"], meaning=body.get("meaning", ""))
        for key, body in raw.items()
    }


def series_grouping(days: int) -> str:
    """The time bucket of the service-level chart: fine enough to show the day's shape, coarse enough to stay
    readable (at most about 750 points)."""
    if days <= 1:
        return "interval:15m"
    if days <= 3:
        return "interval:30m"
    if days <= 31:
        return "interval:60m"
    if days <= 400:
        return "day"
    return "week"


def previous_period(period: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    """The period of equal length that ends the day before ``period`` starts."""
    start, end = period
    length = (end - start).days + 1
    return start - dt.timedelta(days=length), start - dt.timedelta(days=1)


class _Collector:
    """Runs the extra reports and chart queries of one report on its session."""

    def __init__(self, session: Session, definitions: Definitions, spec: ReportSpec) -> None:
        self.session = session
        self.registry: Registry = session.registry
        self.definitions = definitions
        self.spec = spec

    def overall(self) -> Report:
        return run_report(
            self.session, self.definitions, ReportSpec(None, self.spec.date_from, self.spec.date_to, self.spec.metrics)
        )

    def previous(
        self, period: tuple[dt.date, dt.date] | None, span: tuple[dt.date | None, dt.date | None]
    ) -> tuple[Report | None, str]:
        if period is None:
            return None, "no contact in the period"
        start, end = previous_period(period)
        first, last = span
        if first is None or last is None or first > start or last < end:
            held = f"the data runs from {first.isoformat()} to {last.isoformat()}" if first and last else "no data"
            return None, (
                f"no comparison: the previous period of equal length ({start.isoformat()} to {end.isoformat()}) "
                f"is not wholly in the data ({held})"
            )
        report = run_report(self.session, self.definitions, ReportSpec(None, start, end, self.spec.metrics))
        return report, f"against {start.isoformat()} to {end.isoformat()}, the previous {self._days(period)}"

    @staticmethod
    def _days(period: tuple[dt.date, dt.date]) -> str:
        days = (period[1] - period[0]).days + 1
        return "day" if days == 1 else f"{days} days"

    def grouped(self, groupings: list[Grouping], where: str) -> pl.DataFrame:
        """offered and service_level per group of ``groupings`` over the report's contacts, in one pass."""
        self.session.set_variables(self.definitions, self.spec.date_from, self.spec.date_to)
        chain = compose.scoped_chain(self.registry, groupings, external=False)
        metrics = [self.registry.metric(name) for name in CHART_METRICS]
        return self.session.query(compose.aggregate_pass("scoped", metrics, (), chain), None, where)

    def series(self, period: tuple[dt.date, dt.date] | None) -> Series:
        token = series_grouping((period[1] - period[0]).days + 1 if period else 1)
        grouping = self.registry.groupings[token]
        frame = self.grouped([grouping], f"chart query: offered and service level by {token}")
        return Series(token, local_series(frame, grouping.column, token, period, self.definitions["timezone"]))

    def weekly(self, period: tuple[dt.date, dt.date] | None) -> tuple[pl.DataFrame, tuple[dt.date, dt.date] | None]:
        keys = chart_groupings()
        frame = self.grouped([keys["weekday"], keys["hour_of_day"]], "chart query: weekday by hour of day")
        days = averaged_days(period, self.contact_days(), self.spec.date_from, self.spec.date_to)
        return per_day(frame, days), days

    def contact_days(self) -> tuple[dt.date | None, dt.date | None]:
        """The first and last local day with a contact in the report (sql/charts/contact_days.sql)."""
        self.session.set_variables(self.definitions, self.spec.date_from, self.spec.date_to)
        chain = compose.scoped_chain(self.registry, [], external=False)
        frame = self.session.query(after_chain(chain, chart_sql("contact_days")), None, "chart query: contact days")
        return frame.item(0, "first_day"), frame.item(0, "last_day")

    def answered_within(self) -> pl.DataFrame:
        self.session.set_variables(self.definitions, self.spec.date_from, self.spec.date_to)
        chain = compose.scoped_chain(self.registry, [chart_groupings()["sl_denominator"]], external=False)
        sql = after_chain(chain, chart_sql("answered_within"))
        return self.session.query(sql, None, "chart query sql/charts/answered_within.sql")


def local_series(
    frame: pl.DataFrame, column: str, token: str, period: tuple[dt.date, dt.date] | None, zone: str
) -> pl.DataFrame:
    """The buckets as local wall-clock times, every bucket of the period present (an empty one has offered 0
    and no service level), so that a line breaks where nothing was offered."""
    key = pl.col(column)
    if frame.schema[column] == pl.Date:
        local = key.cast(pl.Datetime("us"))
    else:
        local = key.dt.convert_time_zone(zone).dt.replace_time_zone(None)
    rows = frame.select(local.alias("local"), pl.col("offered"), pl.col("service_level"))
    if period is not None:
        step = {"interval:15m": "15m", "interval:30m": "30m", "interval:60m": "1h", "day": "1d", "week": "1w"}[token]
        start = dt.datetime.combine(period[0], dt.time())
        if token == "week":
            start -= dt.timedelta(days=period[0].weekday())
        end = dt.datetime.combine(period[1], dt.time(23, 59))
        grid = pl.DataFrame({"local": pl.datetime_range(start, end, step, eager=True, time_unit="us")})
        rows = grid.join(rows, on="local", how="full", coalesce=True)
    return (
        rows.with_columns(pl.col("offered").fill_null(0))
        .sort("local")
        .select(pl.col("local").dt.strftime("%Y-%m-%dT%H:%M:%SZ").alias("start"), "offered", "service_level")
    )


def averaged_days(
    period: tuple[dt.date, dt.date] | None,
    contacts: tuple[dt.date | None, dt.date | None],
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> tuple[dt.date, dt.date] | None:
    """The days the volume heatmap averages over: the period, except that a bound not given (--from, --to)
    is the first or last day with a contact rather than the data's span, which the agent state log may
    stretch past the contacts. A bound given is kept: a day without contacts inside it is a real zero."""
    first, last = contacts
    if period is None or first is None or last is None:
        return None
    start = period[0] if date_from is not None else max(period[0], first)
    end = period[1] if date_to is not None else min(period[1], last)
    return (start, end) if start <= end else None


def per_day(frame: pl.DataFrame, period: tuple[dt.date, dt.date] | None) -> pl.DataFrame:
    """weekday, hour, offered, service_level, and offered_per_day: offered over the number of such weekdays in
    the period (a period of 10 days has two Mondays but one Friday)."""
    rows = frame.select(
        pl.col("grp__weekday").cast(pl.Int64).alias("weekday"),
        pl.col("grp__hour_of_day").cast(pl.Int64).alias("hour"),
        "offered",
        "service_level",
    ).filter(pl.col("weekday").is_not_null() & pl.col("hour").is_not_null())
    if period is None:
        return rows.with_columns(pl.lit(None, dtype=pl.Float64).alias("offered_per_day"))
    days = (
        pl.DataFrame({"day": pl.date_range(period[0], period[1], "1d", eager=True)})
        .group_by(pl.col("day").dt.weekday().cast(pl.Int64).alias("weekday"))
        .agg(pl.len().alias("days"))
    )
    return (
        rows.join(days, on="weekday", how="left")
        .with_columns((pl.col("offered") / pl.col("days")).alias("offered_per_day"))
        .drop("days")
        .sort("weekday", "hour")
    )


def collect(session: Session, definitions: Definitions, spec: ReportSpec, report: Report) -> ChartData:
    """Everything the page of ``report`` (computed on ``session`` under ``definitions`` and ``spec``) shows."""
    collector = _Collector(session, definitions, spec)
    overall = collector.overall()
    period = period_dates(overall)
    span = data_span(overall)
    previous, note = collector.previous(period, span)
    series = collector.series(period)
    weekly, weekly_days = collector.weekly(period)
    curve = collector.answered_within()
    return ChartData(
        report=report,
        overall=overall,
        previous=previous,
        previous_note=note,
        data_span=span,
        series=series,
        weekly=weekly,
        weekly_days=weekly_days,
        answered_within=curve,
        metrics_chosen=spec.metrics is not None,
    )
