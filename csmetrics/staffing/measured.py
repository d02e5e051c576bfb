"""From data: required agents per interval from measured volume, AHT and patience, against the staffed agents.

One report over the session (offered, AHT, abandon rate, service level and, with agent states, the
staffed, handling and available hours) gives the measured rows; ``sql/staffing/*.sql`` add what the
report lacks (the patience estimate over the contacts, the offered load, the standard error of the
measured service level, agents from hours, the comparison and the summary). Python only calls the
queueing models, once per report row (an aggregated interval and group, never a contact).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl

from csmetrics.definitions.model import Grouping, Registry
from csmetrics.definitions.params import Definitions
from csmetrics.errors import ConfigError
from csmetrics.pipeline import compose
from csmetrics.pipeline.report import ReportSpec, run_report
from csmetrics.pipeline.result import Report
from csmetrics.pipeline.session import Session
from csmetrics.staffing.checks import open_unit, positive, shrinkage_fraction, unit_upper
from csmetrics.staffing.columns import CONTACT_METRICS, ORDER, STATE_METRICS, columns
from csmetrics.staffing.erlang_a import erlang_a_metrics
from csmetrics.staffing.erlang_c import erlang_c_metrics
from csmetrics.staffing.queries import staffing_query
from csmetrics.staffing.requirement import required_agents
from csmetrics.staffing.thresholds import Thresholds, staffing_definitions

# The --by groupings a staffing run accepts: one interval (its length in seconds), then arrival splits.
INTERVALS = {"interval:15m": 900, "interval:30m": 1800, "interval:60m": 3600, "hour": 3600}
SPLITS = ("queue", "channel")
DEFAULT_GROUP_BY = "interval:30m"
MODELS = ("erlang-c", "erlang-a")
ROWS = "staffing_rows"


@dataclass(frozen=True)
class StaffingSpec:
    """What a from-data staffing run models: the targets, the model and the caps (seconds; shares 0-1).

    ``threshold_seconds`` None keeps service_level.threshold_seconds in effect; ``patience_seconds``
    None estimates the mean patience from the contacts, per group (``sql/staffing/patience.sql``).
    """

    target: float = 0.8
    model: str = "erlang-a"
    threshold_seconds: float | None = None
    patience_seconds: float | None = None
    max_occupancy: float | None = None
    max_abandon: float | None = None
    max_asa_seconds: float | None = None
    shrinkage: float = 0.0

    def checked(self) -> StaffingSpec:
        """The same spec, or a ConfigError (exit 2) naming the value that is out of range."""
        if self.model not in MODELS:
            msg = f"--model must be one of {', '.join(MODELS)} with input data, got {self.model!r}"
            raise ConfigError(msg)
        if self.model == "erlang-c" and self.max_abandon is not None:
            msg = "--max-abandon caps the abandonment of Erlang A; --model erlang-c has none (drop one of them)"
            raise ConfigError(msg)
        try:
            open_unit("target", self.target)
            shrinkage_fraction(self.shrinkage)
            for name, value in (("max_occupancy", self.max_occupancy), ("max_abandon", self.max_abandon)):
                if value is not None:
                    unit_upper(name, value)
            for name, value in (("patience", self.patience_seconds), ("max_asa", self.max_asa_seconds)):
                if value is not None:
                    positive(name, value)
        except ValueError as e:
            raise ConfigError(f"staffing: {e}") from None
        return self


@dataclass
class StaffingReport(Report):
    """A report whose rows are staffing figures, with the run's settings, a summary per group and notes."""

    settings: dict[str, Any] = field(default_factory=dict)
    summary: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_document(self) -> dict[str, Any]:
        document = super().to_document()
        rows = document.pop("rows")
        return {**document, "staffing": self.settings, "summary": self.summary, "rows": rows}


def staffing_groupings(registry: Registry, group_by: str | Sequence[str] | None) -> tuple[Grouping, list[Grouping]]:
    """(the interval grouping, the arrival splits) of ``--by``; interval:30m when it is not given."""
    chosen = compose.parse_group_by(registry, group_by or DEFAULT_GROUP_BY)
    intervals = [g for g in chosen if g.token in INTERVALS]
    others = [g for g in chosen if g.token not in INTERVALS and g.key not in SPLITS]
    if len(intervals) != 1 or others:
        given = ",".join(g.token for g in chosen)
        msg = (
            "staffing models an interval short enough for arrivals to be steady: --by one of "
            f"{', '.join(INTERVALS)}, optionally with {' and/or '.join(SPLITS)} (got --by {given}). "
            "Contacts have no agent or team until answered, and days or weeks are too long for a queueing model."
        )
        raise ConfigError(msg)
    return intervals[0], [g for g in chosen if g.key in SPLITS]


