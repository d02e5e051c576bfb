"""Loading exports into the store: idempotent incremental loads in one transaction.

A load reads each file with the ordinary pipeline (a :class:`~csmetrics.pipeline.session.Session`
on the store's connection runs the steps of sql/pipeline.toml on that file's rows), then merges the
batch (``checked``) into the persistent tables. All files of one ``load`` run in ONE transaction:
an error or a kill (even SIGKILL) leaves the store as it was before.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb

from csmetrics.definitions.config import resolve
from csmetrics.errors import ConfigError, WriteError
from csmetrics.inputs import textformat
from csmetrics.inputs.files import expand_paths
from csmetrics.inputs.schema import CANONICAL, INTERACTION_COLUMNS
from csmetrics.inputs.textformat import TextFormat
from csmetrics.pipeline.resources import Resources
from csmetrics.pipeline.session import Session
from csmetrics.sqltext import connect, first_line, quote_identifier, utc_now_iso
from csmetrics.store import kinds as store_kinds
from csmetrics.store.schema import CONTENT, STORED, open_store, shown


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
    mapping: str | None = None  # the column mapping or preset the file was read with
    definitions: dict[str, Any] | None = None  # that mapping's [definitions], which reports from the store apply

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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
    resources: Resources | None = None,
    text: TextFormat | None = None,
) -> list[FileLoad]:
    """Load files into the store at ``path`` in one transaction; return one record per file.

    Files are merged in the order given (globs sorted), each as a later load than the previous,
    so loading night-by-night files in one call equals loading them one call at a time.
    ``kind`` (interactions, agent_states, surveys) applies to every file; without it each
    file's kind is detected from its columns (:func:`csmetrics.store.kinds.detect_kind`).
    With ``mapping`` (a :class:`csmetrics.inputs.mapping.model.Mapping`, e.g. a preset) every file is an
    interactions export read through it, as ``report --mapping`` reads it.
    """
    if kind is not None and kind not in store_kinds.KINDS:
        msg = f"--kind must be one of {', '.join(store_kinds.KINDS)}, got {kind!r}"
        raise ConfigError(msg)
    temp = resources.temp_directory if resources is not None else None
    with textformat.reading(text or TextFormat.of(None, None, mapping), temp):
        return _load(path, patterns, wait, progress, kind, mapping, sheet, resources, source_timezone)


def _load(
    path: Path,
    patterns: list[str],
    wait: float,
    progress: Callable[[int, int, str], None] | None,
    kind: str | None,
    mapping: Any,
    sheet: str | int | None,
    resources: Resources | None,
    source_timezone: str,
) -> list[FileLoad]:
    files = [f.resolve() for f in expand_paths(patterns)]
    probe = connect()
    try:
        if mapping is not None and kind not in (None, "interactions"):
            msg = "--mapping/--preset read interaction exports; load agent states or surveys without them"
            raise ConfigError(msg)
        kinds = [
            "interactions" if mapping is not None else kind or store_kinds.detect_kind(probe, f, sheet) for f in files
        ]
    finally:
        probe.close()
    with open_store(path, read_only=False, wait=wait, resources=resources) as con:
        records: list[FileLoad] = []
        con.execute("BEGIN")
        try:
            for i, file in enumerate(files):
                if progress is not None:
                    progress(i, len(files), str(file))
                session = Session(con)  # a fresh batch: the session's tables hold this file's rows only
                if kinds[i] == "interactions":
                    records.append(
                        _merge_file(session, file, source_timezone=source_timezone, mapping=mapping, sheet=sheet)
                    )
                else:
                    records.append(_merge_other(session, file, kinds[i], source_timezone=source_timezone))
            if progress is not None:
                progress(len(files), len(files), "")
            con.execute("COMMIT")
        except BaseException as e:
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            full = _disk_full(e)
            if full is not None:
                msg = f"cannot write store {path}: {full}; the load was rolled back, the store is as it was"
                raise WriteError(msg) from e
            raise
        return records


def _disk_full(error: BaseException) -> str | None:
    """The cause when ``error`` (or what it wraps) is a write that failed for lack of space or an I/O error."""
    seen: BaseException | None = error
    while seen is not None:
        text = str(seen)
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO):
            return seen.strerror or text
        if isinstance(seen, duckdb.IOException) or "No space left on device" in text:
            return first_line(seen)
        seen = seen.__cause__
    return None


def _merge_file(
    session: Session, file: Path, *, source_timezone: str, mapping: Any = None, sheet: str | int | None = None
) -> FileLoad:
    started = time.monotonic()
    con = session.con
    db = _store_catalog(con)
    size = file.stat().st_size
    sha = _sha256(file)
    files = session.read_interactions([str(file)], source_timezone=source_timezone, mapping=mapping, sheet=sheet)
    session.prepare(resolve(registry=session.registry))
    rows_read = sum(f.rows for f in files)
    row = con.execute(f"SELECT coalesce(max(load_id), 0) + 1 FROM {db}.loads").fetchall()[0]
    load_id = int(row[0]) if row else 1
    content_b = CONTENT.format(t="b")
    # The batch: the surviving version of each id in this file, with its reject reason (NULL = valid),
    # and how it compares with the stored version. The stored version wins only when it is strictly
    # newer (updated_at desc nulls last); otherwise this later load wins, as in sql/steps/versions.sql.
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
        con.execute("SELECT _action, count(*) FROM batch WHERE reject_reason IS NULL GROUP BY _action").fetchall()
    )
    con.execute(
        f"DELETE FROM {db}.interactions AS s USING batch AS b "
        "WHERE s.interaction_id = b.interaction_id AND b._action = 'updated'"
    )
    con.execute(
        f"INSERT INTO {db}.interactions ({STORED}, _file, _line, _load_id, _content) "
        f"SELECT {STORED}, _file, _line, $load_id, _content "
        "FROM batch WHERE _action IN ('inserted', 'updated') ORDER BY _seq",
        {"load_id": load_id},
    )
    # Rejected rows: every invalid surviving row of the file, the null-id ones included. A row already
    # kept (same file, line, reason and content) is not stored twice, so a reload adds nothing.
    content_c = CONTENT.format(t="c")
    rejected_row = con.execute("SELECT count(*) FROM checked WHERE reject_reason IS NOT NULL").fetchall()[0]
    shown_row = ", ".join(shown("n", [c.name for c in INTERACTION_COLUMNS]).values())
    rejected = int(rejected_row[0]) if rejected_row else 0
    con.execute(
        f"""
        INSERT INTO {db}.rejects (load_id, source_file, line, reject_reason, {CANONICAL}, _content)
        SELECT $load_id, n._file, n._line, n.reject_reason, {shown_row}, n._content
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
        rows_read=rows_read,
        inserted=int(counts.get("inserted", 0)),
        updated=int(counts.get("updated", 0)),
        unchanged=int(counts.get("unchanged", 0)),
        older=int(counts.get("older", 0)),
        duplicates=int(dup_row[0]) if dup_row else 0,
        rejected=rejected,
        loaded_at=utc_now_iso(),
        seconds=round(time.monotonic() - started, 3),
        mapping=mapping.name if mapping is not None else None,
        definitions=dict(sorted(mapping.definitions.items())) if mapping is not None else {},
    )
    _record_load(con, db, record)
    return record


