"""The store file: its tables, schema version and migrations, and opening it safely.

Layout of a store file (schema version :data:`STORE_SCHEMA_VERSION`)::

    meta(key, value)          schema_version, created_at, created_by, agent_states_shape
    interactions              the current version of every interaction_id (canonical columns, each
                              survey answer's number csat_value and nps_value, _file, _line, _load_id,
                              _content); invalid current versions included,
                              exactly as the file mode keeps the newest version even when it is rejected
    loads                     one row per file loaded: size, sha256, counts, time, kind, and the mapping it
                              was read with and that mapping's [definitions] (JSON; reports apply them)
    rejects                   every rejected row with its load, kind, source file, line and reason
                              (survey answers as text: csm_answer_text)
    agent_states, surveys     raw agent state rows and survey answers (text and number), newest load
                              wins per key
                              (csmetrics.store.kinds)

DuckDB allows one writing process per file; :func:`connect_store` and :func:`attach_store` retry
while another process holds the lock and raise :class:`StoreBusyError` (exit 75) after ``wait``
seconds.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import duckdb

from csmetrics.errors import StoreBusyError, StoreDamagedError, StoreError
from csmetrics.inputs.schema import (
    COLUMNS_BY_NAME,
    INTERACTION_COLUMNS,
    column_names,
    text_answer_value,
    value_column,
)
from csmetrics.pipeline.resources import Resources
from csmetrics.sqltext import connect, first_line, quote_identifier
from csmetrics.version import __version__

STORE_SCHEMA_VERSION = 4
# The alias under which a report's session attaches a store (read only).
STORE_ALIAS = "csm_store"

_TYPES = {"timestamp": "TIMESTAMPTZ", "number": "DOUBLE", "boolean": "BOOLEAN"}
# The stored columns of a contact: the canonical ones, then each survey answer's number (csat_value, nps_value).
STORED = column_names(INTERACTION_COLUMNS)
# The stored columns of an agent state row and of a survey row (csmetrics.store.kinds writes them, read reads them).
STATE_FIELDS = 'agent_id, state, started_at, ended_at, "at"'
SURVEY_FIELDS = column_names(tuple(COLUMNS_BY_NAME[n] for n in ("interaction_id", "csat", "nps")))
# The canonical columns of store schema version 1; later columns are added by MIGRATIONS (at the end of the
# tables, in fresh and migrated stores alike, so every insert names its columns).
V1_COLUMNS = tuple(c for c in INTERACTION_COLUMNS if c.name != "resolved")
_CANONICAL_DDL = ", ".join(f"{quote_identifier(c.name)} {_TYPES.get(c.kind, 'VARCHAR')}" for c in V1_COLUMNS)


def answer_content(t: str, answer: str, *, numbers_from_text: bool = False) -> str:
    """SQL of what survey answer ``answer`` of row ``t`` contributes to its content hash (as csm_answer_content
    in sql/macros/scores.sql): its number, and its text only when it is not a number. ``numbers_from_text``:
    read the number from the text (rows stored before the numbers were, and the rejects table, which keeps the
    text)."""
    text = f"{t}.{quote_identifier(answer)}"
    number = (
        text_answer_value(text)
        if numbers_from_text
        else f"{t}.{quote_identifier(value_column(COLUMNS_BY_NAME[answer]))}"
    )
    return f"hash({number}, CASE WHEN {number} IS NULL THEN {text} END)"


def _content(t: str, names: list[str], numbers_from_text: bool) -> str:
    parts = [
        answer_content(t, n, numbers_from_text=numbers_from_text)
        if COLUMNS_BY_NAME[n].kind == "score"
        else f"{t}.{quote_identifier(n)}"
        for n in names
    ]
    return "hash(" + ", ".join(parts) + ")"


def content_hash(t: str, *, numbers_from_text: bool = False) -> str:
    """SQL of a contact's content hash (the same content test as sql/steps/versions.sql): every canonical column
    but the id, an answer by :func:`answer_content`."""
    return _content(t, [c.name for c in INTERACTION_COLUMNS if c.name != "interaction_id"], numbers_from_text)


def survey_content(t: str, *, numbers_from_text: bool = False) -> str:
    """SQL of a survey row's content hash: its interaction_id and its answers by :func:`answer_content`."""
    return _content(t, ["interaction_id", "csat", "nps"], numbers_from_text)


