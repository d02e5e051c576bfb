"""The metric contract, checked with DuckDB's own parser (``json_serialize_sql``), never a regex.

An aggregate metric's body must be exactly one aggregate expression: wrapped as
``SELECT <body> AS <name> FROM <relation>`` it parses to one SELECT with one item, no WHERE,
GROUP BY, ORDER BY or CTE, and no subquery or window function inside (each would need a pass of
its own). A standalone metric must be one SELECT whose last item is named after the metric.
:func:`column_refs` lists the columns an expression reads, which :mod:`csmetrics.pipeline.contract`
compares with the columns its relation really has.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from typing import Any

import duckdb

from csmetrics.definitions.model import Registry
from csmetrics.errors import DefinitionError
from csmetrics.sqltext import connect, quote_identifier

# Expression classes that make an aggregate need a pass of its own.
_SEPARATE_PASS = {"SUBQUERY": "a subquery", "WINDOW": "a window function"}


@cache
def _parser() -> duckdb.DuckDBPyConnection:
    return connect()


def parse(sql: str) -> dict[str, Any]:
    """DuckDB's syntax tree of one statement (raises ValueError with the parser's message)."""
    text = _parser().execute("SELECT json_serialize_sql($q)", {"q": sql}).fetchall()[0][0]
    tree = json.loads(text)
    if tree.get("error"):
        raise ValueError(str(tree.get("error_message", "cannot be parsed")).strip().splitlines()[0])
    statements = tree["statements"]
    if len(statements) != 1:
        msg = f"{len(statements)} statements where one is expected"
        raise ValueError(msg)
    return statements[0]["node"]


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    if isinstance(tree, dict):
        if "class" in tree:
            yield tree
        for value in tree.values():
            yield from _nodes(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from _nodes(item)


def wrap_aggregate(expression: str, name: str, relation: str) -> str:
    """The query an aggregate metric is alone: its expression over its relation, per group."""
    return (
        f"SELECT columns('^grp__'),\n{expression.strip()}\nAS {quote_identifier(name)}\nFROM {relation}\nGROUP BY ALL"
    )


def aggregate_problem(expression: str, name: str, relation: str) -> str | None:
    """Why ``expression`` is not one aggregate expression over ``relation`` (None when it is)."""
    try:
        node = parse(f"SELECT\n{expression.strip()}\nAS {quote_identifier(name)}\nFROM {relation}")
    except ValueError as e:
        return f"is not one SQL expression ({e})"
    source = node.get("from_table") or {}
    extra = [
        what
        for what, present in (
            ("a second result column (a top-level comma)", len(node.get("select_list", [])) != 1),
            ("a FROM clause of its own", source.get("type") != "BASE_TABLE" or source.get("table_name") != relation),
            ("a WHERE clause", node.get("where_clause") is not None),
            ("a GROUP BY", bool(node.get("group_expressions"))),
            ("a WITH clause", bool(node.get("cte_map", {}).get("map"))),
            ("ORDER BY or LIMIT", bool(node.get("modifiers"))),
        )
        if present
    ]
    for inner in _nodes(node.get("select_list", [])):
        if inner["class"] in _SEPARATE_PASS:
            extra.append(_SEPARATE_PASS[inner["class"]])
    if extra:
        return "has " + ", ".join(dict.fromkeys(extra))
    return None


def column_refs(expression: str, relation: str) -> set[str]:
    """The column names an aggregate expression reads (lower case)."""
    node = parse(f"SELECT\n{expression.strip()}\nFROM {relation}")
    return {
        str(n["column_names"][-1]).lower() for n in _nodes(node.get("select_list", [])) if n["class"] == "COLUMN_REF"
    }


def standalone_problem(sql: str, name: str) -> str | None:
    try:
        node = parse(sql)
    except ValueError as e:
        return f"is not one SQL query ({e})"
    if node.get("type") != "SELECT_NODE":
        return "is not a SELECT query"
    items = node.get("select_list", [])
    if not items or items[-1].get("alias") != name:
        return f"must end its select list with the metric's column, ... AS {name}"
    return None


def check_shapes(registry: Registry) -> None:
    """Every aggregate metric and data-quality expression is one aggregate expression; every standalone
    metric is one query. Raises DefinitionError naming each file and what is wrong with it."""
    problems = []
    for m in registry.metrics:
        where = f"sql/metrics/{m.path.name}"
        if m.kind == "aggregate":
            why = aggregate_problem(m.sql, m.name, m.relation)
            if why:
                problems.append(
                    f"{where} {why}: an aggregate metric is one aggregate expression over {m.relation} "
                    '(or declare kind = "standalone" and write a whole query)'
                )
        else:
            why = standalone_problem(m.sql, m.name)
            if why:
                problems.append(f"{where} {why}")
    for q in registry.quality:
        why = aggregate_problem(q.sql, q.name, "scoped")
        if why:
            problems.append(f"sql/quality/{q.path.name} {why}: it must be one aggregate expression over scoped")
    if problems:
        raise DefinitionError("invalid metric definitions:\n  " + "\n  ".join(problems))
