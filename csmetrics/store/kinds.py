"""Agent state logs and survey answers in the store (``csmetrics load --kind agent_states|surveys``).

Both are kept as the raw rows read (with source file and line), so that ``report --db``
runs exactly the validation of ``--states`` / ``--surveys`` (sql/steps/states.sql,
sql/steps/surveys.sql) on them: overlaps, event ends, the span-end cut, the CSAT scale
and survey-to-contact matching depend on the other rows and on the report's parameters,
so they are decided at report time, never frozen at load time.

Idempotency: every raw row gets a key; per key the store keeps the rows of the newest
load that carried the key (newest load wins). A reload whose rows for a key are the same
(same multiset of row contents) changes nothing.

- agent state key: (agent_id, lower(trim(state)), start time = started_at or at);
  a later export of the same state (e.g. an interval that was open and is now closed)
  replaces the stored one;
- survey key: interaction_id (the newest load's answers win);
- a row lacking a key part (no agent_id / state / start time, no interaction_id) is keyed
  by its source file and line, so reloading the file does not store it twice; such rows
  fail the context-free checks and are counted ``rejected`` (and kept in ``rejects``).

Everything is set-based SQL; Python only chooses statements.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from csmetrics.errors import ConfigError, InputError
from csmetrics.inputs.files import describe, detect_format
from csmetrics.inputs.interactions import file_reader
from csmetrics.pipeline.session import Session
from csmetrics.store.schema import STATE_FIELDS, SURVEY_CONTENT, SURVEY_FIELDS, shown

KINDS = ("interactions", "agent_states", "surveys")


# -- kind detection ------------------------------------------------------------------------
def detect_kind(con: duckdb.DuckDBPyConnection, path: Path, sheet: str | int | None = None) -> str:
    """interactions, agent_states or surveys, from the file's column names (case-insensitive)."""
    fmt = detect_format(path)
    reader = file_reader(con, path, fmt, 0, sheet)
    described = describe(con, reader, path)
    cols = {name.strip().lower() for name, _ in described}
    found = ", ".join(name for name, _ in described) or "(none)"
    matches = []
    if {"interaction_id", "offered_at"} <= cols:
        matches.append("interactions")
    if {"agent_id", "state"} <= cols and cols & {"started_at", "at"}:
        matches.append("agent_states")
    if "interaction_id" in cols and cols & {"csat", "nps"} and "offered_at" not in cols:
        matches.append("surveys")
    if len(matches) == 1:
        return matches[0]
    if matches:
        msg = f"{path}: ambiguous input: its columns ({found}) fit both {' and '.join(matches)}; say which with --kind"
    else:
        msg = (
            f"{path}: cannot tell what this file holds from its columns ({found}). Interactions need "
            "interaction_id and offered_at; agent states need agent_id, state and started_at or at; surveys "
            "need interaction_id and csat and/or nps (no offered_at). Rename the columns or give --kind"
        )
    raise ConfigError(msg)


# -- merging one file ------------------------------------------------------------------------
def _count(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None) -> int:
    row = con.execute(sql, params or {}).fetchall()
    return int(row[0][0]) if row and row[0][0] is not None else 0


def _merge(con: duckdb.DuckDBPyConnection, db: str, table: str, fields: str, load_id: int) -> dict[str, int]:
    """Merge temp table ``batch_rows`` (fields, _file, _line, _seq, reject_reason, _key, _content)
    into ``{db}.{table}``: per key, the newest load's rows win; identical rows change nothing."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE batch_keys AS
        WITH b AS (SELECT _key, list_sort(list(_content)) AS sig FROM batch_rows GROUP BY _key),
        s AS (
            SELECT _key, list_sort(list(_content)) AS sig FROM {db}.{table}
            WHERE _key IN (SELECT _key FROM b) GROUP BY _key
        )
        SELECT b._key,
            CASE WHEN s._key IS NULL THEN 'inserted' WHEN s.sig = b.sig THEN 'unchanged' ELSE 'updated' END
                AS _action
        FROM b LEFT JOIN s USING (_key)
        """
    )
    # Per row: rejected (context-free check), duplicates (a copy / an earlier answer in the file),
    # else the action of its key.
    counts = dict(
        con.execute(
            """
            SELECT CASE WHEN r.reject_reason IS NOT NULL THEN 'rejected'
                        WHEN r._dup > 1 THEN 'duplicates' ELSE k._action END, count(*)
            FROM (SELECT *, row_number() OVER (PARTITION BY _key, _dup_part ORDER BY _seq DESC) AS _dup
                  FROM batch_rows) AS r
            JOIN batch_keys AS k USING (_key)
            GROUP BY ALL
            """
        ).fetchall()
    )
    con.execute(f"DELETE FROM {db}.{table} WHERE _key IN (SELECT _key FROM batch_keys WHERE _action = 'updated')")
    con.execute(
        f"INSERT INTO {db}.{table} ({fields}, _file, _line, _load_id, _key, _content) "
        f"SELECT {fields}, _file, _line, $load_id, _key, _content FROM batch_rows "
        "WHERE _key IN (SELECT _key FROM batch_keys WHERE _action IN ('inserted', 'updated')) ORDER BY _seq",
        {"load_id": load_id},
    )
    return {k: int(v) for k, v in counts.items()}