def staffing_report(session: Session, definitions: Definitions, spec: ReportSpec, staffing: StaffingSpec) -> Report:
    """Per interval (and queue/channel): measured offered, AHT, abandon rate and patience, the offered load,
    required agents (whole, unrounded) and FTE; with agent states, staffed agents, net staffing and the
    measured against the predicted service level. A summary per group closes it."""
    staffing = staffing.checked()
    interval, splits = staffing_groupings(session.registry, spec.group_by)
    seconds = INTERVALS[interval.token]
    keys = [g.key for g in splits]
    defs, thresholds, notes = staffing_definitions(definitions, staffing.threshold_seconds, keys)
    has_states = session.inputs.states is not None
    wanted = CONTACT_METRICS + (STATE_METRICS if has_states else ())
    groups = [g.token for g in (interval, *splits)]  # rows in time order, then by queue/channel
    report = run_report(session, defs, replace(spec, group_by=groups, metrics=wanted))
    patience = _patience(session, defs, spec, splits)
    rows = _figures(session, report.rows, patience, keys, staffing, seconds, thresholds, has_states=has_states)
    summary = _summary(session, rows, patience, keys, seconds, has_states=has_states)
    for group in summary:
        group["model"] = _group_model(staffing, group.get("estimated_patience_seconds"))
    shown = [c.name for c in columns(states=has_states)] + list(CONTACT_METRICS)
    metrics = [m for m in report.metrics if m.name in CONTACT_METRICS]
    metrics += [c.metric(900 + i) for i, c in enumerate(columns(states=has_states))]
    if splits and has_states:
        notes.append("staffed agents are null: agent states have no queue or channel; --by the interval alone")
    return StaffingReport(
        rows=rows.select(report.group_keys + [c for c in ORDER if c in shown]),
        group_keys=report.group_keys,
        metrics=metrics,
        definitions=defs,
        period=report.period,
        data_quality=report.data_quality,
        generated_at=report.generated_at,
        rejects=report.rejects,
        state_rejects=report.state_rejects,
        settings=_settings(staffing, seconds, thresholds),
        summary=summary,
        notes=notes,
    )


def _figures(
    session: Session,
    measured: pl.DataFrame,
    patience: pl.DataFrame,
    keys: list[str],
    staffing: StaffingSpec,
    seconds: int,
    thresholds: Thresholds,
    *,
    has_states: bool,
) -> pl.DataFrame:
    """The report's rows, then the patience, the load and SE (SQL), the agents (SQL), the model (Python) and
    the comparison (SQL)."""
    rows = _with_patience(measured, patience, keys, staffing.patience_seconds)
    rows = _run(session, "measured", rows, seconds)
    if has_states:
        rows = _run(session, "staffed", rows, seconds)
    else:
        rows = rows.with_columns(pl.lit(None, dtype=pl.Float64).alias("staffed_agents"))
    rows = pl.concat([rows, _model_columns(rows, keys, staffing, seconds, thresholds)], how="horizontal")
    return _run(session, "compare", rows, seconds)


def _group_model(spec: StaffingSpec, estimated: float | None) -> str:
    """Erlang A needs a finite patience: a group where nobody abandoned is modelled with Erlang C."""
    patience = estimated if spec.patience_seconds is None else spec.patience_seconds
    return "erlang-a" if spec.model == "erlang-a" and patience is not None else "erlang-c"


def _settings(spec: StaffingSpec, interval_seconds: int, thresholds: Thresholds) -> dict[str, Any]:
    return {
        "model": spec.model,
        "interval_seconds": interval_seconds,
        "threshold_seconds": thresholds.default,
        "threshold_overrides": thresholds.as_json(),
        "target": spec.target,
        "patience_seconds": spec.patience_seconds,
        "patience": "given" if spec.patience_seconds is not None else "estimated",
        "max_occupancy": spec.max_occupancy,
        "max_abandon": spec.max_abandon,
        "max_asa_seconds": spec.max_asa_seconds,
        "shrinkage": spec.shrinkage,
    }


def _patience(session: Session, defs: Definitions, spec: ReportSpec, splits: list[Grouping]) -> pl.DataFrame:
    """The patience estimate per split group (sql/staffing/patience.sql over the report's contacts)."""
    query = staffing_query("patience")
    session.set_variables(defs, spec.date_from, spec.date_to)
    chain = compose.scoped_chain(session.registry, splits, external=False)
    frame = session.query(chain.select(query.sql), None, "sql/staffing/patience.sql")
    frame = frame.rename({g.column: g.key for g in splits}).drop(compose.ALL_GROUP, strict=False)
    return frame.with_columns(pl.col("patience_seconds").cast(pl.Float64), pl.col("queue_seconds").cast(pl.Float64))