def shown(alias: str, names: list[str]) -> dict[str, str]:
    """Each of the canonical columns ``names`` of row ``alias`` as the rejects table keeps it: a survey answer as
    text (csm_answer_text: an answer read from a typed column is kept as the number it was)."""
    return {
        n: f"csm_answer_text({alias}.{quote_identifier(n)}, {alias}.{quote_identifier(value_column(c))})"
        if (c := COLUMNS_BY_NAME[n]).kind == "score"
        else f"{alias}.{quote_identifier(n)}"
        for n in names
    }


def _numbers_from_text(table: str) -> str:
    """The statement giving the rows of ``table`` the numbers of their answers, read from the stored text."""
    sets = ", ".join(
        f"{quote_identifier(value_column(c))} = {text_answer_value(quote_identifier(c.name))}"
        for c in INTERACTION_COLUMNS
        if c.kind == "score"
    )
    return f"UPDATE {table} SET {sets}"


CONTENT = content_hash("{t}")
SURVEY_CONTENT = survey_content("{t}")

AGENT_STATES_DDL = (
    "CREATE TABLE IF NOT EXISTS agent_states (agent_id VARCHAR, state VARCHAR, started_at TIMESTAMPTZ, "
    'ended_at TIMESTAMPTZ, "at" TIMESTAMPTZ, _file VARCHAR, _line BIGINT, _load_id BIGINT NOT NULL, '
    "_key VARCHAR NOT NULL, _content UBIGINT NOT NULL)"
)
SURVEYS_DDL = (
    "CREATE TABLE IF NOT EXISTS surveys (interaction_id VARCHAR, csat VARCHAR, nps VARCHAR, _file VARCHAR, "
    "_line BIGINT, _load_id BIGINT NOT NULL, _key VARCHAR NOT NULL, _content UBIGINT NOT NULL)"
)
# Migrations from an older schema version: version -> SQL statements that bring it to version + 1.
# Idempotent statements (IF NOT EXISTS): a fresh store is the version 1 tables plus every migration.
MIGRATIONS: dict[int, list[str]] = {
    1: [
        # every load and rejected row says which input it was: interactions, agent_states or surveys
        "ALTER TABLE loads ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'interactions'",
        "ALTER TABLE rejects ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'interactions'",
        "ALTER TABLE rejects ADD COLUMN IF NOT EXISTS state VARCHAR",
        "ALTER TABLE rejects ADD COLUMN IF NOT EXISTS started_at TIMESTAMPTZ",
        'ALTER TABLE rejects ADD COLUMN IF NOT EXISTS "at" TIMESTAMPTZ',
        AGENT_STATES_DDL,
        SURVEYS_DDL,
    ],
    2: [
        # the agent's recorded resolution (canonical column resolved)
        "ALTER TABLE interactions ADD COLUMN IF NOT EXISTS resolved BOOLEAN",
        "ALTER TABLE rejects ADD COLUMN IF NOT EXISTS resolved BOOLEAN",
        # each load keeps the mapping it was read with and that mapping's [definitions] (JSON), which reports
        # from the store apply; NULL on loads made before (nothing recorded)
        "ALTER TABLE loads ADD COLUMN IF NOT EXISTS mapping VARCHAR",
        "ALTER TABLE loads ADD COLUMN IF NOT EXISTS definitions VARCHAR",
    ],
    3: [
        # each survey answer is kept as its text as given (NULL when it was read from a typed column) and its
        # number (csat_value, nps_value), so a typed answer is never turned into text and read back; the
        # content hash takes an answer's number, and its text only when it is not a number
        "ALTER TABLE interactions ADD COLUMN IF NOT EXISTS csat_value DOUBLE",
        "ALTER TABLE interactions ADD COLUMN IF NOT EXISTS nps_value DOUBLE",
        _numbers_from_text("interactions"),
        f"UPDATE interactions SET _content = {content_hash('interactions')}",
        "ALTER TABLE surveys ADD COLUMN IF NOT EXISTS csat_value DOUBLE",
        "ALTER TABLE surveys ADD COLUMN IF NOT EXISTS nps_value DOUBLE",
        _numbers_from_text("surveys"),
        f"UPDATE surveys SET _content = {survey_content('surveys')}",
        # rejected rows keep answers as text: their content reads the numbers from it
        f"UPDATE rejects SET _content = {content_hash('rejects', numbers_from_text=True)} WHERE kind = 'interactions'",
        f"UPDATE rejects SET _content = {survey_content('rejects', numbers_from_text=True)} WHERE kind = 'surveys'",
    ],
}
SCHEMA_SQL_V1 = [
    "CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)",
    f"CREATE TABLE interactions ({_CANONICAL_DDL}, _file VARCHAR, _line BIGINT, _load_id BIGINT, "
    "_content UBIGINT, PRIMARY KEY (interaction_id))",
    "CREATE TABLE loads (load_id BIGINT PRIMARY KEY, file VARCHAR NOT NULL, size_bytes BIGINT NOT NULL, "
    "sha256 VARCHAR NOT NULL, rows_read BIGINT NOT NULL, inserted BIGINT NOT NULL, updated BIGINT NOT NULL, "
    "unchanged BIGINT NOT NULL, older BIGINT NOT NULL, duplicates BIGINT NOT NULL, rejected BIGINT NOT NULL, "
    "loaded_at TIMESTAMPTZ NOT NULL, seconds DOUBLE NOT NULL)",
    f"CREATE TABLE rejects (load_id BIGINT NOT NULL, source_file VARCHAR, line BIGINT, reject_reason VARCHAR, "
    f"{_CANONICAL_DDL}, _content UBIGINT)",
]
SCHEMA_SQL = SCHEMA_SQL_V1 + [sql for v in range(1, STORE_SCHEMA_VERSION) for sql in MIGRATIONS[v]]
STORE_TABLES = ("meta", "interactions", "loads", "rejects", "agent_states", "surveys")

