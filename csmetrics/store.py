"""A persistent DuckDB store of interactions: idempotent incremental loads, safe concurrency.

Layout of a store file (schema version :data:`STORE_SCHEMA_VERSION`)::

    meta(key, value)          schema_version, created_at, csmetrics version
    interactions              the current version of every interaction_id (canonical columns
                              + _file, _line, _load_id, _content); invalid current versions included,
                              exactly as the file mode keeps the newest version even when it is rejected
    loads                     one row per file loaded: size, sha256, counts, time
    rejects                   every rejected row with its load, kind, source file, line and reason
    agent_states, surveys     (version 2) raw agent state rows and survey answers, newest load wins
                              per key; see csmetrics/store_kinds.py

A load parses and validates each file with the ordinary pipeline (``Engine.load``:
``loaded_rows`` -> ``superseded`` -> ``checked`` -> ``contacts``), then merges the
batch into the persistent tables. All files of one ``load`` run in ONE transaction:
an error or a kill (even SIGKILL) leaves the store as it was before.

DuckDB allows one writing process per file; :func:`connect_store` retries while
another process holds the lock and raises :class:`StoreBusyError` (exit 75) after
``wait`` seconds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from csmetrics import __version__
from csmetrics.engine import Engine
from csmetrics.errors import ConfigError, StoreBusyError, StoreError
from csmetrics.loading import LoadResult, SourceFile, expand_paths
from csmetrics.schema import INTERACTION_COLUMNS, quote_identifier
from csmetrics import store_kinds

STORE_SCHEMA_VERSION = 2
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
        store_kinds.AGENT_STATES_DDL,
        store_kinds.SURVEYS_DDL,
    ],
}

_TYPES = {"timestamp": "TIMESTAMPTZ", "number": "DOUBLE", "boolean": "BOOLEAN"}
CANONICAL = ", ".join(quote_identifier(c.name) for c in INTERACTION_COLUMNS)
_CANONICAL_DDL = ", ".join(f"{quote_identifier(c.name)} {_TYPES.get(c.kind, 'VARCHAR')}" for c in INTERACTION_COLUMNS)
# Same content test as sql/prepare/versions.sql: every column but the id.
_CONTENT = "hash(" + ", ".join(
    f"{{t}}.{quote_identifier(c.name)}" for c in INTERACTION_COLUMNS if c.name != "interaction_id"
) + ")"

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


def _prefixed(alias: str) -> str:
    return ", ".join(f"{alias}.{quote_identifier(c.name)}" for c in INTERACTION_COLUMNS)


@dataclass(frozen=True)
class FileLoad:
    """What one file's load did to the store (one row of the ``loads`` table)."""

    load_id: int
    file: str
    size_bytes: int
    sha256: str
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    older: int
    duplicates: int
    rejected: int
    loaded_at: str
    seconds: float
    kind: str = "interactions"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- opening -------------------------------------------------------------------------------
def _is_lock_error(e: duckdb.Error) -> bool:
    text = str(e).lower()
    return "could not set lock" in text or "conflicting lock" in text


def connect_store(path: Path, *, read_only: bool, wait: float = 60.0) -> duckdb.DuckDBPyConnection:
    """Open the store, waiting up to ``wait`` seconds while another process holds its lock."""
    if read_only and not path.exists():
        msg = f"no store at {path}: create it with `csmetrics load FILE --db {path}`"
        raise StoreError(msg)
    deadline = time.monotonic() + max(wait, 0.0)
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.Error as e:
            if not _is_lock_error(e):
                msg = f"{path}: cannot be opened as a csmetrics store: {str(e).strip().splitlines()[0]}"
                raise StoreError(msg) from e
            if time.monotonic() >= deadline:
                holder = str(e).split("(PID ")[-1].split(")")[0] if "(PID " in str(e) else "?"
                msg = (
                    f"store {path} is busy: another process (PID {holder}) is using it; "
                    f"gave up after waiting {wait:g} s. Try again later, or wait longer with --wait SECONDS."
                )
                raise StoreBusyError(msg) from None
            time.sleep(min(delay, max(deadline - time.monotonic(), 0.0)))
            delay = min(delay * 2, 1.0)
    try:
        _check_schema(con, path, read_only=read_only)
    except BaseException:
        con.close()
        raise
    return con


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
        "AND table_schema = 'main'"
    ).fetchall()
    return {r[0] for r in rows}


