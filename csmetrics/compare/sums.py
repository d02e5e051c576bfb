"""The sums behind compare's tests, computed set-based by DuckDB from the relations a report reads.

Ratio metrics: the report's scoped contacts (``pipeline.compose.scoped_chain``, the same fragments and group keys
as the report) get one more key, the cluster (``csm_compare_cluster`` in sql/macros/compare.sql, which reads
``compare.cluster``). One query then sums every ratio metric's declared numerator y_d and denominator x_d per group
and cluster, fits R = Σy/Σx per group (a window over the clusters) and returns per group and metric the number
of clusters with x_d > 0, Σy, Σx and the residual sum of squares Σ(y_d - R·x_d)². Agent-state and concurrency
metrics get the same from their pieces tables (``pipeline.compose.pieces_table``) split by the cluster too.
Survey metrics (proportion, NPS, mean) need only group totals: one pass over the scoped contacts per group.

Python adds glue only: the CTE names, the aliases (y0, x0, ...) and the grouping; every expression comes from a
metric file's ``[compare]`` table or sql/macros/compare.sql. Only one row per group reaches Python. The sums of the
second stage are compensated (``fsum``), so the result hardly depends on the order DuckDB's threads add in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from csmetrics.compare.declared import Declared
from csmetrics.definitions.contract import wrap_aggregate
from csmetrics.definitions.model import Grouping, Registry
from csmetrics.errors import DefinitionError
from csmetrics.pipeline import compose
from csmetrics.pipeline.compose import Chain
from csmetrics.pipeline.session import Session
from csmetrics.sqltext import first_line

CLUSTER_KEY = "compare_cluster"  # the typed cluster key column is grp__compare_cluster
RATIO_FIELDS = ("clusters", "total_y", "total_x", "squares", "defined", "rows")
# source -> (fragment, per-compare table, kind column) of the agent-time relations
PIECES = {
    "states": ("state_time", "compare_state_time", "state"),
    "concurrency": ("concurrency_time", "compare_concurrency_time", "level"),
}

Group = tuple[Any, ...]
Sums = dict[Group, dict[str, dict[str, Any]]]  # group (formatted keys) -> metric -> part -> value

_BOUND: set[tuple[int, str, str]] = set()  # (registry, metric, part) already bound against its relation


@dataclass(frozen=True)
class Passes:
    """What one side's sums are computed over: the report's groupings and which relations it reads."""

    groupings: tuple[Grouping, ...]
    agent_time: bool  # every grouping splits agent time (the report then has agent-time metrics)
    has_states: bool


def cluster_grouping(source: str) -> Grouping:
    """The cluster as an extra group key; agent-time pieces have no contact (seq NULL)."""
    seq = "_seq" if source == "contacts" else "NULL"
    return Grouping(
        token="compare.cluster",
        key=CLUSTER_KEY,
        expression=f"csm_compare_cluster({seq}, offered_at, offered_local)",
        agent_time=True,
    )


def _labels(groupings: Sequence[Grouping]) -> str:
    return "".join(item + ",\n" for item in compose.label_select(groupings))


def ratio_query(chain: Chain, relation: str, groupings: Sequence[Grouping], parts: Sequence[tuple[str, str]]) -> str:
    """Per group: clusters (with x > 0), Σy, Σx, Σ(y_d - R·x_d)², and how many clusters have a defined x (NULL x:
    the declared parts are not sums under these definitions) among all ``rows``, for each (y, x)."""
    window = f"PARTITION BY {', '.join(compose.key_columns(groupings))}" if groupings else ""
    clusters = ",\n".join(
        f"    CAST(coalesce(({y}), 0) AS DOUBLE) AS y{i},\n    CAST(({x}) AS DOUBLE) AS x{i}"
        for i, (y, x) in enumerate(parts)
    )
    fitted = ",\n".join(
        f"    fsum(CASE WHEN x{i} > 0 THEN y{i} END) OVER w / fsum(CASE WHEN x{i} > 0 THEN x{i} END) OVER w AS r{i}"
        for i in range(len(parts))
    )
    totals = ",\n".join(
        f"    count(*) FILTER (WHERE x{i} > 0) AS clusters{i},\n"
        f"    fsum(y{i}) FILTER (WHERE x{i} > 0) AS total_y{i},\n"
        f"    fsum(x{i}) FILTER (WHERE x{i} > 0) AS total_x{i},\n"
        f"    fsum(pow(csm_compare_residual(y{i}, x{i}, r{i}), 2)) FILTER (WHERE x{i} > 0) AS squares{i},\n"
        f"    count(x{i}) AS defined{i},\n"
        f"    count(*) AS rows{i}"
        for i in range(len(parts))
    )
    chain = chain.then(
        "compare_clusters", f"SELECT columns('^grp__'),\n{clusters}\nFROM {relation}\nGROUP BY ALL"
    ).then("compare_fitted", f"SELECT *,\n{fitted}\nFROM compare_clusters\nWINDOW w AS ({window})")
    return chain.select(f"SELECT\n{_labels(groupings)}{totals}\nFROM compare_fitted\nGROUP BY ALL")


def totals_query(chain: Chain, groupings: Sequence[Grouping], parts: Sequence[str]) -> str:
    """Per group: each part (an aggregate expression over scoped) as p0, p1, ..."""
    items = ",\n".join(f"    ({sql}) AS p{i}" for i, sql in enumerate(parts))
    return chain.select(f"SELECT\n{_labels(groupings)}{items}\nFROM scoped\nGROUP BY ALL")


class SideSums:
    """The sums of one side: runs the passes over a prepared session whose period variables are set."""

    def __init__(self, session: Session, passes: Passes, declared: Sequence[Declared]) -> None:
        self.session = session
        self.registry: Registry = session.registry
        self.passes = passes
        self.declared = declared
        self.keys = [g.key for g in passes.groupings]
        self.sums: Sums = {}

    def run(self) -> Sums:
        groupings = list(self.passes.groupings)
        ratios = [d for d in self.declared if d.method == "ratio"]
        contacts = [d for d in ratios if d.metric.source == "contacts"]
        if contacts:
            chain = compose.scoped_chain(self.registry, [*groupings, cluster_grouping("contacts")], external=False)
            self._ratio_pass(chain, "scoped", contacts)
        for source in PIECES:
            self._pieces_pass(source, [d for d in ratios if d.metric.source == source])
        survey = [d for d in self.declared if d.method in ("proportion", "nps", "mean")]
        if survey:
            self._totals_pass(compose.scoped_chain(self.registry, groupings, external=False), survey)
        return self.sums

    def _pieces_pass(self, source: str, declared: Sequence[Declared]) -> None:
        """Agent-state or concurrency ratios: their pieces summed per group and cluster, as the report's table."""
        if not declared or not self.passes.agent_time or (source == "states" and not self.passes.has_states):
            return
        fragment, table, kind = PIECES[source]
        groupings = [*self.passes.groupings, cluster_grouping(source)]
        sql = compose.pieces_table(self.registry, fragment, table, kind, groupings)
        self.session.execute(sql, {}, f"sql/report/{fragment}.sql (split by compare.cluster)")
        self._ratio_pass(Chain((), ""), table, declared)

    def _bind(self, chain: Chain, relation: str, declared: Sequence[Declared]) -> None:
        """Each part binds against its relation (once per process): a bad column is named with its file."""
        problems = []
        for d in declared:
            for part, sql in d.parts.items():
                key = (id(self.registry), d.metric.name, part)
                if key in _BOUND:
                    continue
                try:
                    self.session.con.execute("DESCRIBE " + chain.select(wrap_aggregate(sql, part, relation))).fetchall()
                except duckdb.Error as e:
                    problems.append(f"{d.where} [compare] {part} does not run: {first_line(e)}")
                    continue
                _BOUND.add(key)
        if problems:
            raise DefinitionError("invalid compare declarations:\n  " + "\n  ".join(problems))

    def _ratio_pass(self, chain: Chain, relation: str, declared: Sequence[Declared]) -> None:
        self._bind(chain, relation, declared)
        parts = [(d.parts["numerator"], d.parts["denominator"]) for d in declared]
        sql = ratio_query(chain, relation, self.passes.groupings, parts)
        frame = self.session.query(sql, None, f"compare sums of {', '.join(d.metric.name for d in declared)}")
        for row in frame.iter_rows(named=True):  # one row per group
            group = tuple(row[k] for k in self.keys)
            for i, d in enumerate(declared):
                values = {f: row[f"{f}{i}"] for f in RATIO_FIELDS}
                self.sums.setdefault(group, {})[d.metric.name] = values

    def _totals_pass(self, chain: Chain, declared: Sequence[Declared]) -> None:
        self._bind(chain, "scoped", declared)
        names = [(d, part) for d in declared for part in d.parts]
        sql = totals_query(chain, self.passes.groupings, [d.parts[part] for d, part in names])
        frame = self.session.query(sql, None, f"compare totals of {', '.join(d.metric.name for d in declared)}")
        for row in frame.iter_rows(named=True):  # one row per group
            group = tuple(row[k] for k in self.keys)
            for i, (d, part) in enumerate(names):
                self.sums.setdefault(group, {}).setdefault(d.metric.name, {})[part] = row[f"p{i}"]
