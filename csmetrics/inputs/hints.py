"""What to tell a user whose file lacks the columns csmetrics needs: an empty file, a misspelt
header, the data on another sheet, or a file of another kind. Messages only; no SQL here."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path

from csmetrics.errors import InputError
from csmetrics.inputs.sources import sheet_names

# Header names DuckDB invents when a CSV has no header line at all (an empty or blank file).
_INVENTED = re.compile(r"column\d+")


def is_empty(path: Path, found: Sequence[str]) -> bool:
    """True when the file holds no header and no record (only whitespace, or nothing)."""
    if any(name.strip() and not _INVENTED.fullmatch(name) for name in found):
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
        return sheet_names(path)
    except InputError:  # only a hint: the reader reports real errors
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
        f"export, `csmetrics inspect {path}` names the preset that reads it (--preset NAME) or writes a starter "
        "mapping (--mapping FILE)."
    )
    return "\n".join(lines)


_NUMERIC_DATE = re.compile(
    r"^\s*(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})"
    r"(?:[ T](?P<h>\d{1,2}):(?P<m>\d{2})(?P<s>:\d{2})?)?\s*$"
)


def numeric_date_format(example: str, first: int, second: int) -> tuple[str, str] | None:
    """The strptime format of dates written like ``example`` (04/03/2024 13:03), given the largest first and
    second numbers seen, and why that order was chosen; None when ``example`` is not such a date or neither
    order fits (both numbers above 12)."""
    m = _NUMERIC_DATE.match(str(example))
    if m is None or (first > 12 and second > 12):
        return None
    year = "%Y" if len(m["year"]) == 4 else "%y"
    clock = "" if m["h"] is None else (" %H:%M:%S" if m["s"] else " %H:%M")
    sep = m["sep"]
    if first > 12:
        order, why = "%d{0}%m", f"day first: {first} cannot be a month"
    elif second > 12:
        order, why = "%m{0}%d", f"month first: {second} cannot be a month"
    else:
        order, why = "%d{0}%m", "day first assumed: every value fits both orders; use %m/%d for month first"
    return order.format(sep) + f"{sep}{year}{clock}", why


def date_order(values: Sequence[str]) -> tuple[str, str] | None:
    """For dates written 04/03/2024 13:03: the strptime format and why it was chosen, decided from the values
    (a first number above 12 is a day, a second above 12 is a day); None when the values are not such dates."""
    found = [m for v in values if (m := _NUMERIC_DATE.match(str(v)))]
    if not found or len(found) < len(values):
        return None
    first = max(int(m["a"]) for m in found)
    second = max(int(m["b"]) for m in found)
    return numeric_date_format(str(values[0]), first, second)


def date_format_fix(bad: Sequence[tuple[str, str]]) -> str:
    """The mapping that reads day-first or month-first dates: ``bad`` holds (column, value) of unreadable times."""
    by_column: dict[str, list[str]] = {}
    for column, value in bad:
        by_column.setdefault(column, []).append(value)
    lines = []
    for column, values in by_column.items():
        decided = date_order(values)
        if decided is not None:
            fmt, why = decided
            lines.append(f'{column} = {{ from = "{column}", format = "{fmt}" }}   # {why}')
    if not lines:
        return ""
    return (
        "These look like dates written day/month or month/day. A mapping (--mapping FILE) reads them:\n"
        '  [columns]\n  interaction_id = "interaction_id"\n  '
        + "\n  ".join(lines)
        + "\n  # and the same for answered_at and ended_at when they are written the same way"
    )
