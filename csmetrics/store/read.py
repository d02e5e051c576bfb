"""Reading a store: in place, attached read-only to a report's session; and ``db info`` / ``db rejects``.

A report over a store reads the stored tables where they lie (no copy): the session is handed the
relations below, with the same columns a file load gives, and runs the same steps on them. Stored
rows keep their order (load, then line) in ``_seq``; stored survey rows get negative ``_seq`` values,
so an answer given with --surveys FILE on the command line is the later one (it wins).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from csmetrics.definitions.config import Recorded
from csmetrics.inputs.files import Relation, SourceFile
from csmetrics.inputs.schema import CANONICAL
from csmetrics.sqltext import SEQ_STRIDE, quote_identifier
from csmetrics.store.schema import (
    STATE_FIELDS,
    STORE_TABLES,
    STORED,
    SURVEY_FIELDS,
    attach_store,
    open_store,
)

# Stored survey rows come before every file's rows: their _seq is below any file's.
_SURVEY_OFFSET = 1 << 62


@dataclass(frozen=True)
class Stored:
    """A store's contents as relations a session can use (see Session.use_*)."""

    source: SourceFile  # the store, as data_quality lists it (rows: stored contacts)
    interactions: Relation
    states: Relation | None
    states_shape: str
    states_source: SourceFile  # rows: stored agent state rows
    surveys: Relation | None
    surveys_source: SourceFile  # rows: stored survey rows


def attach(con: duckdb.DuckDBPyConnection, path: Path, *, wait: float = 60.0) -> Stored:
    """Attach the store at ``path`` read-only to ``con`` and describe its contents as relations."""
    db = quote_identifier(attach_store(con, path, wait=wait)) + ".main"

    def count(table: str) -> int:
        return int(con.execute(f"SELECT count(*) FROM {db}.{table}").fetchall()[0][0])

    stored = count("interactions")
    interactions = Relation(
        f"SELECT {STORED}, _file, _line, _load_id * {SEQ_STRIDE} + _line AS _seq, "
        f"NULL::VARCHAR AS _bad_column, NULL::VARCHAR AS _bad_value FROM {db}.interactions",
        {},
    )
    states = surveys = None
    shape = ""
    n_states, n_surveys = count("agent_states"), count("surveys")
    if n_states:
        states = Relation(
            f"SELECT {STATE_FIELDS}, _file, _line, _load_id * {SEQ_STRIDE} + _line AS _seq, "
            f"NULL::VARCHAR AS _bad_column, NULL::VARCHAR AS _bad_value FROM {db}.agent_states",
            {},
        )
        rows = con.execute(f"SELECT value FROM {db}.meta WHERE key = 'agent_states_shape'").fetchall()
        shape = rows[0][0] if rows else ""
    if n_surveys:
        surveys = Relation(
            f"SELECT {SURVEY_FIELDS}, _file, _line, _load_id * {SEQ_STRIDE} + _line - {_SURVEY_OFFSET} AS _seq "
            f"FROM {db}.surveys",
            {},
        )
    return Stored(
        SourceFile(path=path, format="store", rows=stored),
        interactions,
        states,
        shape,
        SourceFile(path=path, format="store", rows=n_states),
        surveys,
        SourceFile(path=path, format="store", rows=n_surveys),
    )


# Parameters a load applies as it reads (naive times), not a report: never carried to reports.
_LOAD_ONLY = frozenset({"source_timezone"})


def recorded_definitions(path: Path, *, wait: float = 60.0) -> list[Recorded]:
    """The [definitions] the store's interaction loads were read with, one entry per distinct set."""
    with open_store(path, read_only=True, wait=wait) as con:
        rows = con.execute(
            "SELECT coalesce(definitions, '{}'), list(DISTINCT coalesce(mapping, '') ORDER BY coalesce(mapping, '')), "
            "list(load_id ORDER BY load_id) FROM loads WHERE kind = 'interactions' GROUP BY 1 ORDER BY min(load_id)"
        ).fetchall()
    groups = []
    for text, mappings, loads in rows:
        values = {k: v for k, v in json.loads(text).items() if k not in _LOAD_ONLY}
        groups.append(Recorded(values, tuple(mappings), tuple(loads)))
    # loads whose mappings set only load-time parameters agree with loads read without a mapping
    merged: dict[str, Recorded] = {}
    for g in groups:
        key = json.dumps(g.values, sort_keys=True)
        if key in merged:
            old = merged[key]
            g = Recorded(g.values, tuple(sorted({*old.mappings, *g.mappings})), tuple(sorted({*old.loads, *g.loads})))
        merged[key] = g
    return list(merged.values())


def info(path: Path, *, wait: float = 60.0) -> dict[str, Any]:
    """The document of ``csmetrics db info``."""
    with open_store(path, read_only=True, wait=wait) as con:
        tables = {
            t: int(con.execute(f"SELECT count(*) FROM {quote_identifier(t)}").fetchall()[0][0]) for t in STORE_TABLES
        }
        span = con.execute(
            "SELECT strftime(min(offered_at) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ'), "
            "strftime(max(offered_at) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') FROM interactions"
        ).fetchall()[0]
        loads = con.sql(
            "SELECT load_id, file, size_bytes, sha256, rows_read, inserted, updated, unchanged, older, "
            "duplicates, rejected, strftime(loaded_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS loaded_at, "
            "seconds, kind, mapping, definitions FROM loads ORDER BY load_id"
        ).pl()
        meta = dict(con.execute("SELECT key, value FROM meta").fetchall())
    first, last = span if span else (None, None)
    return {
        "store": str(path),
        "schema_version": int(meta.get("schema_version", -1)),
        "created_at": meta.get("created_at"),
        "tables": tables,
        "time_span": {"first_offered_at": first, "last_offered_at": last},
        "loads": [
            {**load, "definitions": json.loads(load["definitions"]) if load["definitions"] is not None else None}
            for load in loads.to_dicts()
        ],
    }


def rejects(path: Path, *, wait: float = 60.0, load_id: int | None = None) -> pl.DataFrame:
    """Rejected rows kept in the store, oldest load first."""
    prefixed = ", ".join(f"r.{c.strip()}" for c in CANONICAL.split(","))
    with open_store(path, read_only=True, wait=wait) as con:
        return con.sql(
            f"SELECT r.load_id, r.kind, r.source_file, r.line, r.reject_reason, {prefixed}, "
            'r.state, r.started_at, r."at" '
            "FROM rejects AS r WHERE $load_id::BIGINT IS NULL OR r.load_id = $load_id "
            "ORDER BY r.load_id, r.source_file, r.line",
            params={"load_id": load_id},
        ).pl()
