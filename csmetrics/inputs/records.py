"""Exports read through a mapping whose records DuckDB cannot take as table rows on its own.

- **JSON records.** Whatever the framing (JSON lines, objects concatenated without separator as Kinesis Data
  Firehose writes them, a JSON array, or wrapper objects such as an API page ``{"calls": [...], "count": 6}``),
  every record is read as one JSON value: no struct is auto-detected, so free-form maps (Amazon Connect
  ``Attributes``, whose names may differ only in case) never stop a file. ``[source] records`` names where the
  records sit in a wrapper (``"calls"``, ``"resultSet.completedContacts"``; a list: the first one a value holds);
  a value holding none of them is a record itself, and the elements of a top-level array are records. The
  record's top-level fields become columns of type JSON (read from the record as the mapping uses them).
- **Shapes** (:mod:`csmetrics.inputs.shapes`): the records (or the queue_log lines) go through the shape's
  fixed SQL, whose output columns the mapping then reads.

Paths, record paths and field names are bound parameters; column names reach SQL through ``quote_identifier``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from csmetrics.errors import InputError
from csmetrics.inputs.shapes import POSITION, QUEUE_LOG_READER, SHAPES
from csmetrics.sqltext import first_line, quote_identifier

# Every value of the file as DuckDB's JSON reader frames it (JSON lines, concatenated values, or an array's
# elements), numbered in file order.
_VALUES = "(SELECT json, row_number() OVER () AS __value FROM read_json_objects($path, format = 'auto'))"


@dataclass(frozen=True)
class MappedReader:
    """What a mapping reads from one file: a relation (for FROM), the values it binds, its columns, the SQL of a
    row's position in the file, and the format reported for the file."""

    sql: str
    params: dict[str, Any]
    described: list[tuple[str, str]]
    position: str
    format: str
    hint: str = ""  # added to a mapping error about a missing column (e.g. where the records may be)
    keys: list[str] = field(default_factory=list)


def _quoted(key: str) -> str:
    return '."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def json_path(dotted: str) -> str:
    """A JSON path for a dotted field name: ``resultSet.completedContacts`` -> ``$."resultSet"."completedContacts"``."""
    return "$" + "".join(_quoted(p) for p in dotted.split("."))


def key_path(key: str) -> str:
    """A JSON path for one field, whatever characters its name has (dots included)."""
    return "$" + _quoted(key)


# SQL: the JSON path of the field named by the column ``key`` (as key_path does)
_KEY_PATH_SQL = "('$.\"' || replace(replace(key, '\\', '\\\\'), '\"', '\\\"') || '\"')"


def _records_sql(paths: tuple[str, ...], params: dict[str, Any]) -> str:
    """SELECT __rec (one JSON record), __csm_pos (its number in the file): the records of every value."""
    whens = []
    for i, dotted in enumerate(paths):
        params[f"rp{i}x"] = json_path(dotted)
        params[f"rl{i}x"] = json_path(dotted) + "[*]"
        whens.append(
            f"WHEN json_type(json, $rp{i}x) = 'ARRAY' THEN json_extract(json, $rl{i}x) "
            f"WHEN json_type(json, $rp{i}x) = 'OBJECT' THEN [json_extract(json, $rp{i}x)]"
        )
    unwrap = " ".join(["WHEN json_type(json) = 'ARRAY' THEN json_extract(json, '$[*]')", *whens])
    return (
        f"SELECT __rec, row_number() OVER () AS {POSITION} FROM "
        f"(SELECT unnest(CASE {unwrap} ELSE [json] END) AS __rec FROM {_VALUES})"
    )


