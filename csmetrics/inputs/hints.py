"""What to tell a user whose file lacks the columns csmetrics needs: an empty file, a misspelt
header, the data on another sheet, or a file of another kind. Messages only; no SQL here."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

# Header names DuckDB invents when a CSV has no header line at all (an empty or blank file).
_INVENTED = {"column0", "column00", "column000"}


def is_empty(path: Path, found: Sequence[str]) -> bool:
    """True when the file holds no header and no record (only whitespace, or nothing)."""
    if found and not set(found) <= _INVENTED:
        return False
    try:
        with path.open("rb") as f:
            return not f.read(1 << 16).strip()
    except OSError:
        return False


def closest(missing: str, found: Sequence[str]) -> str | None:
    """The header in ``found`` most like the canonical name ``missing`` (``offerd_at`` for ``offered_at``)."""
    lowered = {name.strip().lower(): name for name in found}
    match = difflib.get_close_matches(missing, list(lowered), n=1, cutoff=0.75)
    return lowered[match[0]] if match else None


def sheets_of(path: Path) -> list[str]:
    """The sheet names of an .xlsx workbook ([] when it cannot be read: the reader says why elsewhere)."""
    try:
        import fastexcel

        return list(fastexcel.read_excel(str(path)).sheet_names)
    except Exception:  # only a hint: the reader reports real errors
        return []


def missing_columns(
    path: Path,
    fmt: str,
    missing: Sequence[str],
    found: Sequence[str],
    *,
    sheet: str | int | None = None,
    other_kinds: dict[str, tuple[Sequence[str], Sequence[str], str]] | None = None,
) -> str:
    """The message for a file without ``missing`` canonical columns: what is wrong and how to fix it.

    ``other_kinds`` maps a kind of file (``an agent state log``) to (the columns it has, columns it never has,
    the option that reads it), so a file given in the wrong place is named as what it is."""
    if is_empty(path, found):
        return f"{path}: the file is empty (no header line and no records); check the path or export it again"
    lines = [f"{path}: missing required column(s) {', '.join(missing)} (found: {', '.join(found) or '(none)'})."]
    renames = [(m, c) for m in missing if (c := closest(m, found)) is not None]
    for m, c in renames:
        lines.append(f"  '{c}' looks like {m}: rename it in the header, or map it: [columns] {m} = \"{c}\"")
    headers = {f.strip().lower() for f in found}
    for kind, (has, lacks, option) in (other_kinds or {}).items():
        if has and headers.issuperset(has) and not headers.intersection(lacks):
            lines.append(f"  this looks like {kind}: give it with {option}")
    if fmt == "xlsx":
        sheets = sheets_of(path)
        if len(sheets) > 1:
            shown = "the first sheet" if sheet is None else f"sheet {sheet!r}"
            lines.append(f"  read {shown}; the workbook has sheets: {', '.join(sheets)} (choose one with --sheet)")
    lines.append(
        "  The first line must be a header naming the canonical columns (README 'Input schema'); for a vendor "
        "export use --preset or --mapping, and `csmetrics inspect FILE` writes a starter mapping."
    )
    return "\n".join(lines)
