"""Targets on report metrics: parse them, evaluate them on a report's rows.

A target is ``[GROUP=VALUE[,GROUP=VALUE...]:]METRIC OP BOUND`` where OP is one of
``>= <= > < ==`` and BOUND a number in the metric's unit (a trailing ``%`` divides
by 100, for ratios). Examples::

    service_level>=0.8            every row of the report
    asa_seconds<=30
    queue=billing:service_level>=90%   only the row(s) whose queue is billing

In ``csmetrics.toml``::

    [targets]
    service_level = ">= 0.8"
    asa_seconds = "<= 30"

    [targets."queue=billing"]      # a table whose key has '=' filters the rows
    service_level = ">= 90%"

or as a list: ``targets = ["service_level>=0.8", "queue=billing:asa_seconds<=20"]``.

Outcomes: ``met``, ``missed``, and ``no_data`` (the metric is null in that row, e.g.
no answered contact, or no row matches the target's groups). ``no_data`` counts as
missed unless ``allow_no_data`` is set: a silent metric in an unattended run usually
means the export is broken, which someone should hear about.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from csmetrics.errors import ConfigError
from csmetrics.pipeline.result import SCHEMA_VERSION, Report
from csmetrics.sqltext import utc_now_iso

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
}
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_TARGET = re.compile(
    rf"^\s*(?:(?P<where>[^:]+):)?\s*(?P<metric>[A-Za-z_][A-Za-z0-9_]*)\s*"
    rf"(?P<op>>=|<=|==|>|<)\s*(?P<bound>{_NUMBER})\s*(?P<pct>%)?\s*$"
)
_EXPRESSION = re.compile(rf"^\s*(?P<op>>=|<=|==|>|<)\s*(?P<bound>{_NUMBER})\s*(?P<pct>%)?\s*$")
_SYNTAX = (
    "expected [GROUP=VALUE,...:]METRIC OP NUMBER with OP one of >= <= > < ==, e.g. 'queue=billing:service_level>=0.8'"
)


@dataclass(frozen=True)
class Target:
    metric: str
    op: str
    bound: float
    where: tuple[tuple[str, str], ...] = ()
    origin: str = "--target"

    @property
    def text(self) -> str:
        prefix = ",".join(f"{k}={v}" for k, v in self.where)
        return f"{prefix + ':' if prefix else ''}{self.metric}{self.op}{self.bound:g}"

    def holds(self, value: float) -> bool:
        return OPERATORS[self.op](value, self.bound)


def _where(text: str | None, origin: str) -> tuple[tuple[str, str], ...]:
    if not text:
        return ()
    pairs = []
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            msg = f"target group filter {part!r} (from {origin}): expected GROUP=VALUE, e.g. queue=billing"
            raise ConfigError(msg)
        pairs.append((key.strip(), value.strip()))
    return tuple(pairs)


def _bound(raw: str, pct: str | None) -> float:
    value = float(raw)
    return value / 100 if pct else value


def parse_target(text: str, origin: str = "--target") -> Target:
    m = _TARGET.match(text)
    if not m:
        msg = f"cannot read target {text!r} (from {origin}): {_SYNTAX}"
        raise ConfigError(msg)
    return Target(
        metric=m["metric"],
        op=m["op"],
        bound=_bound(m["bound"], m["pct"]),
        where=_where(m["where"], origin),
        origin=origin,
    )


def targets_from_config(raw: Any, origin: str = "csmetrics.toml") -> list[Target]:
    """Read the ``targets`` setting: a list of target strings, or a table (see module doc)."""
    if raw is None:
        return []
    if isinstance(raw, list):
        if not all(isinstance(t, str) for t in raw):
            msg = f"targets (from {origin}) must be a list of strings such as 'service_level>=0.8'"
            raise ConfigError(msg)
        return [parse_target(t, origin) for t in raw]
    if not isinstance(raw, Mapping):
        msg = f"targets (from {origin}) must be a table or a list of strings"
        raise ConfigError(msg)
    out: list[Target] = []

    def table(items: Mapping[str, Any], where: tuple[tuple[str, str], ...]) -> None:
        for key, value in items.items():
            if isinstance(value, Mapping):
                if where or "=" not in key:
                    msg = (
                        f"targets.{key} (from {origin}): a nested table's name must be GROUP=VALUE[,GROUP=VALUE], "
                        'e.g. [targets."queue=billing"]'
                    )
                    raise ConfigError(msg)
                table(value, _where(key, origin))
                continue
            exprs = value if isinstance(value, list) else [value]
            for expr in exprs:
                m = _EXPRESSION.match(str(expr)) if isinstance(expr, str) else None
                if m is None:
                    msg = f'targets.{key} = {expr!r} (from {origin}): expected a string such as ">= 0.8" or "<= 30"'
                    raise ConfigError(msg)
                out.append(Target(key, m["op"], _bound(m["bound"], m["pct"]), where, origin))

    table(raw, ())
    return out


@dataclass
class CheckResult:
    """Every evaluation of every target, and whether the run passes."""

    results: list[dict[str, Any]]
    report: Report
    allow_no_data: bool = False
    targets: list[Target] = field(default_factory=list)

    @property
    def missed(self) -> int:
        return sum(r["outcome"] == "missed" for r in self.results)

    @property
    def no_data(self) -> int:
        return sum(r["outcome"] == "no_data" for r in self.results)

    @property
    def met(self) -> int:
        return sum(r["outcome"] == "met" for r in self.results)

    @property
    def ok(self) -> bool:
        return self.missed == 0 and (self.allow_no_data or self.no_data == 0)

    def to_document(self) -> dict[str, Any]:
        """The JSON document of ``csmetrics check`` (schema: docs/check.schema.json)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "generated_at": utc_now_iso(),
            "timezone": self.report.definitions["timezone"],
            "period": self.report.period,
            "group_by": self.report.group_keys,
            "definitions_fingerprint": self.report.fingerprint,
            "ok": self.ok,
            "no_data_counts_as_missed": not self.allow_no_data,
            "summary": {
                "targets": len(self.targets),
                "evaluations": len(self.results),
                "met": self.met,
                "missed": self.missed,
                "no_data": self.no_data,
            },
            "results": self.results,
        }