def _discover(
    con: duckdb.DuckDBPyConnection, records: str, params: dict[str, Any], path: Path
) -> tuple[int, int, list[str], list[str]]:
    """(records, records that are not objects, their top-level keys in order of first appearance, keys whose value
    is an array of objects somewhere: where records may be nested)."""
    sql = (
        f"WITH r AS ({records}), k AS (SELECT {POSITION}, unnest(json_keys(__rec)) AS key, __rec FROM r "
        f"WHERE json_type(__rec) = 'OBJECT') "
        f"SELECT (SELECT count(*) FROM r), (SELECT count(*) FILTER (WHERE json_type(__rec) <> 'OBJECT') FROM r), "
        f"(SELECT list(key ORDER BY first, key) FROM (SELECT key, min({POSITION}) AS first FROM k GROUP BY key)), "
        f"(SELECT list(DISTINCT key) FROM k WHERE json_type(json_extract(__rec, {_KEY_PATH_SQL})) = 'ARRAY' "
        f"AND json_type(json_extract(__rec, {_KEY_PATH_SQL} || '[0]')) = 'OBJECT')"
    )
    try:
        n, not_objects, keys, arrays = con.execute(sql, params).fetchall()[0]
    except duckdb.Error as e:
        msg = f"{path}: cannot be read as JSON: {first_line(e)}"
        raise InputError(msg) from e
    return int(n), int(not_objects), list(keys or []), sorted(arrays or [])


def _unique_folded(keys: list[str]) -> list[str]:
    """Keys as columns: DuckDB column names ignore case, so of two keys differing only in case the first stays."""
    seen: set[str] = set()
    out = []
    for key in keys:
        if key.lower() not in seen:
            seen.add(key.lower())
            out.append(key)
    return out


def describe_relation(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any], path: Path):
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM {sql}", params).fetchall()
    except duckdb.Error as e:
        msg = f"{path}: cannot be read: {first_line(e)}"
        raise InputError(msg) from e
    return [(r[0], r[1]) for r in rows if r[0] != POSITION]


def queue_log_reader(con: duckdb.DuckDBPyConnection, path: Path, shape_name: str) -> MappedReader:
    """An event log read line by line (no header) and turned into contacts by its shape."""
    shape = SHAPES[shape_name]
    lines = f"(SELECT *, row_number() OVER () AS {POSITION} FROM {QUEUE_LOG_READER})"
    sql = f"({shape.sql(lines)})"
    params = {"path": str(path)}
    return MappedReader(sql, params, describe_relation(con, sql, params, path), POSITION, shape.format)


def json_reader(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    record_paths: tuple[str, ...],
    shape_name: str | None,
    fallback: list[str],
) -> MappedReader:
    """The records of a JSON file as a relation: through the shape when it applies, else one JSON column per
    top-level field. ``fallback``: the columns to describe when the file holds no record at all (an empty page)."""
    params: dict[str, Any] = {"path": str(path)}
    records = _records_sql(record_paths, params)
    n, not_objects, keys, arrays = _discover(con, records, params, path)
    if not_objects:
        msg = (
            f"{path}: {not_objects} of {n} JSON record(s) are not objects (a record must be an object of fields); "
            "name where the records are with [source] records in the mapping"
        )
        raise InputError(msg)
    shape = SHAPES.get(shape_name or "")
    if shape is not None and shape.reads == "json" and shape.applies_to_key in keys:
        sql = f"({shape.sql(f'({records})')})"
        return MappedReader(sql, params, describe_relation(con, sql, params, path), POSITION, "json", keys=keys)
    columns = _unique_folded(keys if n else [c.partition(".")[0] for c in fallback])
    parts = []
    for i, key in enumerate(columns):
        params[f"rk{i}x"] = key_path(key)
        parts.append(f"json_extract(__rec, $rk{i}x) AS {quote_identifier(key)}")
    select = ", ".join([*parts, POSITION])
    sql = f"(SELECT {select} FROM ({records}))"
    hint = ""
    if arrays and not record_paths:
        hint = (
            f"the records may be in {', '.join(repr(a) for a in arrays)}: name it with "
            f'[source] records = "{arrays[0]}" in the mapping'
        )
    return MappedReader(sql, params, [(c, "JSON") for c in columns], POSITION, "json", hint=hint, keys=keys)
