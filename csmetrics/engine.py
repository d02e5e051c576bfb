"""The engine: load inputs, run the prepare steps and the metric SQL, assemble a report.

Usable without the CLI::

    from csmetrics import Engine, resolve
    engine = Engine()
    engine.load(["sample_data/interactions.csv"], source_timezone="UTC")
    report = engine.report(resolve(overrides={"timezone": "America/New_York"}), group_by="day,queue")
    report.rows  # a polars DataFrame
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import polars as pl

from csmetrics import outcomes
from csmetrics.definitions import Definitions, MetricDefinition
from csmetrics.errors import ConfigError, QueryError
from csmetrics.grouping import (
    ALL_GROUP,
    GROUP_PREFIX,
    Grouping,
    group_columns,
    group_key,
    parse_group_by,
)
from csmetrics.loading import LoadResult, load_interactions
from csmetrics.registry import Registry, load_registry, reads_scoped
from csmetrics.schema import quote_identifier
from csmetrics.states import RosterLoad, StatesLoad, load_roster, load_states

SCHEMA_VERSION = "1.0"
# Contact columns that only feed group keys (or are constant in scope) and are left out of ``scoped``.
SCOPE_DROPPED = ("direction", "channel", "queue", "reason", "offered_at")
# Groupings agent-time metrics (source states / concurrency) can be split by: time buckets, agent, team.
# Any other grouping (queue, channel, reason, ...) leaves them NULL: agent states have no queue.
AGENT_TIME_KEYS = frozenset({"interval", "hour", "day", "week", "month", "agent", "team"})
AGENT_TIME_TABLES = {"states": "state_time", "concurrency": "concurrency_time"}
# Counted in the metrics pass for data_quality (not metrics; dropped from the rows).
_SCOPE_TOTALS = (
    "count(*) AS __contacts",
    "count(*) FILTER (WHERE is_answered AND NOT has_handle_time) AS __handle_time_unknown",
    "min(CAST(offered_local AS DATE)) AS __first_day",
    "max(CAST(offered_local AS DATE)) AS __last_day",
)


@dataclass(frozen=True)
class _Scope:
    """Where statements read the scoped contacts: a CTE over ``sql`` (with its binds), or, when ``sql`` is
    empty, the stored table ``scoped``."""

    sql: str
    binds: dict[str, Any]

    def with_scoped(self, query: str) -> str:
        """``query`` (a SELECT, possibly with its own WITH) reading ``scoped``."""
        if not self.sql:
            return query
        return f"WITH scoped AS ({self.sql}\n)\nSELECT * FROM (\n{query.strip().rstrip(';')}\n)"


@dataclass
class Report:
    """The result of one report: rows plus everything needed to read them right."""

    rows: pl.DataFrame
    group_keys: list[str]
    metrics: list[MetricDefinition]
    definitions: Definitions
    period: dict[str, str | None]
    data_quality: dict[str, Any]
    generated_at: str
    rejects: pl.DataFrame = field(default_factory=pl.DataFrame)
    state_rejects: pl.DataFrame | None = None  # rejected agent state rows (None without --states)

    @property
    def fingerprint(self) -> str:
        return self.definitions.fingerprint

    def definitions_document(self) -> dict[str, Any]:
        """Every metric in the report with its definition in words and its parameters in effect."""
        return definitions_document(self.definitions, self.metrics)

    def to_document(self) -> dict[str, Any]:
        """The JSON document (schema in docs/report.schema.json)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "generated_at": self.generated_at,
            "timezone": self.definitions["timezone"],
            "period": self.period,
            "group_by": self.group_keys,
            "definitions": self.definitions_document(),
            "definitions_fingerprint": self.fingerprint,
            "data_quality": self.data_quality,
            "rows": self.rows.to_dicts(),
        }