T = TypeVar("T")


_RECOVER = (
    "restore the store from a backup, or reload the exports into a new store (`csmetrics load FILES --db NEW`); "
    "`csmetrics db info --db PATH` shows whether a store opens"
)
# A DuckDB database file has this magic at byte 8 (after a checksum); anything else is not a store.
_MAGIC_AT, _MAGIC = 8, b"DUCK"


def store_path(path: Path) -> Path:
    """``path`` as a store file: an absolute file path, so DuckDB never reads it as anything else (``md:`` is
    the file ``./md:``, not a remote database); ``:memory:`` (a store that keeps nothing), a directory, and an
    existing file that is not a DuckDB database are refused (exit 2)."""
    if str(path) in (":memory:", ""):
        msg = f"--db {str(path)!r}: a store is a file (an in-memory store would keep nothing); give a file path"
        raise StoreError(msg)
    path = Path(path).absolute()
    if path.is_dir():
        msg = f"--db {path}: is a directory; a store is a file (for example {path / 'metrics.duckdb'})"
        raise StoreError(msg)
    if path.exists() and not path.is_file():
        msg = f"--db {path}: is not a regular file; a store is a file"
        raise StoreError(msg)
    if path.is_file():
        _check_header(path)
    return path


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as f:
            head = f.read(16)
    except OSError as e:
        msg = f"--db {path}: cannot be read: {e.strerror}"
        raise StoreError(msg) from e
    if not head:
        return  # an empty file: a new store (DuckDB writes it)
    if head.startswith(b"SQLite format 3"):
        msg = f"--db {path}: is a SQLite database, not a csmetrics store; give another file path"
        raise StoreError(msg)
    if head[_MAGIC_AT : _MAGIC_AT + len(_MAGIC)] != _MAGIC:
        if len(head) < _MAGIC_AT + len(_MAGIC):
            msg = f"store {path} is damaged: the file is truncated ({len(head)} bytes); {_RECOVER}"
            raise StoreDamagedError(msg)
        msg = f"--db {path}: is not a DuckDB database (so not a csmetrics store); give another file path"
        raise StoreError(msg)


