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
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
import polars as pl

from csmetrics.calendars.build import create_assignment_table, create_calendar_tables
from csmetrics.calendars.spec import HoursConfig
from csmetrics.definitions.model import Registry
from csmetrics.definitions.params import Definitions, overrides, parse_override, plain
from csmetrics.definitions.registry import RUNTIME_VARIABLES, load_registry
from csmetrics.errors import QueryError
from csmetrics.inputs import csvfiles
from csmetrics.inputs.files import Relation, SourceFile, read_error, stage_table
from csmetrics.inputs.interactions import (
    FileRead,
    check_unreadable,
    insert_error,
    plan_interactions,
    staged_relation,
)
from csmetrics.inputs.schema import INPUT_TABLES, INTERACTION_COLUMNS, STATE_COLUMNS
from csmetrics.inputs.states import check_unreadable_states, plan_roster, plan_states
from csmetrics.inputs.surveys import DenominatorRead, plan_denominators, plan_surveys
from csmetrics.pipeline.localtime import local_time_macro
from csmetrics.pipeline.progress import Observer
from csmetrics.pipeline.resources import Resources, set_duckdb_limit
from csmetrics.sqltext import connect, first_line, quote_identifier

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
    # Results are ordered where it matters (ORDER BY); DuckDB then need not keep the order of rows it reads.
    con.execute("SET preserve_insertion_order = false")


# Days the calendar is expanded beyond the data and the period, so that a wait running past the last day still
# finds its business seconds and its next opening (waits longer than this give NULL business time).
CALENDAR_MARGIN_DAYS = 62


