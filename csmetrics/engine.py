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

from csmetrics.definitions import Definitions, MetricDefinition
from csmetrics.errors import QueryError
from csmetrics.grouping import Grouping, parse_group_by
from csmetrics.loading import LOADED_TABLE, LoadResult, load_interactions
from csmetrics.registry import Registry, load_registry
from csmetrics.schema import INTERACTION_COLUMNS, quote_identifier

SCHEMA_VERSION = "1.0"
GROUP_PREFIX = "grp__"
ORDER_PREFIX = "ord__"
ALL_GROUP = "grp__all"


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
        self.registry = registry or load_registry()
        self.load_result = LoadResult()
        self._run_step("macros")

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
        self._run_step("checked")
        self._run_step("contacts")
        canonical = ", ".join(quote_identifier(c.name) for c in INTERACTION_COLUMNS)
        self._execute(
            "CREATE OR REPLACE TEMP TABLE rejects AS "
            f"SELECT _file AS source_file, _line AS line, reject_reason AS reason, {canonical} "
            "FROM checked WHERE reject_reason IS NOT NULL ORDER BY _seq",
            {},
            "collecting rejected rows",
        )
        return self.load_result

    def load_quality(self) -> dict[str, Any]:
        """Counts that explain every row read: rows_read = kept + rejected + duplicates."""
        dup = dict(self.con.execute("SELECT kind, count(*) FROM superseded GROUP BY kind").fetchall())
        by_reason = dict(
            self.con.execute("SELECT reason, count(*) FROM rejects GROUP BY reason ORDER BY reason").fetchall()
        )
        outcome_row = self.con.execute(
            "SELECT count(*) FILTER (WHERE outcome = 'in_progress'), "
            "count(*) FILTER (WHERE direction <> 'inbound' AND outcome <> 'in_progress'), count(*) FROM contacts"
        ).fetchall()[0]
        in_progress, outbound, contacts = outcome_row if outcome_row else (0, 0, 0)
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
            "rejected": {"total": int(sum(by_reason.values())), "by_reason": {k: int(v) for k, v in by_reason.items()}},
            "contacts": int(contacts),
            "in_progress": int(in_progress),
            "outbound": int(outbound),
        }

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
        chosen = [m for m in self.registry.metrics if metrics is None or m.name in metrics]
        values = definitions.bind_values() | {"date_from": date_from, "date_to": date_to}
        self._scope(groupings, values)

        groups = self._groups(groupings)
        keys = [c for c in groups.columns if c.startswith(GROUP_PREFIX)]
        rows = groups
        for m in chosen:
            result = self._query(m.sql, self._binds(m.uses, values), f"metric {m.name} ({m.path.name})")
            rows = rows.join(result, on=keys, how="left", nulls_equal=True)
            if m.unit == "count":
                rows = rows.with_columns(pl.col(m.name).fill_null(0).cast(pl.Int64))
        rows = rows.drop([c for c in rows.columns if c.startswith(ORDER_PREFIX)] + ([ALL_GROUP] if not groupings else []))
        rows = rows.rename({f"{GROUP_PREFIX}{g.key}": g.key for g in groupings})

        quality = self.load_quality()
        scope_row = self.con.execute(
            "SELECT count(*), count(*) FILTER (WHERE is_answered AND NOT has_handle_time), "
            "min(cast(offered_local AS date)), max(cast(offered_local AS date)) FROM scoped"
        ).fetchall()[0]
        assert scope_row is not None
        in_report, handle_unknown, first_day, last_day = scope_row
        inbound_done = self.con.execute(
            "SELECT count(*) FROM contacts WHERE direction = 'inbound' AND outcome <> 'in_progress'"
        ).fetchall()[0]
        quality["contacts_in_report"] = int(in_report)
        quality["outside_period"] = int(inbound_done[0] if inbound_done else 0) - int(in_report)
        quality["handle_time_unknown"] = int(handle_unknown)
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
        )

    def _scope(self, groupings: list[Grouping], values: Mapping[str, Any]) -> None:
        step = self.registry.step("scope")
        if groupings:
            cols = [f"{g.sql} AS {quote_identifier(GROUP_PREFIX + g.key)}" for g in groupings]
            cols += [
                f"{g.order_sql} AS {quote_identifier(ORDER_PREFIX + g.key)}" for g in groupings if g.order_sql
            ]
        else:
            cols = [f"'all' AS {ALL_GROUP}"]
        sql = f"CREATE OR REPLACE TEMP TABLE scoped AS SELECT {', '.join(cols)}, s.* FROM ({step.sql}\n) AS s"
        self._execute(sql, self._binds(step.uses, values), "sql/prepare/scope.sql")

    def _groups(self, groupings: list[Grouping]) -> pl.DataFrame:
        if not groupings:
            return pl.DataFrame({ALL_GROUP: ["all"]})
        groups = self._query("SELECT DISTINCT columns('^(grp|ord)__') FROM scoped", {}, "listing groups")
        sort_by = [
            ORDER_PREFIX + g.key if g.order_sql else GROUP_PREFIX + g.key for g in groupings
        ]
        return groups.sort(sort_by, nulls_last=True)


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