def _check_schema(con: duckdb.DuckDBPyConnection, path: Path, *, read_only: bool) -> None:
    tables = _tables(con)
    if not tables:
        if read_only:
            msg = f"{path} is an empty database, not a csmetrics store; load data into it with `csmetrics load`"
            raise StoreError(msg)
        con.execute("BEGIN")
        for sql in SCHEMA_SQL:
            con.execute(sql)
        now = dt.datetime.now(dt.UTC).isoformat()
        con.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [["schema_version", str(STORE_SCHEMA_VERSION)], ["created_at", now], ["created_by", __version__]],
        )
        con.execute("COMMIT")
        return
    if "meta" not in tables:
        msg = f"{path} is a DuckDB database but not a csmetrics store (no meta table); refusing to touch it"
        raise StoreError(msg)
    rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    row = rows[0] if rows else None
    try:
        version = int(row[0]) if row else -1
    except ValueError:
        version = -1
    if version == STORE_SCHEMA_VERSION:
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


def migrate(con: duckdb.DuckDBPyConnection, version: int) -> None:
    """Bring a store from ``version`` to the current schema version in one transaction."""
    con.execute("BEGIN")
    try:
        for v in range(version, STORE_SCHEMA_VERSION):
            for sql in MIGRATIONS[v]:
                con.execute(sql)
        con.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(STORE_SCHEMA_VERSION)]
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


@contextmanager
def open_store(path: Path, *, read_only: bool, wait: float = 60.0) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect_store(path, read_only=read_only, wait=wait)
    try:
        yield con
    finally:
        con.close()


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    rows = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    row = rows[0] if rows else None
    return int(row[0]) if row else -1


# -- loading -------------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_files(
    path: Path,
    patterns: list[str],
    *,
    source_timezone: str = "UTC",
    wait: float = 60.0,
    progress: Callable[[int, int, str], None] | None = None,
    kind: str | None = None,
    mapping: Any = None,
    sheet: str | int | None = None,
) -> list[FileLoad]:
    """Load files into the store at ``path`` in one transaction; return one record per file.

    Files are merged in the order given (globs sorted), each as a later load than the previous,
    so loading night-by-night files in one call equals loading them one call at a time.
    ``kind`` (interactions, agent_states, surveys) applies to every file; without it each
    file's kind is detected from its columns (:func:`csmetrics.store_kinds.detect_kind`).
    With ``mapping`` (a :class:`csmetrics.mapping.Mapping`, e.g. a preset) every file is an
    interactions export read through it, as ``report --mapping`` reads it.
    """
    if kind is not None and kind not in store_kinds.KINDS:
        msg = f"--kind must be one of {', '.join(store_kinds.KINDS)}, got {kind!r}"
        raise ConfigError(msg)
    files = [f.resolve() for f in expand_paths(patterns)]
    probe = duckdb.connect()
    try:
        if mapping is not None and kind not in (None, "interactions"):
            msg = "--mapping/--preset read interaction exports; load agent states or surveys without them"
            raise ConfigError(msg)
        kinds = [
            "interactions" if mapping is not None else kind or store_kinds.detect_kind(probe, f, sheet) for f in files
        ]
    finally:
        probe.close()
    with open_store(path, read_only=False, wait=wait) as con:
        engine = Engine(con)
        records: list[FileLoad] = []
        con.execute("BEGIN")
        try:
            for i, file in enumerate(files):
                if progress is not None:
                    progress(i, len(files), str(file))
                if kinds[i] == "interactions":
                    records.append(
                        _merge_file(con, engine, file, source_timezone=source_timezone, mapping=mapping, sheet=sheet)
                    )
                else:
                    records.append(_merge_other(con, engine, file, kinds[i], source_timezone=source_timezone))
            if progress is not None:
                progress(len(files), len(files), "")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return records