def validate(targets: Iterable[Target], report: Report) -> None:
    """Every target names a metric in the report and groups the report is grouped by."""
    units = {m.name: m.unit for m in report.metrics}
    problems = []
    for t in targets:
        if t.metric not in units:
            problems.append(
                f"target {t.text} (from {t.origin}): no metric {t.metric!r} in this report "
                f"(metrics: {', '.join(units)})"
            )
        elif units[t.metric] == "ratio" and abs(t.bound) > 1:
            problems.append(
                f"target {t.text} (from {t.origin}): {t.metric} is a rate between 0 and 1, so {t.bound:g} can never "
                f"be reached; write {t.metric}{t.op}{t.bound / 100:g} or {t.metric}{t.op}{t.bound:g}%"
            )
        for key, _ in t.where:
            if key not in report.group_keys:
                problems.append(
                    f"target {t.text} (from {t.origin}) filters on {key!r} but the report is not grouped by it; "
                    f"add --by {key}"
                )
    if problems:
        raise ConfigError("\n".join(problems))


def evaluate(targets: list[Target], report: Report, *, allow_no_data: bool = False) -> CheckResult:
    """Evaluate every target on every report row it applies to (rows of the report, never input rows)."""
    validate(targets, report)
    rows = report.rows.to_dicts()
    results: list[dict[str, Any]] = []
    for t in targets:
        wanted = dict(t.where)
        matching = [r for r in rows if all(str(r.get(k)) == v for k, v in wanted.items())]
        if not matching:
            results.append(_result(t, dict(wanted), None))
            continue
        for row in matching:
            results.append(_result(t, {k: row[k] for k in report.group_keys}, row.get(t.metric)))
    return CheckResult(results=results, report=report, allow_no_data=allow_no_data, targets=list(targets))


def _result(t: Target, group: dict[str, Any], value: Any) -> dict[str, Any]:
    if value is None:
        outcome = "no_data"
    else:
        outcome = "met" if t.holds(float(value)) else "missed"
    return {
        "target": t.text,
        "metric": t.metric,
        "operator": t.op,
        "bound": t.bound,
        "where": dict(t.where),
        "group": group,
        "value": value,
        "outcome": outcome,
        "origin": t.origin,
    }


def describe(result: Mapping[str, Any]) -> str:
    """One line for a human: ``MISSED service_level>=0.8 [queue=billing]: 0.74``."""
    group = ", ".join(f"{k}={v}" for k, v in result["group"].items())
    value = "no data" if result["value"] is None else f"{result['value']:.6g}"
    return f"{result['outcome'].upper():7} {result['target']}{f' [{group}]' if group else ''}: {value}"