def definitions_document(definitions: Definitions, metrics: list[MetricDefinition]) -> dict[str, Any]:
    reg = load_registry()
    metric_docs = []
    for m in metrics:
        used = [p.name for p in reg.params_of(m.uses)]
        used += [p.name for p in m.params if p.name not in used]  # declared here, used by a prepare step
        metric_docs.append(
            {
                "name": m.name,
                "title": m.title,
                "unit": m.unit,
                "definition": m.description,
                **({"notes": m.notes} if m.notes else {}),
                "parameters": {n: _plain(definitions[n]) for n in used},
            }
        )
    return {
        "parameters": definitions.as_json(),
        "metrics": metric_docs,
    }


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


class Engine:
    """One in-memory DuckDB database holding the loaded contacts."""

    def __init__(self, con: duckdb.DuckDBPyConnection | None = None, *, registry: Registry | None = None) -> None:
        self.con = con if con is not None else duckdb.connect()
        # DuckDB draws a progress bar on stdout for long queries; stdout carries data only.
        self.con.execute("SET enable_progress_bar = false")
        self.registry = registry or load_registry()
        self.load_result = LoadResult()
        self.states_result: StatesLoad | None = None
        self.roster_result: RosterLoad | None = None
        self.surveys_read: int | None = None  # survey rows read (None without --surveys)
        self._run_step("macros")
        self._run_step("score_macros")
        outcomes.create_input_tables(self.con)
        self._prepared_with: tuple[Any, ...] | None = None
        self._counts: tuple[int, int, int] | None = None  # see _contact_counts

    # -- running SQL ------------------------------------------------------------------
    def _execute(self, sql: str, params: Mapping[str, Any], where: str) -> duckdb.DuckDBPyConnection:
        try:
            return self.con.execute(sql, dict(params)) if params else self.con.execute(sql)
        except duckdb.Error as e:
            msg = f"{where} failed: {e}"
            raise QueryError(msg) from e

    def _query(self, sql: str, params: Mapping[str, Any], where: str) -> pl.DataFrame:
        try:
            return self.con.sql(sql, params=dict(params) if params else None).pl()
        except duckdb.Error as e:
            msg = f"{where} failed: {e}"
            raise QueryError(msg) from e

    def _binds(self, uses: tuple[str, ...], values: Mapping[str, Any]) -> dict[str, Any]:
        """Exactly the parameters an SQL text uses (DuckDB rejects extra and missing ones)."""
        return {name: values[name] for name in uses}

    def _run_step(self, name: str, values: Mapping[str, Any] | None = None) -> None:
        step = self.registry.step(name)
        self._execute(step.sql, self._binds(step.uses, values or {}), f"sql/prepare/{name}.sql")

    # -- loading ----------------------------------------------------------------------
    def load(
        self,
        patterns: list[str],
        *,
        source_timezone: str = "UTC",
        mapping: Any = None,
        sheet: str | int | None = None,
    ) -> LoadResult:
        """Read files into the ``contacts`` table; invalid rows go to ``rejects``.

        ``mapping`` (csmetrics.mapping.Mapping) turns an export into the canonical schema.
        """
        try:
            self.load_result = load_interactions(
                self.con, patterns, source_timezone=source_timezone, mapping=mapping, sheet=sheet
            )
        except duckdb.Error as e:  # pragma: no cover - loading wraps its own errors
            msg = f"loading failed: {e}"
            raise QueryError(msg) from e
        self._run_step("versions")
        self.prepare()
        return self.load_result

    def prepare(self) -> None:
        """(Re)build checked rows, contacts and rejects from ``loaded_rows`` and ``superseded``."""
        self._prepared_with = None
        self._prepare(self._default_values())

    def load_surveys(self, patterns: list[str]) -> None:
        """Read survey answers (--surveys FILE) joined to contacts on interaction_id."""
        self.surveys_read = (self.surveys_read or 0) + outcomes.load_surveys(self.con, patterns)
        values = self._default_values() if self._prepared_with is None else dict(
            zip(outcomes.PREPARE_PARAMS, self._prepared_with, strict=True)
        )
        self._prepared_with = None
        self._prepare(values)

    def load_denominators(self, path: str) -> None:
        """Read the external complaint denominator file (--denominator FILE)."""
        outcomes.load_denominators(self.con, path)

    def _default_values(self) -> dict[str, Any]:
        return {name: spec.default for name, spec in self.registry.params.items()}

    def _prepare(self, values: Mapping[str, Any]) -> None:
        """Checks, contacts, survey answers and rejects; they depend on the csat scale parameters."""
        key = tuple(values[name] for name in outcomes.PREPARE_PARAMS)
        if key == self._prepared_with:
            return
        binds = {p.replace(".", "_"): v for p, v in zip(outcomes.PREPARE_PARAMS, key, strict=True)}
        self._run_step("csat_scale", binds)
        self._run_step("checked")
        self._run_step("contacts")
        self._counts = None
        self._run_step("surveys")
        self._run_step("answers")
        self._execute(outcomes.rejects_sql(), {}, "collecting rejected rows and answers")
        self._prepared_with = key

    def load_states(self, patterns: list[str], *, source_timezone: str = "UTC") -> StatesLoad:
        """Read agent state logs (intervals or events) into ``agent_states``; invalid rows go to ``state_rejects``."""
        self.states_result = load_states(self.con, patterns, source_timezone=source_timezone)
        self._run_step("states")
        return self.states_result

    def use_loaded_states(self, result: StatesLoad) -> StatesLoad:
        """Validate agent state rows already put in ``loaded_states`` (the store's, csmetrics.store_kinds)."""
        self.states_result = result
        self._run_step("states")
        return result

    def load_roster(self, path: str) -> RosterLoad:
        """Read a roster (agent_id, team, supervisor, site) into ``roster``; enables --by team."""
        self.roster_result = load_roster(self.con, path)
        return self.roster_result

    def states_quality(self) -> dict[str, Any] | None:
        """Counts that explain every state row read: rows_read = kept + rejected + duplicates_merged."""
        if self.states_result is None:
            return None
        by_reason = dict(
            self.con.execute("SELECT reason, count(*) FROM state_rejects GROUP BY reason ORDER BY reason").fetchall()
        )
        copies, kept, cut, seen, span_end = self.con.execute(
            "SELECT count(*) FILTER (WHERE reject_reason = 'identical_copy'), "
            "count(*) FILTER (WHERE reject_reason IS NULL), "
            "(SELECT count(*) FROM agent_states WHERE is_cut), "
            "(SELECT list(DISTINCT state ORDER BY state) FROM agent_states), "
            "strftime(max(span_end) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') FROM state_checked"
        ).fetchall()[0]
        out: dict[str, Any] = {
            "shape": self.states_result.shape,
            "rows_read": self.states_result.rows_read,
            "files": [
                {
                    "path": str(f.path),
                    "format": f.format,
                    "rows": f.rows,
                    **({"ignored_columns": list(f.ignored_columns)} if f.ignored_columns else {}),
                }
                for f in self.states_result.files
            ],
            "states_kept": int(kept),
            "duplicates_merged": int(copies),
            "rejected": {"total": int(sum(by_reason.values())), "by_reason": {k: int(v) for k, v in by_reason.items()}},
            "span_end": span_end,
            "cut_at_span_end": int(cut),
            "state_names": list(seen or []),
        }
        if self.roster_result is not None:
            missing = self.con.execute(
                "SELECT count(DISTINCT agent_id) FROM agent_states ANTI JOIN roster USING (agent_id)"
            ).fetchall()[0][0]
            out["agents_not_in_roster"] = int(missing)
        return out

    def state_rejects(self) -> pl.DataFrame | None:
        if self.states_result is None:
            return None
        return self._query("SELECT * FROM state_rejects", {}, "reading rejected state rows")

    def load_quality(self) -> dict[str, Any]:
        """Counts that explain every row read: rows_read = contacts + rejected.contacts + duplicates."""
        dup = dict(self.con.execute("SELECT kind, count(*) FROM superseded GROUP BY kind").fetchall())
        by_reason = dict(
            self.con.execute("SELECT reject_reason, count(*) FROM rejects GROUP BY ALL ORDER BY ALL").fetchall()
        )
        in_progress, outbound, contacts = self._contact_counts()
        return {
            "rows_read": self.load_result.rows_read,
            "files": [
                {
                    "path": str(f.path),
                    "format": f.format,
                    "rows": f.rows,
                    **({"ignored_columns": list(f.ignored_columns)} if f.ignored_columns else {}),
                }
                for f in self.load_result.files
            ],
            **(
                {"excluded_by_mapping": sum(f.excluded for f in self.load_result.files)}
                if any(f.excluded for f in self.load_result.files)
                else {}
            ),
            "duplicates_merged": int(dup.get("identical", 0)),
            "duplicates_superseded": int(dup.get("older_version", 0)),
            "rejected": {
                "total": int(sum(by_reason.values())),
                "by_reason": {k: int(v) for k, v in by_reason.items()},
                **outcomes.rejected_parts(self.con),
            },
            "contacts": int(contacts),
            "in_progress": int(in_progress),
            "outbound": int(outbound),
        }

    def _contact_counts(self) -> tuple[int, int, int]:
        """(in progress, outbound not in progress, all) valid contacts, counted once per load."""
        if self._counts is None:
            row = self.con.execute(
                "SELECT count(*) FILTER (WHERE outcome = 'in_progress'), "
                "count(*) FILTER (WHERE direction <> 'inbound' AND outcome <> 'in_progress'), count(*) FROM contacts"
            ).fetchall()[0]
            self._counts = (int(row[0]), int(row[1]), int(row[2]))
        return self._counts

    def rejects(self) -> pl.DataFrame:
        return self._query("SELECT * FROM rejects", {}, "reading rejected rows")

    # -- reporting --------------------------------------------------------------------
    def report(
        self,
        definitions: Definitions,
        *,
        group_by: str | list[Grouping] | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        metrics: list[str] | None = None,
    ) -> Report:
        groupings = parse_group_by(group_by) if isinstance(group_by, str | type(None)) else group_by
        if any(g.key == "team" for g in groupings) and self.roster_result is None:
            msg = "--by team needs a roster: give --roster FILE (agent_id, team)"
            raise ConfigError(msg)
        if metrics is not None:
            known = {m.name for m in self.registry.metrics}
            unknown = [name for name in metrics if name not in known]
            if unknown:
                msg = f"unknown metric(s) {', '.join(unknown)}; known: {', '.join(m.name for m in self.registry.metrics)}"
                raise ConfigError(msg)
        chosen = [m for m in self.registry.metrics if metrics is None or m.name in metrics]
        # Without agent states the state metrics are absent from the report (not NULL).
        chosen = [m for m in chosen if m.source != "states" or self.states_result is not None]
        values = definitions.bind_values() | {"date_from": date_from, "date_to": date_to}
        outcomes.check_definitions(definitions)
        self._prepare({name: definitions[name] for name in outcomes.PREPARE_PARAMS})
        external = any(m.name == "complaint_rate" for m in chosen) and outcomes.scope_denominators(
            self.con, definitions, groupings, date_from, date_to
        )
        # Metrics that are one aggregate over the scoped contacts (all of them today) run together, in one
        # pass; each is exactly its own file's expression (see registry.simple_aggregate). The scoped
        # contacts are then a CTE of that pass, never stored: writing 10 million rows costs more than
        # reading them again. Only when another metric reads `scoped` too (contacts_per_agent_hour with
        # --states) is it read more than once, and stored.
        agent_time = all(g.key in AGENT_TIME_KEYS for g in groupings)
        fused = [m for m in chosen if m.source == "contacts" and m.aggregate is not None]
        alone = [
            m for m in chosen
            if m not in fused and (m.source == "contacts" or agent_time) and reads_scoped(m.sql)
        ]
        scope = self._scope_select(groupings, values, external=external)
        if alone:
            self._execute(f"CREATE OR REPLACE TEMP TABLE scoped AS {scope.sql}", scope.binds, "sql/prepare/scope.sql")
            scope = _Scope("", {})
        if agent_time:
            self._agent_time(groupings, values)

        # The pass also counts what data_quality needs: contacts in the report, handle time unknown, and
        # the first and last local day (the period when --from/--to are not given).
        select = [f"{m.aggregate} AS {quote_identifier(m.name)}" for m in fused] + list(_SCOPE_TOTALS)
        uses = tuple(sorted({u for m in fused for u in m.uses}))
        columns = ",\n    ".join(select)
        result = self._query(
            scope.with_scoped(f"SELECT columns('^grp__'),\n    {columns}\nFROM scoped\nGROUP BY ALL"),
            self._binds(uses, values) | scope.binds,
            "metrics " + ", ".join(m.name for m in fused),
        )
        groups = self._groups(groupings, result, values if agent_time else None)
        keys = list(groups.columns)
        rows = groups.join(result, on=keys, how="left", nulls_equal=True)
        for m in chosen:
            if m.source != "contacts" and not agent_time:
                rows = rows.with_columns(pl.lit(None, dtype=pl.Int64 if m.unit == "count" else pl.Float64).alias(m.name))
                continue
            if m not in fused:
                metric = self._query(m.sql, self._binds(m.uses, values), f"metric {m.name} ({m.path.name})")
                rows = rows.join(metric, on=keys, how="left", nulls_equal=True)
            if m.unit == "count":
                rows = rows.with_columns(pl.col(m.name).fill_null(0).cast(pl.Int64))
            elif m.source == "states" and m.unit == "hours":
                rows = rows.with_columns(pl.col(m.name).fill_null(0.0))
        rows = rows.select(keys + [m.name for m in chosen])
        rows = self._format_keys(rows, groupings, values)

        quality = self.load_quality()
        totals = result.select(
            pl.col("__contacts").sum(), pl.col("__handle_time_unknown").sum(),
            pl.col("__first_day").min(), pl.col("__last_day").max(),
        ).row(0)
        in_report, handle_unknown, first_day, last_day = totals
        in_progress, outbound, contacts = self._contact_counts()
        inbound_done = contacts - in_progress - outbound  # the contacts a report can count, in any period
        quality["contacts_in_report"] = int(in_report or 0)
        quality["outside_period"] = inbound_done - int(in_report or 0)
        quality["handle_time_unknown"] = int(handle_unknown or 0)
        quality.update(
            outcomes.answer_quality(
                self.con, surveys=self.surveys_read is not None, timezone=values["timezone"],
                date_from=date_from, date_to=date_to,
            )
        )
        states_quality = self.states_quality()
        if states_quality is not None:
            if not agent_time:
                others = ", ".join(g.key for g in groupings if g.key not in AGENT_TIME_KEYS)
                states_quality["not_grouped"] = (
                    f"agent state metrics are null: agent states have no {others}; "
                    "group by time, agent or team to see them"
                )
            quality["states"] = states_quality
        if self.roster_result is not None:
            quality["roster"] = {"path": str(self.roster_result.path), "agents": self.roster_result.rows}
        period = {
            "from": (date_from or first_day).isoformat() if (date_from or first_day) else None,
            "to": (date_to or last_day).isoformat() if (date_to or last_day) else None,
        }
        return Report(
            rows=rows,
            group_keys=[g.key for g in groupings],
            metrics=chosen,
            definitions=definitions,
            period=period,
            data_quality=quality,
            generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            rejects=self.rejects(),
            state_rejects=self.state_rejects(),
        )

    def _scope_select(self, groupings: list[Grouping], values: Mapping[str, Any], *, external: bool) -> _Scope:
        """The scoped contacts (scope.sql) with the report's group keys (grp__*) and external_count."""
        step = self.registry.step("scope")
        cols = group_columns(groupings)
        # The group keys are computed here; the raw columns they came from are not needed again.
        # Per-contact outcomes (outcomes.sql: FCR status over all loaded contacts, survey answers) are a CTE.
        outcomes_step = self.registry.step("outcomes")
        sql = (
            f"WITH contact_outcomes AS ({outcomes_step.sql}\n) "
            f"SELECT {', '.join(cols)}, s.* EXCLUDE ({', '.join(SCOPE_DROPPED)}) "
            f"FROM ({self._with_team(step.sql)}\n) AS s"
        )
        if external:
            # complaint.denominator = external: each contact carries its group's count (one row per group).
            keys = [group_key(g) for g in groupings] or [ALL_GROUP]
            on = " AND ".join(f"g.{k} IS NOT DISTINCT FROM d.{k}" for k in keys)
            sql = (
                f"SELECT g.*, d.external_count FROM ({sql}) AS g "
                f"LEFT JOIN complaint_denominator_grouped AS d ON {on}"
            )
        else:
            sql = f"SELECT *, CAST(NULL AS DOUBLE) AS external_count FROM ({sql})"
        return _Scope(sql, self._binds(tuple(sorted({*step.uses, *outcomes_step.uses})), values))

    def _with_team(self, sql: str) -> str:
        """Add the roster's team to rows that have an agent_id (when a roster is loaded)."""
        if self.roster_result is None:
            return sql
        return f"SELECT t.*, r.team FROM ({sql}\n) AS t LEFT JOIN roster AS r ON r.agent_id = t.agent_id"

    def _agent_time(self, groupings: list[Grouping], values: Mapping[str, Any]) -> None:
        """Build state_time (with --states) and concurrency_time with the same grp__ columns as scoped."""
        cols = group_columns(groupings)
        # Pieces are summed per group and agent (and state / level): metrics read far fewer rows.
        steps = ([("state_time", "state")] if self.states_result is not None else []) + [("concurrency_time", "level")]
        for name, kind in steps:
            step = self.registry.step(name)
            sql = (
                f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {', '.join(cols)}, s.agent_id, s.{kind}, "
                f"sum(s.seconds) AS seconds FROM ({self._with_team(step.sql)}\n) AS s GROUP BY ALL"
            )
            self._execute(sql, self._binds(step.uses, values), f"sql/prepare/{name}.sql")

    def _groups(
        self, groupings: list[Grouping], result: pl.DataFrame, values: Mapping[str, Any] | None = None
    ) -> pl.DataFrame:
        """The report's rows: the groups with scoped contacts (``result``), plus, for agent-time groupings,
        groups with only agent time (an hour with staffed time but no contact offered)."""
        if not groupings:
            return pl.DataFrame({ALL_GROUP: ["all"]})
        contact_groups = result.select(pl.col(f"^{GROUP_PREFIX}.*$"))
        if values is None:
            return contact_groups
        listing = "SELECT DISTINCT columns('^grp__') FROM concurrency_time"
        binds: dict[str, Any] = {}
        if self.states_result is not None:
            listing += (
                " UNION SELECT DISTINCT columns('^grp__') FROM state_time "
                "WHERE NOT csm_state_in(state, $states_unstaffed)"
            )
            binds["states_unstaffed"] = values["states_unstaffed"]
        agent_groups = self._query(listing, binds, "listing groups")
        return pl.concat([contact_groups, agent_groups], how="vertical_relaxed").unique(maintain_order=True)

    def _format_keys(self, rows: pl.DataFrame, groupings: list[Grouping], values: Mapping[str, Any]) -> pl.DataFrame:
        """Typed group keys -> their output text, rows sorted by the typed keys (time order)."""
        if not groupings:
            return rows.drop(ALL_GROUP)
        typed = [group_key(g) for g in groupings]
        select = [f"{g.format_sql.format(k=t)} AS {quote_identifier(g.key)}" for g, t in zip(groupings, typed, strict=True)]
        sql = (
            f"SELECT {', '.join(select)}, * EXCLUDE ({', '.join(typed)}) FROM report_rows "
            f"ORDER BY {', '.join(t + ' NULLS LAST' for t in typed)}"
        )
        self.con.register("report_rows", rows)
        try:
            params = {"timezone": values["timezone"]} if "$timezone" in sql else {}
            return self._query(sql, params, "formatting group keys")
        finally:
            self.con.unregister("report_rows")


def run_report(
    patterns: list[str],
    definitions: Definitions,
    *,
    group_by: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> Report:
    """Load files and report in one call (a fresh in-memory database)."""
    engine = Engine()
    engine.load(patterns, source_timezone=definitions["source_timezone"])
    return engine.report(definitions, group_by=group_by, date_from=date_from, date_to=date_to)
