"""Read agent state logs (--states) and a roster (--roster) into DuckDB.

The same readers and value parsers as the interaction loader (loading.py): paths
are bound parameters, column names pass the schema allow-list
(``STATE_COLUMNS``/``ROSTER_COLUMNS``) and :func:`quote_identifier`. Python only
chooses fixed SQL per source column type; every row is processed by DuckDB.

A state file has one of two shapes, decided per file from its header:

- intervals: ``agent_id, state, started_at, ended_at``;
- events: ``agent_id, state, at`` (each state lasts until the agent's next event).

All state files of one run must have the same shape. Validation (rejected rows,
event ends, the cut at the data span end) is ``sql/prepare/states.sql``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from csmetrics.errors import InputError
from csmetrics.loading import (
    insert_typed,
    match_columns,
    POSITION_LABEL,
    READERS,
    SourceFile,
    _describe,
    detect_format,
    expand_paths,
)
from csmetrics.schema import (
    EXPECTED_FORMAT,
    ROSTER_COLUMNS,
    STATE_COLUMNS,
    Column,
    quote_identifier,
)

STATES_TABLE = "loaded_states"
ROSTER_TABLE = "roster"
SHAPES = {"intervals": ("started_at",), "events": ("at",)}


@dataclass
class StatesLoad:
    shape: str = ""
    files: list[SourceFile] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(f.rows for f in self.files)


@dataclass
class RosterLoad:
    path: Path | None = None
    rows: int = 0


def _create(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[Column, ...]) -> None:
    cols = [
        f"{quote_identifier(c.name)} {'TIMESTAMPTZ' if c.kind == 'timestamp' else 'VARCHAR'}" for c in columns
    ]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {quote_identifier(table)} ({', '.join(cols)}, "
        "_file VARCHAR, _line BIGINT, _seq BIGINT, _bad_column VARCHAR, _bad_value VARCHAR)"
    )


def _check_unreadable(con: duckdb.DuckDBPyConnection, table: str, files: list[SourceFile], what: str) -> None:
    rows = con.execute(
        f"SELECT _file, _line, _bad_column, _bad_value, count(*) OVER () FROM {quote_identifier(table)} "
        "WHERE _bad_column IS NOT NULL ORDER BY _seq LIMIT 5"
    ).fetchall()
    if not rows:
        return
    labels = {str(f.path): POSITION_LABEL[f.format] for f in files}
    total = rows[0][4]
    lines = [
        f"{file}, {labels.get(file, 'line')} {line}, column {column}: cannot read {value!r}; "
        f"expected {EXPECTED_FORMAT['timestamp']}"
        for file, line, column, value, _ in rows
    ]
    more = f"\n({total - len(rows)} more unreadable values not shown)" if total > len(rows) else ""
    msg = f"{total} value(s) in the {what} cannot be read:\n  " + "\n  ".join(lines) + more
    raise InputError(msg)


def load_states(con: duckdb.DuckDBPyConnection, patterns: list[str], *, source_timezone: str) -> StatesLoad:
    """Load agent state files into ``loaded_states``; all files must share one shape."""
    paths = expand_paths(patterns)
    _create(con, STATES_TABLE, STATE_COLUMNS)
    result = StatesLoad()
    for index, path in enumerate(paths):
        fmt = detect_format(path)
        described = _describe(con, READERS[fmt], path)
        by_key, ignored = match_columns(path, described, STATE_COLUMNS)
        found = ", ".join(n for n, _ in described) or "(none)"
        missing = [c for c in ("agent_id", "state") if c not in by_key]
        shapes = [s for s, cols in SHAPES.items() if all(c in by_key for c in cols)]
        if missing or len(shapes) != 1:
            why = (
                f"missing required column(s) {', '.join(missing)}"
                if missing
                else "has both started_at and at" if shapes else "has neither started_at nor at"
            )
            msg = (
                f"{path}: not an agent state log: {why} (found: {found}). Give intervals "
                "(agent_id, state, started_at, ended_at) or events (agent_id, state, at)."
            )
            raise InputError(msg)
        shape = shapes[0]
        if shape == "intervals" and "ended_at" not in by_key:
            msg = f"{path}: interval-shaped state log without an ended_at column (found: {found})"
            raise InputError(msg)
        if result.shape and shape != result.shape:
            msg = f"{path}: {shape}-shaped, but {result.files[0].path} is {result.shape}-shaped; give one shape"
            raise InputError(msg)
        result.shape = shape
        rows = insert_typed(
            con, path, table=STATES_TABLE, columns=STATE_COLUMNS, by_key=by_key, fmt=fmt, reader=READERS[fmt],
            file_index=index, source_timezone=source_timezone,
        )
        result.files.append(SourceFile(path=path, format=fmt, rows=rows, ignored_columns=tuple(ignored)))
    _check_unreadable(con, STATES_TABLE, result.files, "agent state log")
    return result


def load_roster(con: duckdb.DuckDBPyConnection, path_text: str) -> RosterLoad:
    """Load a roster into ``roster`` (agent_id, team, supervisor, site); one row per agent."""
    [path] = expand_paths([path_text])
    fmt = detect_format(path)
    described = _describe(con, READERS[fmt], path)
    by_key, _ignored = match_columns(path, described, ROSTER_COLUMNS)
    missing = [c.name for c in ROSTER_COLUMNS if c.required and c.name not in by_key]
    if missing:
        found = ", ".join(n for n, _ in described) or "(none)"
        msg = f"{path}: roster lacks column(s) {', '.join(missing)} (found: {found}); give agent_id, team"
        raise InputError(msg)
    staging = "loaded_roster"
    _create(con, staging, ROSTER_COLUMNS)
    rows = insert_typed(
        con, path, table=staging, columns=ROSTER_COLUMNS, by_key=by_key, fmt=fmt, reader=READERS[fmt],
        file_index=0, source_timezone="UTC",
    )
    label = POSITION_LABEL[fmt]
    problems = con.execute(
        "SELECT agent_id, list(_line ORDER BY _line) FROM loaded_roster "
        "GROUP BY agent_id HAVING count(*) > 1 OR agent_id IS NULL ORDER BY min(_line) LIMIT 5"
    ).fetchall()
    if problems:
        lines = [
            f"{label}s {', '.join(map(str, ls))}: "
            + ("no agent_id" if agent is None else f"agent_id {agent!r} listed {len(ls)} times")
            for agent, ls in problems
        ]
        msg = f"{path}: each roster row needs a distinct agent_id:\n  " + "\n  ".join(lines)
        raise InputError(msg)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {ROSTER_TABLE} AS "
        "SELECT agent_id, team, supervisor, site FROM loaded_roster"
    )
    return RosterLoad(path=path, rows=rows)
