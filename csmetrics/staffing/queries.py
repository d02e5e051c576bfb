"""The SQL of the from-data staffing computation: ``sql/staffing/<name>.sql``, each with its header.

These queries read the report's contacts (``scoped``) or the report's own rows (``staffing_rows``); the
only value bound into them is ``$interval_seconds``, the length of the ``--by`` interval.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from csmetrics.definitions.registry import HEADER, sql_dir
from csmetrics.errors import DefinitionError

FOLDER = "staffing"


@dataclass(frozen=True)
class StaffingQuery:
    name: str
    description: str
    reads: tuple[str, ...]
    path: Path
    sql: str


@cache
def staffing_query(name: str) -> StaffingQuery:
    """``sql/staffing/<name>.sql``, its header checked (name equal to the file name, a description)."""
    path = sql_dir() / FOLDER / f"{name}.sql"
    where = f"sql/{FOLDER}/{name}.sql"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        msg = f"{where}: cannot be read: {e}"
        raise DefinitionError(msg) from None
    match = HEADER.match(text)
    if match is None:
        msg = f"{where}:1: missing the '/* csmetrics ... */' header"
        raise DefinitionError(msg)
    try:
        header = tomllib.loads(match.group("toml"))
    except tomllib.TOMLDecodeError as e:
        msg = f"{where}: header is not valid TOML: {e}"
        raise DefinitionError(msg) from None
    if header.get("name") != name or not header.get("description"):
        msg = f"{where}: header needs name = {name!r} and a description"
        raise DefinitionError(msg)
    return StaffingQuery(
        name=name,
        description=str(header["description"]),
        reads=tuple(header.get("reads", ())),
        path=path,
        sql=text[match.end() :].strip().rstrip(";") + "\n",
    )
