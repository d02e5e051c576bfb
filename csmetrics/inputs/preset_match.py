"""Which built-in presets read an export: each preset tried on the file as it reads it (record path, shape), and
kept only when a trial read gives contacts (a preset that would read the file as empty does not match)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from csmetrics.errors import InputError
from csmetrics.inputs.interactions import compile_read, mapped_reader
from csmetrics.inputs.mapping.model import MappingError
from csmetrics.inputs.mapping.presets import load_preset, preset_names
from csmetrics.inputs.records import MappedReader


def match_presets(
    con: duckdb.DuckDBPyConnection, path: Path, sheet: str | int | None
) -> tuple[list[dict[str, Any]], dict[str, MappedReader]]:
    """Each preset, whether it matches the file, and the reader of those that can read it.

    A preset matches when its ``detect`` columns are in the file as the preset reads it (inside its record
    path, through its shape) and reading the file with it gives contacts: a record it would read as empty (no
    row that is answered or ended) is not a match, and the note says why."""
    out = []
    readers: dict[str, MappedReader] = {}
    for name in preset_names():
        m = load_preset(name)
        cols = sorted(set(m.source_columns()))
        try:
            reader = mapped_reader(con, path, 0, sheet, m)
        except (InputError, MappingError):
            out.append({"preset": name, "matches": False, "columns_found": 0, "columns_used": len(cols)})
            continue
        readers[name] = reader
        names = {n.strip().lower() for n, _ in reader.described}
        heads = {n.strip().lower() for n, t in reader.described if t.startswith("STRUCT") or t == "JSON"}

        def has(col: str, names: set[str] = names, heads: set[str] = heads) -> bool:
            c = col.strip().lower()
            return c in names or (c.partition(".")[0] in heads)

        found = [c for c in cols if has(c)]
        entry: dict[str, Any] = {
            "preset": name,
            "matches": bool(m.detect) and all(has(c) for c in m.detect),
            "columns_found": len(found),
            "columns_used": len(cols),
        }
        if entry["matches"]:
            problem = trial_read(con, path, reader, m)
            if problem is not None:
                entry["matches"] = False
                if problem:
                    entry["note"] = f"{name}: its columns are here, but {problem}"
        out.append(entry)
    out.sort(key=lambda p: (not p["matches"], -p["columns_found"] / max(p["columns_used"], 1)))
    return out, readers


def trial_read(con: duckdb.DuckDBPyConnection, path: Path, reader: MappedReader, mapping: Any) -> str | None:
    """None when reading ``path`` with ``mapping`` gives contacts, else why not ('' when not worth a note)."""
    try:
        compiled = compile_read(con, path, reader, mapping, "UTC")
        total, usable = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE interaction_id IS NOT NULL AND offered_at IS NOT NULL "
            f"AND (answered_at IS NOT NULL OR ended_at IS NOT NULL)) FROM ({compiled.sql})",
            compiled.params,
        ).fetchall()[0]
    except MappingError as e:
        return f"the preset cannot read the file: {e}"
    except (InputError, duckdb.Error):
        # a value to map: the preset fits (the run says which value and how to add it); a shape that cannot
        # read the file at all does not
        return "" if mapping.shape else None
    if mapping.shape and not total:  # a shape's columns always exist: it fits only when it finds contacts
        return ""
    if total and not usable:
        return f"reading it gives {total} row(s) with no answer and no end time: it would read as empty"
    return None
