"""``csmetrics inspect FILE``: what is in an export, which preset fits, and a starter mapping.

Everything is read with DuckDB (one query for the samples); the guesses are made on column
names and a few sample values (csmetrics/inputs/guess.py), then checked with one query each over the
whole file (csmetrics/inputs/inspect_checks.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from csmetrics.inputs.files import describe, detect_format, read_error, reader_params
from csmetrics.inputs.guess import ColumnInfo, guess_mapping
from csmetrics.inputs.inspect_checks import Probe
from csmetrics.inputs.interactions import file_reader
from csmetrics.inputs.mapping.presets import load_preset, presets_dir
from csmetrics.inputs.preset_match import match_presets
from csmetrics.inputs.records import MappedReader, json_reader
from csmetrics.sqltext import connect, quote_identifier

SAMPLE_ROWS = 2000
SAMPLES = 3

# What each mapping key feeds, for "what is missing for which metrics".
NEEDED_FOR: dict[str, str] = {
    "answered_at": "asa_seconds, service_level, avg_wait_seconds (and answered vs abandoned without an outcome)",
    "ended_at": "abandon waits, talk time when no talk column",
    "talk_seconds": "aht_seconds, avg_talk_seconds (unless ended_at is known)",
    "hold_seconds": "avg_hold_seconds and the hold part of AHT (missing = 0)",
    "acw_seconds": "acw_seconds and the ACW part of AHT (missing = 0)",
    "transferred": "transfer_rate",
    "resolved": "resolution_rate",
    "queue": "--by queue",
    "agent_id": "--by agent",
    "reason": "--by reason",
    "channel": "--by channel (default voice)",
    "direction": "outbound exclusion (default inbound)",
    "customer_id": "repeat-contact metrics",
    "csat": "CSAT metrics",
    "nps": "NPS metrics",
}


@dataclass
class Inspection:
    path: str
    format: str
    rows: int
    columns: list[ColumnInfo]
    presets: list[dict[str, Any]]
    proposed: dict[str, str]  # mapping key -> how (human text)
    missing: dict[str, str]
    mapping_text: str
    notes: list[str]

    def to_document(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "rows": self.rows,
            "columns": [{"name": c.name, "type": c.type, "samples": c.samples} for c in self.columns],
            "presets": self.presets,
            "proposed": self.proposed,
            "missing": self.missing,
            "notes": self.notes,
            "mapping": self.mapping_text,
        }


def inspect_file(path: Path, *, sheet: str | int | None = None) -> Inspection:
    """What the export at ``path`` holds; a file DuckDB cannot read is an InputError naming its line."""
    con = connect()
    try:
        return _inspect(con, path, sheet)
    except duckdb.Error as e:
        raise read_error(con, path, e) from e
    finally:
        con.close()


def _inspect(con: duckdb.DuckDBPyConnection, path: Path, sheet: str | int | None) -> Inspection:
    presets, readers = match_presets(con, path, sheet)
    matching = [p for p in presets if p["matches"]]
    # the columns shown: as the matching preset reads them (JSON records, a shape), else as the file reads
    reader = readers[matching[0]["preset"]] if matching else _plain_reader(con, path, sheet)
    rows = int(con.execute(f"SELECT count(*) FROM {reader.sql}", reader.params).fetchall()[0][0])
    columns = _sample(con, reader.sql, reader.params, reader.described)
    notes = [p["note"] for p in presets if p.get("note")]
    if matching:
        name = matching[0]["preset"]
        text = (presets_dir() / f"{name}.toml").read_text(encoding="utf-8")
        proposed = {k: _describe_spec(v) for k, v in load_preset(name).columns.items()}
        notes.insert(0, f"this looks like a {name} export: use --preset {name} (the mapping below is that preset)")
    else:
        proposed, text, guess_notes = guess_mapping(columns, Probe(con, reader.sql, reader.params))
        notes += guess_notes + ([reader.hint] if reader.hint else [])
    missing = {k: v for k, v in NEEDED_FOR.items() if k not in proposed}
    return Inspection(str(path), reader.format, rows, columns, presets, proposed, missing, text, notes)


def _plain_reader(con: duckdb.DuckDBPyConnection, path: Path, sheet: str | int | None) -> MappedReader:
    """The file as a mapping without records or shape would read it (JSON: every record as JSON fields)."""
    fmt = detect_format(path)
    if fmt == "json":
        return json_reader(con, path, (), None, [])
    reader = file_reader(con, path, fmt, 0, sheet)
    return MappedReader(reader, reader_params(reader, path), describe(con, reader, path), "0", fmt)


def _sample(
    con: duckdb.DuckDBPyConnection, reader: str, params: dict[str, Any], described: list[tuple[str, str]]
) -> list[ColumnInfo]:
    """Each column with a few sample values and (when there are few) its distinct values, from the first rows."""
    parts = [
        f"list(DISTINCT CAST({quote_identifier(n)} AS VARCHAR)) FILTER (WHERE {quote_identifier(n)} IS NOT NULL "
        f"AND trim(CAST({quote_identifier(n)} AS VARCHAR)) <> '')"
        for n, _ in described
    ]
    distinct: list[list[str]] = [[] for _ in described]
    if parts:
        sql = f"SELECT {', '.join(parts)} FROM (SELECT * FROM {reader} LIMIT {SAMPLE_ROWS})"
        distinct = [sorted(v or [])[:50] for v in con.execute(sql, params).fetchall()[0]]
    return [
        ColumnInfo(n, t, _spread(d, SAMPLES), d[:20] if len(d) <= 20 else [])
        for (n, t), d in zip(described, distinct, strict=True)
    ]


def _spread(values: list[str], n: int) -> list[str]:
    if len(values) <= n:
        return values
    step = (len(values) - 1) / (n - 1)
    return [values[round(i * step)] for i in range(n)]


def _describe_spec(spec: dict[str, Any]) -> str:
    if "derive" in spec:
        return " + ".join(spec["derive"])
    if "date" in spec:
        return f"{spec['date']} + {spec['time']}"
    if "first" in spec:
        return " or else ".join(e["from"] if isinstance(e, dict) else e for e in spec["first"])
    src = spec["from"]
    return " & ".join(src) if isinstance(src, list) else str(src)