def _merge_file(
    con: duckdb.DuckDBPyConnection, engine: Engine, file: Path, *, source_timezone: str,
    mapping: Any = None, sheet: str | int | None = None,
) -> FileLoad:
    started = time.monotonic()
    # Engine.load's temp tables (rejects, ...) shadow unqualified names: name the store's catalog.
    catalog = con.execute("SELECT current_database()").fetchall()[0]
    db = quote_identifier(str(catalog[0])) + ".main" if catalog else "main"
    size = file.stat().st_size
    sha = _sha256(file)
    result = engine.load([str(file)], source_timezone=source_timezone, mapping=mapping, sheet=sheet)
    row = con.execute(f"SELECT coalesce(max(load_id), 0) + 1 FROM {db}.loads").fetchall()[0]
    load_id = int(row[0]) if row else 1
    content_b = _CONTENT.format(t="b")
    # The batch: the surviving version of each id in this file, with its reject reason (NULL = valid),
    # and how it compares with the stored version. The stored version wins only when it is strictly
    # newer (updated_at desc nulls last); otherwise this later load wins, as in sql/prepare/versions.sql.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE batch AS
        SELECT b.*, {content_b} AS _content,
            CASE
                WHEN s.interaction_id IS NULL THEN 'inserted'
                WHEN s.updated_at IS NOT NULL AND (b.updated_at IS NULL OR s.updated_at > b.updated_at)
                    THEN 'older'
                WHEN s._content = {content_b} THEN 'unchanged'
                ELSE 'updated'
            END AS _action
        FROM checked AS b
        LEFT JOIN {db}.interactions AS s ON s.interaction_id = b.interaction_id
        WHERE b.interaction_id IS NOT NULL
        """
    )
    counts = dict(
        con.execute(
            "SELECT _action, count(*) FROM batch WHERE reject_reason IS NULL GROUP BY _action"
        ).fetchall()
    )
    con.execute(
        f"DELETE FROM {db}.interactions AS s USING batch AS b "
        "WHERE s.interaction_id = b.interaction_id AND b._action = 'updated'"
    )
    con.execute(
        f"INSERT INTO {db}.interactions SELECT {CANONICAL}, _file, _line, $load_id, _content "
        "FROM batch WHERE _action IN ('inserted', 'updated') ORDER BY _seq",
        {"load_id": load_id},
    )
    # Rejected rows: every invalid surviving row of the file, the null-id ones included. A row already
    # kept (same file, line, reason and content) is not stored twice, so a reload adds nothing.
    content_c = _CONTENT.format(t="c")
    rejected_row = con.execute("SELECT count(*) FROM checked WHERE reject_reason IS NOT NULL").fetchall()[0]
    rejected = int(rejected_row[0]) if rejected_row else 0
    con.execute(
        f"""
        INSERT INTO {db}.rejects (load_id, source_file, line, reject_reason, {CANONICAL}, _content)
        SELECT $load_id, n._file, n._line, n.reject_reason, {_prefixed('n')}, n._content
        FROM (
            SELECT c.*, {content_c} AS _content FROM checked AS c WHERE c.reject_reason IS NOT NULL
        ) AS n
        ANTI JOIN {db}.rejects AS r
            ON r.source_file = n._file AND r.line = n._line AND r.reject_reason = n.reject_reason
            AND r._content = n._content
            AND r.interaction_id IS NOT DISTINCT FROM n.interaction_id AND r.kind = 'interactions'
        ORDER BY n._seq
        """,
        {"load_id": load_id},
    )
    dup_row = con.execute("SELECT count(*) FROM superseded").fetchall()[0]
    record = FileLoad(
        load_id=load_id,
        file=str(file),
        size_bytes=size,
        sha256=sha,
        rows_read=result.rows_read,
        inserted=int(counts.get("inserted", 0)),
        updated=int(counts.get("updated", 0)),
        unchanged=int(counts.get("unchanged", 0)),
        older=int(counts.get("older", 0)),
        duplicates=int(dup_row[0]) if dup_row else 0,
        rejected=rejected,
        loaded_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        seconds=round(time.monotonic() - started, 3),
    )
    _record_load(con, db, record)
    return record


def _store_catalog(con: duckdb.DuckDBPyConnection) -> str:
    """The store's schema, qualified: Engine's temp tables (rejects, ...) shadow unqualified names."""
    catalog = con.execute("SELECT current_database()").fetchall()[0]
    return quote_identifier(str(catalog[0])) + ".main" if catalog else "main"


def _merge_other(
    con: duckdb.DuckDBPyConnection, engine: Engine, file: Path, kind: str, *, source_timezone: str
) -> FileLoad:
    """One agent state log or survey file (csmetrics.store_kinds), recorded in ``loads``."""
    started = time.monotonic()
    db = _store_catalog(con)
    size = file.stat().st_size
    sha = _sha256(file)
    row = con.execute(f"SELECT coalesce(max(load_id), 0) + 1 FROM {db}.loads").fetchall()[0]
    load_id = int(row[0]) if row else 1
    del engine  # its temp tables (survey_rows) live on ``con``
    if kind == "agent_states":
        rows_read, counts = store_kinds.merge_states(con, db, file, load_id, source_timezone=source_timezone)
    else:
        rows_read, counts = store_kinds.merge_surveys(con, db, file, load_id)
    record = FileLoad(
        load_id=load_id,
        file=str(file),
        size_bytes=size,
        sha256=sha,
        rows_read=rows_read,
        inserted=counts.get("inserted", 0),
        updated=counts.get("updated", 0),
        unchanged=counts.get("unchanged", 0),
        older=0,
        duplicates=counts.get("duplicates", 0),
        rejected=counts.get("rejected", 0),
        loaded_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        seconds=round(time.monotonic() - started, 3),
        kind=kind,
    )
    _record_load(con, db, record)
    return record


def _record_load(con: duckdb.DuckDBPyConnection, db: str, record: FileLoad) -> None:
    con.execute(
        f"INSERT INTO {db}.loads (load_id, file, size_bytes, sha256, rows_read, inserted, updated, unchanged, "
        "older, duplicates, rejected, loaded_at, seconds, kind) VALUES ($load_id, $file, $size, $sha, $rows_read, "
        "$inserted, $updated, $unchanged, $older, $duplicates, $rejected, $loaded_at::TIMESTAMPTZ, $seconds, $kind)",
        {
            "load_id": record.load_id,
            "file": record.file,
            "size": record.size_bytes,
            "sha": record.sha256,
            "rows_read": record.rows_read,
            "inserted": record.inserted,
            "updated": record.updated,
            "unchanged": record.unchanged,
            "older": record.older,
            "duplicates": record.duplicates,
            "rejected": record.rejected,
            "loaded_at": record.loaded_at,
            "seconds": record.seconds,
            "kind": record.kind,
        },
    )


# -- reading -------------------------------------------------------------------------------
def store_engine(path: Path, *, wait: float = 60.0) -> Engine:
    """An in-memory engine holding the store's contacts, ready for ``Engine.report``.

    The store is opened read-only only while its rows are copied, so a long report does not
    hold the lock. The copied rows run through the same ``checked`` and ``contacts`` steps as
    the file mode; ``rejects`` holds the stored contacts whose current version is invalid.
    """
    engine = Engine()
    con = engine.con
    with open_store(path, read_only=True, wait=wait) as store:
        stored = int(store.execute("SELECT count(*) FROM interactions").fetchall()[0][0])
        arrow = store.sql(
            f"SELECT {CANONICAL}, _file, _line, row_number() OVER (ORDER BY _load_id, _line) AS _seq, "
            "NULL::VARCHAR AS _bad_column, NULL::VARCHAR AS _bad_value FROM interactions"
        ).to_arrow_table()
        store_kinds.restore(store, engine, path)  # agent states and survey answers, as --states / --surveys
    con.register("store_rows", arrow)
    con.execute("CREATE OR REPLACE TEMP TABLE loaded_rows AS SELECT * FROM store_rows")
    con.unregister("store_rows")
    con.execute("CREATE OR REPLACE TEMP TABLE superseded (_seq BIGINT, interaction_id VARCHAR, kind VARCHAR)")
    # data_quality then reads: rows_read = the stored contacts, files = [the store].
    engine.load_result = LoadResult(files=[SourceFile(path=path, format="store", rows=stored)])
    engine.prepare()  # the same checked / contacts / rejects steps as the file mode
    return engine


def info(path: Path, *, wait: float = 60.0) -> dict[str, Any]:
    """The document of ``csmetrics db info``."""
    with open_store(path, read_only=True, wait=wait) as con:
        tables = {
            t: int(con.execute(f"SELECT count(*) FROM {quote_identifier(t)}").fetchall()[0][0])
            for t in STORE_TABLES
        }
        span = con.execute(
            "SELECT strftime(min(offered_at) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ'), "
            "strftime(max(offered_at) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') FROM interactions"
        ).fetchall()[0]
        loads = con.sql(
            "SELECT load_id, file, size_bytes, sha256, rows_read, inserted, updated, unchanged, older, "
            "duplicates, rejected, strftime(loaded_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS loaded_at, "
            "seconds, kind FROM loads ORDER BY load_id"
        ).pl()
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    first, last = span if span else (None, None)
    return {
        "store": str(path),
        "schema_version": int(meta.get("schema_version", -1)),
        "created_at": meta.get("created_at"),
        "tables": tables,
        "time_span": {
            "first_offered_at": first,
            "last_offered_at": last,
        },
        "loads": loads.to_dicts(),
    }


def rejects(path: Path, *, wait: float = 60.0, load_id: int | None = None) -> pl.DataFrame:
    """Rejected rows kept in the store, oldest load first."""
    with open_store(path, read_only=True, wait=wait) as con:
        return con.sql(
            f"SELECT r.load_id, r.kind, r.source_file, r.line, r.reject_reason, {_prefixed('r')}, "
            'r.state, r.started_at, r."at" '
            "FROM rejects AS r WHERE $load_id::BIGINT IS NULL OR r.load_id = $load_id "
            "ORDER BY r.load_id, r.source_file, r.line",
            params={"load_id": load_id},
        ).pl()