def _is_lock_error(e: duckdb.Error) -> bool:
    text = str(e).lower()
    return "could not set lock" in text or "conflicting lock" in text


def _waiting(path: Path, wait: float, open_it: Callable[[], T]) -> T:
    """``open_it()``, retried while another process holds the store's lock, for up to ``wait`` seconds."""
    deadline = time.monotonic() + max(wait, 0.0)
    delay = 0.05
    while True:
        try:
            return open_it()
        except duckdb.Error as e:
            if not _is_lock_error(e):
                msg = f"store {path} is damaged: it cannot be opened ({first_line(e)}); {_RECOVER}"
                raise StoreDamagedError(msg) from e
            if time.monotonic() >= deadline:
                holder = str(e).split("(PID ")[-1].split(")")[0] if "(PID " in str(e) else "?"
                msg = (
                    f"store {path} is busy: another process (PID {holder}) is using it; "
                    f"gave up after waiting {wait:g} s. Try again later, or wait longer with --wait SECONDS."
                )
                raise StoreBusyError(msg) from None
            time.sleep(min(delay, max(deadline - time.monotonic(), 0.0)))
            delay = min(delay * 2, 1.0)


def connect_store(path: Path, *, read_only: bool, wait: float = 60.0) -> duckdb.DuckDBPyConnection:
    """Open the store as a connection's own database (loads, db commands); created when writing."""
    path = store_path(path)
    if read_only and not path.exists():
        msg = f"no store at {path}: create it with `csmetrics load FILE --db {path}`"
        raise StoreError(msg)
    con = _waiting(path, wait, lambda: connect(str(path), read_only=read_only))
    try:
        catalog = str(con.execute("SELECT current_database()").fetchall()[0][0])
        check_schema(con, path, catalog, read_only=read_only)
    except duckdb.Error as e:
        con.close()
        msg = f"store {path} is damaged: its tables cannot be read ({first_line(e)}); {_RECOVER}"
        raise StoreDamagedError(msg) from e
    except BaseException:
        con.close()
        raise
    return con


def attach_store(con: duckdb.DuckDBPyConnection, path: Path, *, wait: float = 60.0) -> str:
    """Attach the store read-only to a session's connection, as :data:`STORE_ALIAS`; return that catalog."""
    path = store_path(path)
    if not path.exists():
        msg = f"no store at {path}: create it with `csmetrics load FILE --db {path}`"
        raise StoreError(msg)
    _waiting(path, wait, lambda: con.execute(f"ATTACH $path AS {STORE_ALIAS} (READ_ONLY)", {"path": str(path)}))
    try:
        check_schema(con, path, STORE_ALIAS, read_only=True)
    except duckdb.Error as e:
        msg = f"store {path} is damaged: its tables cannot be read ({first_line(e)}); {_RECOVER}"
        raise StoreDamagedError(msg) from e
    return STORE_ALIAS


def tables(con: duckdb.DuckDBPyConnection, catalog: str) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = $catalog AND table_schema = 'main'",
        {"catalog": catalog},
    ).fetchall()
    return {r[0] for r in rows}


def check_schema(con: duckdb.DuckDBPyConnection, path: Path, catalog: str, *, read_only: bool) -> None:
    """The store's schema version is this csmetrics'; a new, empty file is given the schema (when writing)."""
    found = tables(con, catalog)
    if not found:
        if read_only:
            msg = f"{path} is an empty database, not a csmetrics store; load data into it with `csmetrics load`"
            raise StoreError(msg)
        _create(con)
        return
    if "meta" not in found:
        msg = f"{path} is a DuckDB database but not a csmetrics store (no meta table); refusing to touch it"
        raise StoreError(msg)
    version = schema_version(con, catalog)
    if version == STORE_SCHEMA_VERSION:
        check_structure(con, path, catalog)
        return
    if version > STORE_SCHEMA_VERSION:
        msg = (
            f"{path} was written by a newer csmetrics (store schema version {version}; this csmetrics "
            f"{__version__} reads version {STORE_SCHEMA_VERSION}); upgrade csmetrics to use it"
        )
        raise StoreError(msg)
    if version < 0 or any(v not in MIGRATIONS for v in range(version, STORE_SCHEMA_VERSION)):
        msg = (
            f"{path} has store schema version {version}, which this csmetrics ({STORE_SCHEMA_VERSION}) cannot "
            "migrate; reload the exports into a new store"
        )
        raise StoreError(msg)
    if read_only:
        msg = (
            f"{path} has the older store schema version {version}; migrate it first with "
            f"`csmetrics db migrate --db {path}`"
        )
        raise StoreError(msg)
    migrate(con, version)


