"""What each metric declares for ``csmetrics compare``, read from its own SQL file's header.

A metric file may say which way is better (``better = "higher"`` or ``"lower"``) and how its change is tested,
in a ``[compare]`` table whose parts are aggregate expressions over the metric's relation::

    better = "higher"

    [compare]
    method = "ratio"
    numerator = "count(*) filter (where is_answered and wait_seconds <= 20)"
    denominator = "count(*) filter (where is_answered or is_abandoned)"

Methods and their parts:

- ``ratio``: ``numerator`` and ``denominator``; the metric is Σ numerator / Σ denominator, summed per cluster
  (``compare.cluster``: local days by default) and tested with the cluster (linearisation) variance and Welch t.
- ``proportion``: ``numerator`` (hits) and ``denominator`` (n) over independent answers: Newcombe's hybrid score
  interval, pooled z test.
- ``nps``: ``promoters``, ``detractors`` and ``responses``: the NPS Wald test.
- ``mean``: ``n``, ``mean`` and ``variance`` (sample variance, n - 1) of independent answers: Welch's t.
- ``count``: difference and relative change only.
- ``none``: difference and relative change only, and a note that no test is declared.

A metric with a ``[compare]`` table is compared by default; any other metric can be asked for with ``--metrics``
and is then treated as ``count`` (units count and hours) or ``none``. The parts are checked here with DuckDB's parser
(one aggregate expression each, declared parameters only) and bound against the real relations before the first
comparison (:mod:`csmetrics.compare.sums`); a test checks on the sample that Σ numerator / Σ denominator is the
metric itself, so a new ratio metric is tested without new Python.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

from csmetrics.definitions.contract import aggregate_problem
from csmetrics.definitions.model import Metric, Registry
from csmetrics.definitions.registry import HEADER, RUNTIME_VARIABLES, variables_used
from csmetrics.errors import DefinitionError

PARTS: dict[str, tuple[str, ...]] = {
    "ratio": ("numerator", "denominator"),
    "proportion": ("numerator", "denominator"),
    "nps": ("promoters", "detractors", "responses"),
    "mean": ("n", "mean", "variance"),
    "count": (),
    "none": (),
}
BETTER = ("higher", "lower")
TOTAL_UNITS = ("count", "hours")  # undeclared metrics of these units are compared as totals (no test)
_READ: dict[int, tuple[Registry, dict[str, Declared]]] = {}  # the registry (kept alive) and its declarations


@dataclass(frozen=True)
class Declared:
    """How one metric is compared: its method, the direction that is better, and the parts' SQL."""

    metric: Metric
    method: str
    better: str | None = None
    parts: dict[str, str] = field(default_factory=dict)
    declared: bool = False  # the file has a [compare] table: compared by default

    @property
    def where(self) -> str:
        return f"sql/metrics/{self.metric.path.name}"


def _header(metric: Metric) -> dict[str, Any]:
    match = HEADER.match(metric.path.read_text(encoding="utf-8"))
    return tomllib.loads(match.group("toml")) if match else {}


def _read(metric: Metric, registry: Registry, problems: list[str]) -> Declared:
    header = _header(metric)
    where = f"sql/metrics/{metric.path.name}"
    better = header.get("better")
    if better is not None and better not in BETTER:
        problems.append(f'{where}: better must be "higher" or "lower", got {better!r}')
        better = None
    table = header.get("compare")
    if table is None:
        method = "count" if metric.unit in TOTAL_UNITS else "none"
        return Declared(metric, method, better)
    if not isinstance(table, dict):
        problems.append(f"{where}: compare must be a table: [compare]")
        return Declared(metric, "none", better)
    method = table.get("method")
    if method not in PARTS:
        problems.append(f"{where}: [compare] method must be one of {', '.join(PARTS)}, got {method!r}")
        return Declared(metric, "none", better)
    parts = {k: v for k, v in table.items() if k != "method"}
    problems.extend(_part_problems(metric, method, parts, registry, where))
    return Declared(metric, method, better, {k: str(v) for k, v in parts.items()}, declared=True)


def _part_problems(metric: Metric, method: str, parts: dict[str, Any], registry: Registry, where: str) -> list[str]:
    expected = PARTS[method]
    problems = []
    if set(parts) != set(expected):
        want = ", ".join(expected) or "no parts"
        problems.append(f"{where}: [compare] method {method!r} takes {want}; got {', '.join(parts) or 'none'}")
        return problems
    if expected and metric.kind != "aggregate":
        problems.append(f"{where}: [compare] method {method!r} needs an aggregate metric (this one is standalone)")
        return problems
    if method in ("proportion", "nps", "mean") and metric.source != "contacts":
        problems.append(f"{where}: [compare] method {method!r} is for contact metrics (survey answers)")
    known = set(registry.params) | RUNTIME_VARIABLES
    for name, sql in parts.items():
        if not isinstance(sql, str) or not sql.strip():
            problems.append(f"{where}: [compare] {name} must be an SQL aggregate expression")
            continue
        why = aggregate_problem(sql, name, metric.relation)
        if why:
            problems.append(
                f"{where}: [compare] {name} {why}: it must be one aggregate expression over {metric.relation}"
            )
        unknown = sorted(set(variables_used(sql)) - known)
        if unknown:
            problems.append(f"{where}: [compare] {name} reads undeclared parameter(s) {', '.join(unknown)}")
    return problems


def declarations(registry: Registry) -> dict[str, Declared]:
    """Every metric's comparison, by name, in registry order; DefinitionError naming every bad declaration."""
    known = _READ.get(id(registry))
    if known is not None and known[0] is registry:
        return known[1]
    problems: list[str] = []
    out = {m.name: _read(m, registry, problems) for m in registry.metrics}
    if problems:
        raise DefinitionError("invalid compare declarations:\n  " + "\n  ".join(problems))
    _READ[id(registry)] = (registry, out)
    return out


def default_metrics(registry: Registry) -> list[str]:
    """The metrics compared when --metrics is not given: those whose file has a [compare] table."""
    return [name for name, d in declarations(registry).items() if d.declared]