def _keep_rejects(con: duckdb.DuckDBPyConnection, db: str, kind: str, shown: dict[str, str], load_id: int) -> None:
    """Rejected rows into the store's rejects, once per (kind, file, line, reason, content); ``shown``: each
    column of the rejects table and the SQL of its value in batch row ``n``."""
    con.execute(
        f"""
        INSERT INTO {db}.rejects (load_id, source_file, line, reject_reason, kind, {", ".join(shown)}, _content)
        SELECT $load_id, n._file, n._line, n.reject_reason, $kind, {", ".join(shown.values())},
            n._content
        FROM batch_rows AS n
        ANTI JOIN {db}.rejects AS r
            ON r.kind = $kind AND r.source_file = n._file AND r.line = n._line
            AND r.reject_reason = n.reject_reason AND r._content = n._content
        WHERE n.reject_reason IS NOT NULL
        ORDER BY n._seq
        """,
        {"load_id": load_id, "kind": kind},
    )


def merge_states(
    session: Session, db: str, file: Path, load_id: int, *, source_timezone: str
) -> tuple[int, dict[str, int]]:
    """Read one agent state log and merge it into ``agent_states``; return (rows read, counts)."""
    con = session.con
    result = session.read_states([str(file)], source_timezone=source_timezone)
    stored = con.execute(f"SELECT value FROM {db}.meta WHERE key = 'agent_states_shape'").fetchall()
    if stored and stored[0][0] != result.shape:
        msg = (
            f"{file}: {result.shape}-shaped agent state log, but the store holds {stored[0][0]}-shaped states; "
            "one store holds one shape (intervals or events)"
        )
        raise InputError(msg)
    if not stored:
        con.execute(f"INSERT INTO {db}.meta VALUES ('agent_states_shape', $shape)", {"shape": result.shape})
    start = 'coalesce(started_at, "at")'
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE batch_rows AS
        SELECT {STATE_FIELDS}, _file, _line, _seq,
            CASE
                WHEN agent_id IS NULL THEN 'missing_agent_id'
                WHEN nullif(trim(state), '') IS NULL THEN 'missing_state'
                WHEN {start} IS NULL THEN 'missing_start_time'
                WHEN ended_at < started_at THEN 'ended_before_started'
            END AS reject_reason,
            CASE WHEN agent_id IS NOT NULL AND nullif(trim(state), '') IS NOT NULL AND {start} IS NOT NULL
                 THEN to_json(['state', agent_id, lower(trim(state)), CAST(epoch_us({start}) AS VARCHAR)])
                 ELSE to_json(['row', _file, CAST(_line AS VARCHAR)])
            END AS _key,
            hash({STATE_FIELDS}) AS _content,
            hash({STATE_FIELDS}) AS _dup_part
        FROM loaded_states
        """
    )
    counts = _merge(con, db, "agent_states", STATE_FIELDS, load_id)
    _keep_rejects(con, db, "agent_states", {f: f"n.{f}" for f in STATE_FIELDS.split(", ")}, load_id)
    return result.rows_read, counts


def merge_surveys(session: Session, db: str, file: Path, load_id: int) -> tuple[int, dict[str, int]]:
    """Read one survey file and merge it into ``surveys``; return (rows read, counts)."""
    con = session.con
    rows_read = sum(f.rows for f in session.read_surveys([str(file)]))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE batch_rows AS
        SELECT {SURVEY_FIELDS}, _file, _line, _seq,
            CASE WHEN interaction_id IS NULL THEN 'missing_interaction_id' END AS reject_reason,
            CASE WHEN interaction_id IS NOT NULL THEN to_json(['survey', interaction_id])
                 ELSE to_json(['row', _file, CAST(_line AS VARCHAR)])
            END AS _key,
            {SURVEY_CONTENT.format(t="survey_rows")} AS _content,
            0 AS _dup_part
        FROM survey_rows
        """
    )
    counts = _merge(con, db, "surveys", SURVEY_FIELDS, load_id)
    _keep_rejects(con, db, "surveys", shown("n", ["interaction_id", "csat", "nps"]), load_id)
    return rows_read, counts