@functools.cache
def expected_columns() -> dict[str, tuple[tuple[str, str], ...]]:
    """Each store table's (column, type) pairs, as this csmetrics creates them."""
    con = connect()
    try:
        for sql in SCHEMA_SQL:
            con.execute(sql)
        return _columns(con, "memory")
    finally:
        con.close()


def _columns(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, tuple[tuple[str, str], ...]]:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_catalog = $catalog AND table_schema = 'main' ORDER BY table_name, ordinal_position",
        {"catalog": catalog},
    ).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, column, dtype in rows:
        out.setdefault(table, []).append((column, dtype))
    return {t: tuple(c) for t, c in out.items()}


def check_structure(con: duckdb.DuckDBPyConnection, path: Path, catalog: str) -> None:
    """Every store table is a table with the columns and types this csmetrics gives it (a table dropped,
    altered or turned into a view outside csmetrics would break reports later, far from the cause)."""
    kinds = dict(
        con.execute(
            "SELECT table_name, table_type FROM information_schema.tables "
            "WHERE table_catalog = $catalog AND table_schema = 'main'",
            {"catalog": catalog},
        ).fetchall()
    )
    found = _columns(con, catalog)
    for table, columns in expected_columns().items():
        problem = None
        if table not in kinds:
            problem = f"the table {table} is missing"
        elif kinds[table] != "BASE TABLE":
            problem = f"{table} is a {str(kinds[table]).lower()}, not a table"
        else:
            have = dict(found.get(table, ()))
            missing = [c for c, _ in columns if c not in have]
            wrong = [f"{c} ({have[c]}, not {t})" for c, t in columns if c in have and have[c] != t]
            if missing:
                problem = f"the table {table} has no column {', '.join(missing)}"
            elif wrong:
                problem = f"the table {table} has columns of the wrong type: {', '.join(wrong)}"
        if problem:
            msg = f"store {path} was altered outside csmetrics: {problem}; {_RECOVER}"
            raise StoreDamagedError(msg)


def _create(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("BEGIN")
    for sql in SCHEMA_SQL:
        con.execute(sql)
    now = dt.datetime.now(dt.UTC).isoformat()
    con.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [["schema_version", str(STORE_SCHEMA_VERSION)], ["created_at", now], ["created_by", __version__]],
    )
    con.execute("COMMIT")


def migrate(con: duckdb.DuckDBPyConnection, version: int) -> None:
    """Bring a store from ``version`` to the current schema version in one transaction."""
    con.execute("BEGIN")
    try:
        for v in range(version, STORE_SCHEMA_VERSION):
            for sql in MIGRATIONS[v]:
                con.execute(sql)
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(STORE_SCHEMA_VERSION)])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


@contextmanager
def open_store(
    path: Path, *, read_only: bool, wait: float = 60.0, resources: Resources | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """The store as a connection's own database, with the memory limit and spill directory of ``resources``."""
    con = connect_store(path, read_only=read_only, wait=wait)
    try:
        cleanup = (resources or Resources()).apply(con)
    except BaseException:
        con.close()
        raise
    try:
        yield con
    finally:
        con.close()
        cleanup()


def schema_version(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> int:
    meta = f"{quote_identifier(catalog)}.main.meta" if catalog else "meta"
    rows = con.execute(f"SELECT value FROM {meta} WHERE key = 'schema_version'").fetchall()
    try:
        return int(rows[0][0]) if rows else -1
    except ValueError:
        return -1
