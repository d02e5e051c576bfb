"""Agent state logs (--states) and a roster (--roster) as SELECTs, with their header checks.

The same readers and value parsers as the interaction exports: paths are bound parameters, column
names pass the allow-lists (``STATE_COLUMNS``/``ROSTER_COLUMNS``) and
:func:`csmetrics.sqltext.quote_identifier`. A state file has one of two shapes, decided per file
from its header:

- intervals: ``agent_id, state, started_at, ended_at``;
- events: ``agent_id, state, at`` (each state lasts until the agent's next event).

All state files of one run must have the same shape. Validation (rejected rows, event ends, the
cut at the data span end) is the step ``sql/steps/states.sql``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from csmetrics.errors import InputError
from csmetrics.inputs.files import (
    READERS,
    SHOWN_PROBLEMS,
    Relation,
    SourceFile,
    describe,
    detect_format,
    expand_paths,
    match_columns,
    positioned_reader,
    unreadable_error,
)
from csmetrics.inputs.interactions import FileRead, csv_read, typed_relation
from csmetrics.inputs.schema import EXPECTED_FORMAT, ROSTER_COLUMNS, STATE_COLUMNS

SHAPES = {"intervals": ("started_at",), "events": ("at",)}


@dataclass(frozen=True)
class StatesPlan:
    shape: str
    reads: list[FileRead]


def plan_states(
    con: duckdb.DuckDBPyConnection, patterns: list[str], *, source_timezone: str, first_index: int = 0
) -> StatesPlan:
    """The SELECT of each agent state file; all files must share one shape."""
    shape = ""
    reads: list[FileRead] = []
    for offset, path in enumerate(expand_paths(patterns)):
        fmt = detect_format(path)
        described = describe(con, READERS[fmt], path)
        by_key, ignored = match_columns(path, described, STATE_COLUMNS)
        file_shape = _shape(path, by_key, described)
        if shape and file_shape != shape:
            msg = f"{path}: {file_shape}-shaped, but {reads[0].source.path} is {shape}-shaped; give one shape"
            raise InputError(msg)
        shape = file_shape
        source = SourceFile(path=path, format=fmt, ignored_columns=tuple(ignored))
        index = first_index + offset
        if fmt == "csv":
            reads.append(csv_read(path, STATE_COLUMNS, by_key, index, source_timezone, source, con))
            continue
        relation = typed_relation(path, STATE_COLUMNS, by_key, fmt, READERS[fmt], index, source_timezone)
        reads.append(FileRead(source, relation))
    return StatesPlan(shape, reads)


def _shape(path: Path, by_key: dict[str, tuple[str, str]], described: list[tuple[str, str]]) -> str:
    found = ", ".join(n for n, _ in described) or "(none)"
    missing = [c for c in ("agent_id", "state") if c not in by_key]
    shapes = [s for s, cols in SHAPES.items() if all(c in by_key for c in cols)]
    if missing or len(shapes) != 1:
        why = (
            f"missing required column(s) {', '.join(missing)}"
            if missing
            else "has both started_at and at"
            if shapes
            else "has neither started_at nor at"
        )
        msg = (
            f"{path}: not an agent state log: {why} (found: {found}). Give intervals "
            "(agent_id, state, started_at, ended_at) or events (agent_id, state, at)."
        )
        raise InputError(msg)
    if shapes[0] == "intervals" and "ended_at" not in by_key:
        msg = f"{path}: interval-shaped state log without an ended_at column (found: {found})"
        raise InputError(msg)
    return shapes[0]


def check_unreadable_states(con: duckdb.DuckDBPyConnection, rows_sql: str, files: Iterable[SourceFile]) -> None:
    """Raise InputError naming file, line, column and value if a value of the state rows ``rows_sql`` selects
    could not be read."""
    rows = con.execute(
        f"SELECT _file, _line, _bad_column, _bad_value, count(*) OVER () FROM ({rows_sql}) "
        f"WHERE _bad_column IS NOT NULL ORDER BY _seq LIMIT {SHOWN_PROBLEMS}"
    ).fetchall()
    if rows:
        labels = {str(f.path): f.label for f in files}
        expected = {c.name: EXPECTED_FORMAT["timestamp"] for c in STATE_COLUMNS if c.kind == "timestamp"}
        raise unreadable_error(rows, labels, expected, what="agent state log")


def plan_roster(con: duckdb.DuckDBPyConnection, path_text: str) -> FileRead:
    """The roster's SELECT (agent_id, team, supervisor, site); one row per agent, checked here."""
    [path] = expand_paths([path_text])
    fmt = detect_format(path)
    described = describe(con, READERS[fmt], path)
    by_key, _ignored = match_columns(path, described, ROSTER_COLUMNS)
    missing = [c.name for c in ROSTER_COLUMNS if c.required and c.name not in by_key]
    if missing:
        found = ", ".join(n for n, _ in described) or "(none)"
        msg = f"{path}: roster lacks column(s) {', '.join(missing)} (found: {found}); give agent_id, team"
        raise InputError(msg)
    reader, position, label = positioned_reader(con, path, fmt, "roster")
    relation = typed_relation(path, ROSTER_COLUMNS, by_key, fmt, reader, 0, "UTC", position=position)
    problems = con.execute(
        f"SELECT agent_id, list(_line ORDER BY _line) FROM ({relation.sql}) "
        "GROUP BY agent_id HAVING count(*) > 1 OR agent_id IS NULL ORDER BY min(_line) LIMIT 5",
        relation.params,
    ).fetchall()
    if problems:
        lines = [
            f"{label}s {', '.join(map(str, ls))}: "
            + ("no agent_id" if agent is None else f"agent_id {agent!r} listed {len(ls)} times")
            for agent, ls in problems
        ]
        msg = f"{path}: each roster row needs a distinct agent_id:\n  " + "\n  ".join(lines)
        raise InputError(msg)
    return FileRead(
        SourceFile(path=path, format=fmt, position=label),
        Relation(f"SELECT agent_id, team, supervisor, site FROM ({relation.sql})", relation.params),
    )
