"""The session: one DuckDB connection and every table of one analysis, owned in one place.

Inputs come in through the session's ``read_*`` methods (files) or ``use_*`` methods (a relation
the caller already has, such as the store read in place); both record what was read, so
data_quality is the same whichever way the rows came. The preparation steps of
``sql/pipeline.toml`` run through :meth:`Session.prepare`, which runs a step again only when a
parameter it reads or a relation it reads changed since its last run. No other module writes the
session's tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import polars as pl

from csmetrics.definitions.model import Registry
from csmetrics.definitions.params import Definitions, plain
from csmetrics.definitions.registry import RUNTIME_VARIABLES, load_registry
from csmetrics.errors import QueryError
from csmetrics.inputs.files import Relation, SourceFile
from csmetrics.inputs.interactions import check_unreadable, insert_error, plan_interactions
from csmetrics.inputs.schema import INPUT_TABLES
from csmetrics.inputs.states import check_unreadable_states, plan_roster, plan_states
from csmetrics.inputs.surveys import DenominatorRead, plan_denominators, plan_surveys
from csmetrics.sqltext import first_line, quote_identifier

# DuckDB type of each parameter type, for SET VARIABLE (so that an empty list is still a VARCHAR[]).
_VARIABLE_TYPES = {
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "list": "VARCHAR[]",
}


@dataclass
class StatesInfo:
    shape: str
    files: list[SourceFile] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(f.rows for f in self.files)


@dataclass
class InputsRecord:
    """What was read into the session, for data_quality."""

    interactions: list[SourceFile] = field(default_factory=list)
    states: StatesInfo | None = None
    roster: SourceFile | None = None
    surveys: list[SourceFile] | None = None  # None: no survey input at all
    denominator: DenominatorRead | None = None

    @property
    def rows_read(self) -> int:
        return sum(f.rows for f in self.interactions)


def configure(con: duckdb.DuckDBPyConnection) -> None:
    """Settings every csmetrics connection has: no progress bar on stdout (stdout carries data only), and
    no extension is ever installed or loaded at run time (the tool works offline)."""
    con.execute("SET enable_progress_bar = false")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")


class Session:
    """One analysis: inputs, preparation steps and report passes on one DuckDB connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection | None = None, *, registry: Registry | None = None) -> None:
        self.con = con if con is not None else duckdb.connect()
        configure(self.con)
        self.registry = registry or load_registry()
        self.inputs = InputsRecord()
        self._versions: dict[str, int] = {}
        self._ran: dict[str, tuple[Any, ...]] = {}
        for macros in self.registry.macros:
            self.execute(macros.sql, {}, f"sql/macros/{macros.path.name}")
        for name in self.registry.inputs:
            self.execute(f"CREATE OR REPLACE TEMP TABLE {quote_identifier(name)} ({INPUT_TABLES[name]})", {}, name)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- running SQL ------------------------------------------------------------------
    def execute(self, sql: str, params: Mapping[str, Any], where: str) -> duckdb.DuckDBPyConnection:
        try:
            return self.con.execute(sql, dict(params)) if params else self.con.execute(sql)
        except duckdb.Error as e:
            msg = f"{where} failed: {first_line(e)}"
            raise QueryError(msg) from e

    def query(self, sql: str, params: Mapping[str, Any] | None = None, where: str = "query") -> pl.DataFrame:
        try:
            return self.con.sql(sql, params=dict(params) if params else None).pl()
        except duckdb.Error as e:
            msg = f"{where} failed: {first_line(e)}"
            raise QueryError(msg) from e

    def scalar(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.execute(sql, params or {}, "query").fetchall()[0][0]

    def changed(self, *relations: str) -> None:
        """Record that ``relations`` changed: the steps reading them run again at the next prepare."""
        for name in relations:
            self._versions[name] = self._versions.get(name, 0) + 1

    # -- variables ----------------------------------------------------------------------
    def set_variables(
        self, definitions: Definitions, date_from: dt.date | None = None, date_to: dt.date | None = None
    ) -> None:
        """Every parameter as a DuckDB variable of its own name (getvariable('name') in SQL), and the period."""
        for name, value in definitions.values.items():
            sql_type = _VARIABLE_TYPES.get(definitions.specs[name].type, "VARCHAR")
            self.execute(f"SET VARIABLE {quote_identifier(name)} = CAST($v AS {sql_type})", {"v": plain(value)}, name)
        for name, value in (("date_from", date_from), ("date_to", date_to)):
            assert name in RUNTIME_VARIABLES
            self.execute(f"SET VARIABLE {name} = CAST($v AS DATE)", {"v": value}, name)

    def variable_values(self, names: tuple[str, ...]) -> tuple[Any, ...]:
        return tuple(self.con.execute(f"SELECT getvariable('{n}')").fetchall()[0][0] for n in names)

    # -- the declared pipeline ------------------------------------------------------------
    def prepare(self, definitions: Definitions) -> None:
        """Run the steps of sql/pipeline.toml in order; a step whose inputs are unchanged is not run again."""
        self.set_variables(definitions)
        for step in self.registry.steps:
            key = (tuple(plain(definitions[n]) for n in step.uses), tuple(self._versions.get(r, 0) for r in step.reads))
            if self._ran.get(step.name) == key:
                continue
            self.execute(step.sql, {}, f"sql/steps/{step.name}.sql")
            self._ran[step.name] = key
            self.changed(*step.creates)

    # -- inputs -------------------------------------------------------------------------
    def _insert(self, table: str, relation: Relation, source: SourceFile, mapping: Any = None) -> SourceFile:
        try:
            row = self.con.execute(f"INSERT INTO {quote_identifier(table)} {relation.sql}", relation.params).fetchall()
        except duckdb.Error as e:
            raise insert_error(source.path, e, mapping) from e
        return SourceFile(
            path=source.path,
            format=source.format,
            rows=int(row[0][0]) if row else 0,
            ignored_columns=source.ignored_columns,
            excluded=source.excluded,
        )

    def read_interactions(
        self, patterns: list[str], *, source_timezone: str, mapping: Any = None, sheet: str | int | None = None
    ) -> list[SourceFile]:
        """Read interaction exports into ``loaded_rows`` (all or nothing: a value that cannot be read is an
        InputError naming file, line, column and value)."""
        reads = plan_interactions(
            self.con,
            patterns,
            source_timezone=source_timezone,
            mapping=mapping,
            sheet=sheet,
            first_index=len(self.inputs.interactions),
        )
        files = [self._insert("loaded_rows", r.relation, r.source, mapping) for r in reads]
        check_unreadable(self.con, "loaded_rows", files)
        self.inputs.interactions.extend(files)
        self.changed("loaded_rows")
        return files

    def use_interactions(self, relation: Relation, source: SourceFile) -> None:
        """Interaction rows from a relation that already has the loaded_rows columns (the store, read in place)."""
        self.execute("DROP TABLE IF EXISTS loaded_rows", {}, "reading stored interactions")
        self.execute(f"CREATE TEMP VIEW loaded_rows AS {relation.sql}", relation.params, "reading stored interactions")
        self.inputs.interactions = [source]
        self.changed("loaded_rows")

    def read_states(self, patterns: list[str], *, source_timezone: str) -> StatesInfo:
        plan = plan_states(self.con, patterns, source_timezone=source_timezone)
        files = [self._insert("loaded_states", r.relation, r.source) for r in plan.reads]
        check_unreadable_states(self.con, "loaded_states", files)
        self.inputs.states = StatesInfo(plan.shape, files)
        self.changed("loaded_states")
        return self.inputs.states

    def use_states(self, relation: Relation, shape: str, source: SourceFile) -> None:
        self.execute(f"INSERT INTO loaded_states {relation.sql}", relation.params, "reading stored agent states")
        self.inputs.states = StatesInfo(shape, [source])
        self.changed("loaded_states")

    def read_roster(self, path: str) -> SourceFile:
        read = plan_roster(self.con, path)
        self.execute("DELETE FROM roster", {}, "roster")
        self.inputs.roster = self._insert("roster", read.relation, read.source)
        self.changed("roster")
        return self.inputs.roster

    def read_surveys(self, patterns: list[str]) -> list[SourceFile]:
        reads = plan_surveys(self.con, patterns, first_index=len(self.inputs.surveys or []))
        files = [self._insert("survey_rows", r.relation, r.source) for r in reads]
        self.inputs.surveys = [*(self.inputs.surveys or []), *files]
        self.changed("survey_rows")
        return files

    def use_surveys(self, relation: Relation, source: SourceFile) -> None:
        self.execute(f"INSERT INTO survey_rows {relation.sql}", relation.params, "reading stored survey answers")
        self.inputs.surveys = [*(self.inputs.surveys or []), source]
        self.changed("survey_rows")

    def read_denominators(self, path: str) -> DenominatorRead:
        read = plan_denominators(self.con, path)
        self.execute("DELETE FROM complaint_denominators", {}, "denominators")
        self.execute(f"INSERT INTO complaint_denominators {read.relation.sql}", read.relation.params, path)
        self.inputs.denominator = read
        self.changed("complaint_denominators")
        return read