def _store_catalog(con: duckdb.DuckDBPyConnection) -> str:
    """The store's schema, qualified: the session's temp tables (rejects, ...) shadow unqualified names."""
    catalog = con.execute("SELECT current_database()").fetchall()[0]
    return quote_identifier(str(catalog[0])) + ".main" if catalog else "main"


def _merge_other(session: Session, file: Path, kind: str, *, source_timezone: str) -> FileLoad:
    """One agent state log or survey file (csmetrics.store.kinds), recorded in ``loads``."""
    started = time.monotonic()
    con = session.con
    db = _store_catalog(con)
    size = file.stat().st_size
    sha = _sha256(file)
    row = con.execute(f"SELECT coalesce(max(load_id), 0) + 1 FROM {db}.loads").fetchall()[0]
    load_id = int(row[0]) if row else 1
    if kind == "agent_states":
        rows_read, counts = store_kinds.merge_states(session, db, file, load_id, source_timezone=source_timezone)
    else:
        rows_read, counts = store_kinds.merge_surveys(session, db, file, load_id)
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
        loaded_at=utc_now_iso(),
        seconds=round(time.monotonic() - started, 3),
        kind=kind,
    )
    _record_load(con, db, record)
    return record


def _record_load(con: duckdb.DuckDBPyConnection, db: str, record: FileLoad) -> None:
    con.execute(
        f"INSERT INTO {db}.loads (load_id, file, size_bytes, sha256, rows_read, inserted, updated, unchanged, "
        "older, duplicates, rejected, loaded_at, seconds, kind, mapping, definitions) VALUES ($load_id, $file, $size, "
        "$sha, $rows_read, $inserted, $updated, $unchanged, $older, $duplicates, $rejected, $loaded_at::TIMESTAMPTZ, "
        "$seconds, $kind, $mapping, $definitions)",
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
            "mapping": record.mapping,
            "definitions": json.dumps(record.definitions) if record.definitions is not None else None,
        },
    )
