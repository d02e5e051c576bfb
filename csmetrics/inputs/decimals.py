"""Decimal commas in CSV exports (``679,5`` seconds in a ``;``-delimited file).

The decimal separator of a CSV export is ``--decimal-separator`` (or ``[source] decimal_separator`` of a
mapping) when given. Otherwise it is decided per file, from its values: a file delimited by ``;`` (the
delimiter of locales that write a decimal comma) whose number columns (durations, survey scores) hold at
least one value with a decimal comma and none with a decimal point is read with a decimal comma, and
data_quality says so (the command prints a note). Any other file reads a decimal point.

With a decimal comma a value is read after its comma is made a point, so ``679,5`` is 679.5 (and ``679.5``
still reads; a value with both, ``1.234,5``, does not: thousands separators are not read, in either form).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import duckdb

from csmetrics.inputs import textformat
from csmetrics.inputs.csvfiles import READER, CsvDialect
from csmetrics.inputs.files import reader_params
from csmetrics.sqltext import quote_identifier

COMMA_NUMBER = r"[+-]?[0-9]*,[0-9]+"
POINT_NUMBER = r"[+-]?[0-9]*\.[0-9]+"
KINDS = ("number", "score")  # the column kinds whose text values are numbers


def as_point(source: str) -> str:
    """SQL: the text ``source`` with a decimal comma made a point."""
    return f"replace({source}, ',', '.')"


def choose(con: duckdb.DuckDBPyConnection, path: Path, dialect: CsvDialect, sources: Iterable[str]) -> tuple[str, bool]:
    """(the decimal separator of the CSV export ``path``, whether it was detected from its values), for its
    number columns ``sources`` (source names)."""
    given = textformat.active().decimal_separator
    if given is not None:
        return given, False
    names = list(sources)
    if dialect.delimiter != ";" or not names:
        return ".", False
    commas = " + ".join(
        f"count(*) FILTER (WHERE regexp_full_match(trim({quote_identifier(n)}), '{COMMA_NUMBER}'))" for n in names
    )
    points = " + ".join(
        f"count(*) FILTER (WHERE regexp_full_match(trim({quote_identifier(n)}), '{POINT_NUMBER}'))" for n in names
    )
    try:
        found = con.execute(f"SELECT {commas}, {points} FROM {READER}", reader_params(READER, path)).fetchall()
        comma, point = found[0]
    except duckdb.Error:  # a record that does not parse: the read that follows reports it
        return ".", False
    return ("," if comma and not point else "."), bool(comma and not point)


def comma_hint(values: Iterable[str]) -> str | None:
    """The fix for unreadable numbers written with a decimal comma, or None."""
    for value in values:
        if re.fullmatch(COMMA_NUMBER, str(value).strip()):
            return (
                f'{value.strip()} uses a decimal comma: give --decimal-separator , (or decimal_separator = "," '
                "under [source] in the mapping); thousands separators are not read"
            )
    return None
