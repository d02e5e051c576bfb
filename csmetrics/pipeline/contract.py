"""The metric contract against the real relations: a dry run of the pipeline on empty inputs.

Each relation a metric can read (``scoped``, ``state_time``, ``concurrency_time``) is built from
the SQL files on empty input tables; then every metric must read only columns its relation
provides (named, file and column, when it does not) and must bind (DuckDB's binder accepts it as
an aggregate per group). It runs in the tests, for `csmetrics definitions`, and when a report's query
fails (csmetrics.api.open_session: the contract's message then replaces DuckDB's); once per process.
"""

from __future__ import annotations

import re

import duckdb

from csmetrics.definitions.config import resolve
from csmetrics.definitions.contract import column_refs, wrap_aggregate
from csmetrics.definitions.model import Registry
from csmetrics.errors import DefinitionError
from csmetrics.pipeline import compose
from csmetrics.pipeline.session import Session
from csmetrics.sqltext import first_line

_VERIFIED: set[int] = set()
_MISSING_COLUMN = re.compile(r'Referenced column "([^"]+)" not found')


def _columns(session: Session, sql: str) -> set[str]:
    return {str(r[0]).lower() for r in session.con.execute(f"DESCRIBE {sql}").fetchall()}


def _relations(session: Session) -> dict[str, tuple[str, set[str]]]:
    """Relation name -> (the query defining it, its columns), with no grouping."""
    registry = session.registry
    chain = compose.scoped_chain(registry, [], external=False, business=True)
    scoped = chain.select("SELECT * FROM scoped")
    out = {"scoped": (scoped, _columns(session, scoped))}
    for fragment, table, kind in (
        ("state_time", "state_time", "state"),
        ("concurrency_time", "concurrency_time", "level"),
    ):
        session.execute(compose.pieces_table(registry, fragment, table, kind, []), {}, fragment)
        out[table] = (f"SELECT * FROM {table}", _columns(session, f"SELECT * FROM {table}"))
    session.execute(f"CREATE OR REPLACE TEMP TABLE scoped AS {scoped}", {}, "scoped")
    session.execute(compose.backlog_table(registry, []), {}, "backlog_rows")
    return out


def _binding_problem(session: Session, sql: str) -> str | None:
    try:
        session.con.execute(f"DESCRIBE {sql}")
    except duckdb.Error as e:
        missing = _MISSING_COLUMN.search(str(e))
        return f"reads column {missing.group(1)}, which is not there" if missing else f"does not run: {first_line(e)}"
    return None


def check_relations(registry: Registry) -> None:
    """Every metric reads only columns its relation provides, and binds; DefinitionError naming file and column."""
    if id(registry) in _VERIFIED:
        return
    problems: list[str] = []
    with Session(registry=registry) as session:
        session.prepare(resolve(registry=registry))
        relations = _relations(session)
        for m in registry.metrics:
            where = f"sql/metrics/{m.path.name}"
            if m.kind == "aggregate":
                _, columns = relations[m.relation]
                missing = sorted(column_refs(m.sql, m.relation) - columns)
                if missing:
                    problems.append(
                        f"{where} reads column(s) {', '.join(missing)}, which {m.relation} does not provide "
                        f"(it has: {', '.join(sorted(c for c in columns if not c.startswith('grp__')))})"
                    )
                    continue
                why = _binding_problem(session, wrap_aggregate(m.sql, m.name, m.relation))
            else:
                why = _binding_problem(session, m.sql)
            if why:
                problems.append(f"{where} {why}")
        for q in registry.quality:
            why = _binding_problem(session, wrap_aggregate(q.sql, q.name, "scoped"))
            if why:
                problems.append(f"sql/quality/{q.path.name} {why}")
    if problems:
        raise DefinitionError("invalid metric definitions:\n  " + "\n  ".join(problems))
    _VERIFIED.add(id(registry))
