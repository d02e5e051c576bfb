"""A comparison over prepared sessions: each side is a report plus the sums behind its tests, then one row per
group and metric. Sessions are opened by :func:`csmetrics.api.compare` (one input set, or one per side)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from csmetrics.compare import rows as rows_mod
from csmetrics.compare.declared import declarations, default_metrics
from csmetrics.compare.periods import Period, check_groupings, check_periods
from csmetrics.compare.result import CompareResult
from csmetrics.compare.stats import Comparison
from csmetrics.compare.sums import Passes, SideSums, Sums
from csmetrics.definitions.model import Registry
from csmetrics.definitions.params import Definitions, plain
from csmetrics.errors import ConfigError
from csmetrics.pipeline import compose
from csmetrics.pipeline.report import ReportSpec, run_report
from csmetrics.pipeline.result import Report
from csmetrics.pipeline.session import Session
from csmetrics.sqltext import utc_now_iso


@dataclass(frozen=True)
class CompareSpec:
    """What a comparison computes: the grouping, the metrics (None: those with a [compare] table), two periods."""

    group_by: str | Sequence[str] | None = None
    metrics: Sequence[str] | None = None
    before: Period = field(default_factory=Period)
    after: Period = field(default_factory=Period)


@dataclass(frozen=True)
class Side:
    report: Report
    sums: Sums


def check_spec(registry: Registry, spec: CompareSpec, *, one_input_set: bool) -> None:
    """The periods and groupings fit together (before any input is read)."""
    check_periods(spec.before, spec.after, one_input_set=one_input_set)
    check_groupings(compose.parse_group_by(registry, spec.group_by), spec.before, spec.after)


def definitions_differences(before: Definitions, after: Definitions) -> list[str]:
    """Each parameter whose value differs between the two sides, with both values and where they came from."""
    return [
        f"{name}: before {plain(before.values.get(name))} ({before.sources.get(name, 'default')}), "
        f"after {plain(after.values.get(name))} ({after.sources.get(name, 'default')})"
        for name in sorted(set(before.values) | set(after.values))
        if before.values.get(name) != after.values.get(name)
    ]


def check_same_definitions(before: Definitions, after: Definitions) -> None:
    """Compare only like with like: two input sets whose effective definitions differ exit 2 naming each difference."""
    differences = definitions_differences(before, after)
    if differences:
        msg = (
            "the two input sets are read under different definitions "
            f"(fingerprints {before.fingerprint} and {after.fingerprint}), so their figures do not mean the same "
            "thing:\n  "
            + "\n  ".join(differences)
            + "\nset each with --set NAME=VALUE to apply one value to both sides"
        )
        raise ConfigError(msg)


def measure(session: Session, definitions: Definitions, spec: CompareSpec, period: Period) -> Side:
    """One side: the report of ``period`` and the sums of its declared parts, per group."""
    registry = session.registry
    groupings = compose.parse_group_by(registry, spec.group_by)
    agent_time = all(g.agent_time for g in groupings)
    if spec.metrics is not None:
        names = list(spec.metrics)
    else:  # by default, agent-time metrics only where the grouping splits agent time (else they are null),
        # and agent-state metrics only with an agent state log (as report)
        has_states = session.inputs.states is not None
        names = [
            n
            for n in default_metrics(registry)
            if registry.metric(n).source == "contacts"
            or (agent_time and (has_states or registry.metric(n).source != "states"))
        ]
    report = run_report(session, definitions, ReportSpec(spec.group_by, period.first, period.last, names))
    session.set_variables(definitions, period.first, period.last)
    declared = [declarations(registry)[m.name] for m in report.metrics]
    passes = Passes(tuple(groupings), agent_time, session.inputs.states is not None)
    return Side(report, SideSums(session, passes, declared).run())


def _groups(report: Report) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(row[k] for k in report.group_keys): row for row in report.rows.iter_rows(named=True)}


def _plain_n(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _row(group: dict[str, Any], metric: Any, better: str | None, c: Comparison) -> dict[str, Any]:
    return {
        **group,
        "metric": metric.name,
        "unit": metric.unit,
        "better": better,
        "before": c.before,
        "after": c.after,
        "difference": c.difference,
        "relative_change": c.relative_change,
        "ci_low": c.ci_low,
        "ci_high": c.ci_high,
        "p_value": c.p_value,
        "significant": rows_mod.significant(c),
        "verdict": rows_mod.verdict(c, better),
        "method": c.method,
        "before_n": _plain_n(c.before_n),
        "after_n": _plain_n(c.after_n),
        "before_clusters": c.before_clusters,
        "after_clusters": c.after_clusters,
        "se": c.se,
        "df": c.df,
        "statistic": c.statistic,
        "note": c.note,
        "targets": [],
    }


def combine(registry: Registry, before: Side, after: Side, definitions: Definitions) -> CompareResult:
    """One row per group (the before side's groups in their order, then groups only the after side has) and metric
    (in registry order; a metric only one side has, such as agent-state metrics of one store, is still a row)."""
    keys = before.report.group_keys
    declared = declarations(registry)
    names = {m.name for m in (*before.report.metrics, *after.report.metrics)}
    metrics = [m for m in registry.metrics if m.name in names]
    cluster = str(definitions["compare.cluster"])
    b_rows, a_rows = _groups(before.report), _groups(after.report)
    rows = []
    for group in [*b_rows, *(g for g in a_rows if g not in b_rows)]:
        labels = dict(zip(keys, group, strict=True))
        b_row, a_row = b_rows.get(group, {}), a_rows.get(group, {})
        b_sums, a_sums = before.sums.get(group, {}), after.sums.get(group, {})
        for m in metrics:
            d = declared[m.name]
            c = rows_mod.compare_metric(
                d, cluster, (b_row.get(m.name), a_row.get(m.name)), (b_sums.get(m.name), a_sums.get(m.name))
            )
            rows.append(_row(labels, m, d.better, c))
    return CompareResult(
        rows=rows,
        group_keys=list(keys),
        metrics=metrics,
        definitions=definitions,
        before=before.report,
        after=after.report,
        cluster=cluster,
        confidence=rows_mod.CONFIDENCE,
        significance=rows_mod.SIGNIFICANCE,
        generated_at=utc_now_iso(),
    )