def _with_patience(rows: pl.DataFrame, patience: pl.DataFrame, keys: list[str], given: float | None) -> pl.DataFrame:
    if given is not None:
        return rows.with_columns(pl.lit(float(given), dtype=pl.Float64).alias("patience_seconds"))
    if keys:
        return rows.join(patience.select([*keys, "patience_seconds"]), on=keys, how="left", nulls_equal=True)
    value = patience.get_column("patience_seconds")[0] if patience.height else None
    return rows.with_columns(pl.lit(value, dtype=pl.Float64).alias("patience_seconds"))


def _run(session: Session, name: str, rows: pl.DataFrame, interval_seconds: int) -> pl.DataFrame:
    """``sql/staffing/<name>.sql`` over the rows so far (registered as staffing_rows)."""
    query = staffing_query(name)
    session.con.register(ROWS, rows)
    try:
        params = {"interval_seconds": interval_seconds} if "$interval_seconds" in query.sql else None
        return session.query(query.sql, params, f"sql/staffing/{name}.sql")
    finally:
        session.con.unregister(ROWS)


MODEL_SCHEMA = {
    "required_agents": pl.Int64,
    "required_agents_fractional": pl.Float64,
    "required_fte": pl.Int64,
    "predicted_service_level": pl.Float64,
    "predicted_abandon_rate": pl.Float64,
}


def _model_columns(
    rows: pl.DataFrame, keys: list[str], spec: StaffingSpec, interval_seconds: int, thresholds: Thresholds
) -> pl.DataFrame:
    """The queueing model, once per report row (an interval and group, with its group's threshold): required
    and predicted figures."""
    inputs = rows.select("offered", "aht_seconds", "patience_seconds", "staffed_agents", *keys)
    figures = [
        _model_row(
            row["offered"],
            row["aht_seconds"],
            row["patience_seconds"],
            row["staffed_agents"],
            spec,
            interval_seconds,
            thresholds.for_row(row),
        )
        for row in inputs.iter_rows(named=True)
    ]
    return pl.DataFrame(figures, schema=MODEL_SCHEMA, orient="row")


def _model_row(
    offered: int,
    aht: float | None,
    patience: float | None,
    staffed: float | None,
    spec: StaffingSpec,
    interval_seconds: int,
    threshold: int,
) -> tuple[int | None, float | None, int | None, float | None, float | None]:
    if offered == 0 or aht == 0:  # no load: nothing to staff, no service level to predict
        return 0, 0.0, 0, None, None
    if aht is None:  # offered, but no contact with a handle time: no load known
        return None, None, None, None, None
    rate = offered / interval_seconds
    erlang_a = spec.model == "erlang-a" and patience is not None and math.isfinite(patience)
    need = required_agents(
        rate,
        aht,
        threshold,
        spec.target,
        patience_seconds=patience if erlang_a else None,
        max_occupancy=spec.max_occupancy,
        max_abandon=spec.max_abandon,
        max_asa_seconds=spec.max_asa_seconds,
        shrinkage=spec.shrinkage,
    )
    predicted, abandon = None, None
    if staffed is not None:
        if erlang_a:
            at_staffed = erlang_a_metrics(rate, aht, patience, staffed, threshold)
        else:
            at_staffed = erlang_c_metrics(rate, aht, staffed, threshold)
        predicted, abandon = at_staffed.service_level, at_staffed.p_abandon
    return need.agents, need.agents_fractional, need.fte, predicted, abandon


def _summary(
    session: Session, rows: pl.DataFrame, patience: pl.DataFrame, keys: list[str], seconds: int, *, has_states: bool
) -> list[dict[str, Any]]:
    """sql/staffing/summary.sql per split group, with the group's patience estimate and the model it got."""
    grouped = rows.rename({k: f"grp__{k}" for k in keys}) if keys else rows.with_columns(pl.lit("all").alias("grp"))
    if not keys:
        grouped = grouped.rename({"grp": compose.ALL_GROUP})
    frame = _run(session, "summary", grouped, seconds)
    frame = frame.rename({f"grp__{k}": k for k in keys}).drop(compose.ALL_GROUP, strict=False)
    if not has_states:
        frame = frame.drop(
            "staffed_agent_hours", "net_agent_hours", "understaffed_intervals", "overstaffed_intervals",
            "flagged_intervals",
        )  # fmt: skip
    stats = patience.rename({"patience_seconds": "estimated_patience_seconds"})
    if keys:
        frame = frame.join(stats, on=keys, how="left", nulls_equal=True)
        order = [pl.col(k) for k in keys]
        frame = frame.sort(order, nulls_last=True)
    else:
        frame = pl.concat([frame, stats], how="horizontal") if stats.height else frame
    return frame.to_dicts()