class Session:
    """One analysis: inputs, preparation steps and report passes on one DuckDB connection."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection | None = None,
        *,
        registry: Registry | None = None,
        resources: Resources | None = None,
        observer: Observer | None = None,
    ) -> None:
        """A session on ``con`` (whose owner has set its resources), or on a new in-memory connection with
        ``resources`` (by default: :class:`Resources`' defaults)."""
        self._cleanup: Callable[[], None] | None = None
        self._resources: Resources | None = None  # the resources the session set on its own connection
        self._local_times: tuple[str, int | None, int | None] | None = None  # csm_local_time's zone and span
        if con is None:
            con = connect()
            self._resources = resources or Resources()
            self._cleanup = self._resources.apply(con)
        self.con = con
        self.observer = observer or Observer()
        configure(self.con)
        self.observer.watch(self.con)
        self.con.execute("SET VARIABLE input_unique_ids = false")
        self.con.execute("SET VARIABLE input_rows_valid = false")
        self.con.execute("SET VARIABLE input_answers_valid = false")
        self.con.execute("SET VARIABLE local_time_zone = NULL")
        self.registry = registry or load_registry()
        self.inputs = InputsRecord()
        self._versions: dict[str, int] = {}
        self._ran: dict[str, tuple[Any, ...]] = {}
        self.definitions: Definitions | None = None
        self._parts: dict[str, list[str]] = {}  # an input view's SELECTs, one per source read
        self._views: set[str] = set()  # the inputs that are views now (no longer the empty tables)
        for macros in self.registry.macros:
            self.execute(macros.sql, {}, f"sql/macros/{macros.path.name}")
        views = {r[0] for r in self.con.execute("SELECT view_name FROM duckdb_views() WHERE temporary").fetchall()}
        for name in self.registry.inputs:
            if name in views:  # a view a session before this one made on the same connection
                self.execute(f"DROP VIEW {quote_identifier(name)}", {}, name)
            self.execute(f"CREATE OR REPLACE TEMP TABLE {quote_identifier(name)} ({INPUT_TABLES[name]})", {}, name)
        self.use_hours(HoursConfig(), None, None)

    def use_hours(self, hours: HoursConfig, first_day: dt.date | None, last_day: dt.date | None) -> None:
        """The opening-hours tables the report's business time reads (sql/calendars/open_intervals.sql): the
        calendars of ``hours`` expanded over the local days ``first_day`` to ``last_day`` widened by
        :data:`CALENDAR_MARGIN_DAYS`, and their channel and queue assignments. Without calendars or days the
        tables are empty (every business-time figure is then NULL)."""
        calendars = hours.calendars if first_day is not None and last_day is not None else {}
        today = dt.date.today()
        create_calendar_tables(
            self.con, calendars, first_day or today, last_day or today, margin_days=CALENDAR_MARGIN_DAYS
        )
        create_assignment_table(self.con, hours)

    def close(self) -> None:
        self.observer.done()
        self.con.close()
        if self._cleanup is not None:
            self._cleanup()

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
        """Every parameter as a DuckDB variable of its own name (getvariable('name') in SQL), the overrides of a
        scopable parameter as maps (getvariable('name@channel')[channel], getvariable('name@queue')[queue]),
        and the period."""
        for name, value in definitions.values.items():
            spec = definitions.specs[name]
            if parse_override(name, definitions.specs) is not None:
                continue  # in the maps below
            sql_type = _VARIABLE_TYPES.get(spec.type, "VARCHAR")
            self.execute(f"SET VARIABLE {quote_identifier(name)} = CAST($v AS {sql_type})", {"v": plain(value)}, name)
            for scope in spec.scopes:
                scoped = overrides(definitions, name, scope)
                self.execute(
                    f"SET VARIABLE {quote_identifier(name + '@' + scope)} = map($k::VARCHAR[], $v::{sql_type}[])",
                    {"k": list(scoped), "v": [plain(v) for v in scoped.values()]},
                    name,
                )
        for name, value in (("date_from", date_from), ("date_to", date_to)):
            assert name in RUNTIME_VARIABLES
            self.execute(f"SET VARIABLE {name} = CAST($v AS DATE)", {"v": value}, name)

    def use_local_times(self) -> None:
        """csm_local_time for the report time zone, read from the zone's offsets over the valid contacts' span
        (csmetrics/pipeline/localtime.py): the same values as a time-zone lookup per row, without the lookup."""
        zone = self.scalar("SELECT getvariable('timezone')")
        first, last = self.execute(
            "SELECT epoch_us(min(first_offered_at)), epoch_us(max(last_offered_at)) FROM contact_buckets", {}, "span"
        ).fetchall()[0]
        if self._local_times == (zone, first, last):
            return  # written for this zone and span by an earlier report of the session
        self.execute(local_time_macro(self.con, zone, first, last), {}, "csm_local_time")
        self.execute("SET VARIABLE local_time_zone = $zone", {"zone": zone}, "local_time_zone")
        self._local_times = (zone, first, last)

    def variable_values(self, names: tuple[str, ...]) -> tuple[Any, ...]:
        return tuple(self.con.execute(f"SELECT getvariable('{n}')").fetchall()[0][0] for n in names)

    # -- the declared pipeline ------------------------------------------------------------
    def prepare(self, definitions: Definitions) -> None:
        """Run the steps of sql/pipeline.toml in order; a step whose inputs are unchanged is not run again.
        ``definitions`` are kept as ``self.definitions``: the ones the session was last prepared under."""
        self.definitions = definitions
        self.set_variables(definitions)
        for step in self.registry.steps:
            # a runtime variable changes only with the relation it describes, which is in step.reads
            parameters = tuple(plain(definitions[n]) for n in step.uses if n not in RUNTIME_VARIABLES)
            key = (parameters, tuple(self._versions.get(r, 0) for r in step.reads))
            if self._ran.get(step.name) == key:
                continue
            self.observer.stage(f"preparing: {step.name}")
            self.execute(step.sql, {}, f"sql/steps/{step.name}.sql")
            self._ran[step.name] = key
            self.changed(*step.creates)

    # -- inputs -------------------------------------------------------------------------
    # loaded_rows, loaded_states and survey_rows are views: the union of one SELECT per source read (a file read
    # where it lies, a file's staging table, or the store read in place). roster and complaint_denominators are
    # small tables.
    def _insert(self, table: str, read: FileRead) -> SourceFile:
        """Append one file's rows to ``table``. Naive text times are read in the file's source time zone
        (DuckDB's TimeZone, set for the insert)."""
        try:
            with self._reading_in(read.timezone):
                row = self.con.execute(
                    f"INSERT INTO {quote_identifier(table)} {read.relation.sql}", read.relation.params
                )
                count = row.fetchall()[0][0]
        except duckdb.Error as e:
            raise insert_error(self.con, read.source.path, e) from e
        return replace(read.source, rows=int(count))

    @contextmanager
    def _reading_in(self, zone: str | None) -> Iterator[None]:
        """Rows stored while this runs keep the order they are read in (a CSV's line numbers are counted as
        they come, or are the staging table's row ids); naive text times are read in ``zone``."""
        self.con.execute("SET preserve_insertion_order = true")
        if zone is not None:
            self.con.execute("SET TimeZone = $zone", {"zone": zone})
        try:
            yield
        finally:
            self.con.execute("SET TimeZone = 'UTC'")
            self.con.execute("SET preserve_insertion_order = false")

    def _publish(self, name: str, parts: list[str], *, replace_all: bool = False) -> None:
        """Make ``name`` the view of its parts so far plus ``parts`` (or of ``parts`` only)."""
        self._parts[name] = parts if replace_all else [*self._parts.get(name, []), *parts]
        if name not in self._views:
            self.execute(f"DROP TABLE IF EXISTS {quote_identifier(name)}", {}, "reading inputs")
            self._views.add(name)
        sql = " UNION ALL ".join(self._parts[name])
        self.execute(f"CREATE OR REPLACE TEMP VIEW {quote_identifier(name)} AS {sql}", {}, "reading inputs")
        self.changed(name)

    def _part(self, name: str, relation: Relation, index: int | str) -> str:
        """``relation`` as a SELECT a view can hold: a view cannot hold bound parameters, so each value becomes
        a DuckDB variable of its own (set from a bound parameter), which the SELECT reads."""
        sql = relation.sql
        for param, value in relation.params.items():
            variable = f"csm_input.{name}.{index}.{param}"
            self.execute(f"SET VARIABLE {quote_identifier(variable)} = $v", {"v": value}, "reading inputs")
            sql = re.sub(rf"\${re.escape(param)}\b", f"getvariable('{variable}')", sql)
        return sql

    def _staged(self, name: str, read: FileRead, index: int) -> tuple[str, SourceFile]:
        """Convert one file row by row into a staging table of ``name``'s columns; (its part, the file)."""
        if read.csv is not None:
            return self._staged_csv(name, read, index)
        table = stage_table(name, index)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {quote_identifier(table)} ({INPUT_TABLES[name]})")
        staged = self._insert(table, read)
        return f"SELECT * FROM {quote_identifier(table)}", staged

    def _staged_csv(self, name: str, read: FileRead, index: int) -> tuple[str, SourceFile]:
        """A CSV file read once, in parallel, into its staging table (in record order), while its lines are
        counted; every record that does not parse is an error naming its line; each row gets its physical line
        (csmetrics.inputs.csvfiles). (Its part of ``name``, the file with its row count.)"""
        assert read.stage is not None and read.csv is not None
        path, table = read.source.path, quote_identifier(stage_table(name, index))
        csvfiles.clear_rejects(self.con)
        try:
            with self._reading_in(read.timezone), csvfiles.LineCount(path, read.csv) as lines:
                self.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {read.stage.sql}", read.stage.params)
        except duckdb.Error as e:
            raise read_error(self.con, path, e) from e
        problem = csvfiles.structure_error(self.con, path, read.csv)
        csvfiles.clear_rejects(self.con)
        if problem is not None:
            raise problem
        rows = int(self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
        numbered, label = self._csv_lines(name, index, read, rows, lines.result())
        columns = INTERACTION_COLUMNS if name == "loaded_rows" else STATE_COLUMNS
        part = self._part(name, staged_relation(read, columns, numbered), index)
        return part, replace(read.source, rows=rows, position=label)

    def _csv_lines(
        self, name: str, index: int, read: FileRead, rows: int, counted: tuple[int, int] | None
    ) -> tuple[str, str]:
        """(the staging table's rows with ``_line``, what _line counts). When the file's line count shows one
        line per record (the usual case, known from the count alone) a row's line follows from its record
        number; otherwise records are mapped to lines from the file's raw lines (csvfiles.line_map_sql), or,
        when that cannot be done, rows are numbered as records."""
        assert read.csv is not None
        dialect = read.csv
        table = quote_identifier(stage_table(name, index))
        record = f"rowid - (SELECT min(rowid) FROM {table}) + 1"
        if csvfiles.one_line_per_record(counted, dialect, rows):
            return f"SELECT *, {record} + {dialect.skip + 1} AS _line FROM {table}", "line"
        lines_name = f"csm_lines_{name}_{index}"
        lines = quote_identifier(lines_name)
        mapped = csvfiles.build_line_map(self.con, read.stage.params["path"], dialect.delimiter, lines_name)
        if mapped == rows:
            return (
                f"SELECT s.*, m.line AS _line FROM (SELECT *, {record} AS _record FROM {table}) AS s "
                f"JOIN {lines} AS m ON m.record = s._record",
                "line",
            )
        return f"SELECT *, {record} AS _line FROM {table}", "record"

    def read_interactions(
        self, patterns: list[str], *, source_timezone: str, mapping: Any = None, sheet: str | int | None = None
    ) -> list[SourceFile]:
        """Read interaction exports; ``loaded_rows`` is the view of every file read so far (all or nothing: a
        value that cannot be read is an InputError naming file, line, column and value).

        Each file is one part of the view. A Parquet export with typed times is read where it lies (every step
        reads the columns it needs from the file). A CSV export is converted once, in parallel, into a staging
        table. Anything else (text times in the source time zone, a column mapping, JSON, Excel, a CSV whose
        values need the slow check) is converted row by row into a staging table.
        """
        reads = plan_interactions(
            self.con,
            patterns,
            source_timezone=source_timezone,
            mapping=mapping,
            sheet=sheet,
            first_index=len(self.inputs.interactions),
        )
        parts: list[str] = []
        files: list[SourceFile] = []
        unchecked: list[str] = []
        for read in reads:
            self.observer.stage(f"reading {read.source.path.name}")
            try:
                part, file, checked = self._interaction_part(read)
            except duckdb.Error as e:
                raise insert_error(self.con, read.source.path, e, mapping) from e
            parts.append(part)
            files.append(file)
            self.observer.rows(self.inputs.rows_read + sum(f.rows for f in files))
            if not checked:
                unchecked.append(part)
        if unchecked:
            check_unreadable(self.con, " UNION ALL ".join(unchecked), files)
        self._publish("loaded_rows", parts)
        self.con.execute("SET VARIABLE input_unique_ids = false")
        self.inputs.interactions.extend(files)
        return files

    def _interaction_part(self, read: FileRead) -> tuple[str, SourceFile, bool]:
        """(the SELECT of one file's rows in ``loaded_rows``, the file with its row count, whether every value
        of it is known to have been read)."""
        index = int(read.relation.params["file_index"])
        if read.source.format == "parquet" and read.timezone is None and read.stage is None:
            part = self._part("loaded_rows", read.relation, index)
            rows = self.con.execute(f"SELECT count(*) FROM ({part})").fetchall()[0][0]
            return part, replace(read.source, rows=int(rows)), False
        part, staged = self._staged("loaded_rows", read, index)
        return part, staged, False

    def reading_store(self, store_bytes: int) -> None:
        """The session reads a store of ``store_bytes`` in place: DuckDB's limit is no more than the store needs
        (Resources.store_bytes_limit), unless the limit was given or the connection is not the session's."""
        limit = self._resources.store_bytes_limit(store_bytes) if self._resources is not None else None
        if limit is not None:
            set_duckdb_limit(self.con, limit)

    def use_interactions(self, relation: Relation, source: SourceFile) -> None:
        """Interaction rows from a relation that already has the loaded_rows columns (the store, read in place)."""
        self._publish("loaded_rows", [self._part("loaded_rows", relation, "store")], replace_all=True)
        # the store holds one version of each contact: the duplicate search of sql/steps/versions.sql is skipped
        self.con.execute("SET VARIABLE input_unique_ids = true")
        self.inputs.interactions = [source]

    def read_states(self, patterns: list[str], *, source_timezone: str) -> StatesInfo:
        plan = plan_states(self.con, patterns, source_timezone=source_timezone)
        staged = [
            self._staged("loaded_states", replace(r, timezone=source_timezone), i) for i, r in enumerate(plan.reads)
        ]
        parts, files = [p for p, _ in staged], [f for _, f in staged]
        check_unreadable_states(self.con, " UNION ALL ".join(parts), files)
        self._publish("loaded_states", parts, replace_all=True)
        self.inputs.states = StatesInfo(plan.shape, files)
        return self.inputs.states

    def use_states(self, relation: Relation, shape: str, source: SourceFile) -> None:
        """Agent state rows from a relation with the loaded_states columns (the store, read in place)."""
        self._publish("loaded_states", [self._part("loaded_states", relation, "store")], replace_all=True)
        self.inputs.states = StatesInfo(shape, [source])

    def read_roster(self, path: str) -> SourceFile:
        read = plan_roster(self.con, path)
        self.execute("DELETE FROM roster", {}, "roster")
        self.inputs.roster = self._insert("roster", read)
        self.changed("roster")
        return self.inputs.roster

    def read_surveys(self, patterns: list[str]) -> list[SourceFile]:
        first = len(self.inputs.surveys or [])
        reads = plan_surveys(self.con, patterns, first_index=first)
        staged = [self._staged("survey_rows", r, first + i) for i, r in enumerate(reads)]
        self._publish("survey_rows", [p for p, _ in staged])
        files = [f for _, f in staged]
        self.inputs.surveys = [*(self.inputs.surveys or []), *files]
        return files

    def use_surveys(self, relation: Relation, source: SourceFile) -> None:
        """Survey rows from a relation with the survey_rows columns (the store, read in place)."""
        self._publish("survey_rows", [self._part("survey_rows", relation, "store")])
        self.inputs.surveys = [*(self.inputs.surveys or []), source]

    def read_denominators(self, path: str) -> DenominatorRead:
        read = plan_denominators(self.con, path)
        self.execute("DELETE FROM complaint_denominators", {}, "denominators")
        self.execute(f"INSERT INTO complaint_denominators {read.relation.sql}", read.relation.params, path)
        self.inputs.denominator = read
        self.changed("complaint_denominators")
        return read
