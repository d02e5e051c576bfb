"""A comparison (the JSON document of ``csmetrics compare``) as JSON, CSV, Markdown or a table for a terminal.

Everything here reads the documented JSON shape (docs/compare.schema.json), so a rendering can never show
something the document does not hold. The table is laid out for a 100-column terminal: values as the report prints
them, the change signed (percentage points for rates), the 95 % interval, the p-value, which direction is better
and the verdict in words; ``*`` marks a change significant at 5 %.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from csmetrics.render.values import format_value, formula_safe, short

COMPARE_FORMATS = ("table", "json", "csv", "markdown")
_HEADINGS = ("before", "after", "change", "95% interval", "p", "better", "verdict")


def compare_json(document: Mapping[str, Any]) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode()


def _value(value: Any, unit: str) -> str:
    if value is not None and unit == "number":
        return f"{value:.4g}"
    return format_value(value, unit)


def _duration(seconds: float) -> str:
    total = round(abs(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def signed(value: Any, unit: str, digits: int = 3) -> str:
    """A difference as people read it: percentage points for rates, ±m:ss for durations, signed counts."""
    if value is None:
        return "-"
    if unit == "ratio":
        return f"{value * 100:+.1f}"
    if unit == "seconds":  # under a minute to a tenth of a second, else as m:ss
        return f"{value:+.1f}s" if abs(value) < 59.95 else ("-" if value < 0 else "+") + _duration(value)
    if unit == "count":
        return f"{int(value):+,}"
    if unit == "number":
        return f"{value:+.{digits}g}"
    return f"{value:+.2f}"


def _change(row: Mapping[str, Any]) -> str:
    text = signed(row["difference"], row["unit"])
    if row["difference"] is not None and row["unit"] == "ratio":
        text += " pp"
    return text + ("*" if row["significant"] else " ")


def _interval(row: Mapping[str, Any]) -> str:
    if row["ci_low"] is None or row["ci_high"] is None:
        return "-"
    return f"{signed(row['ci_low'], row['unit'], 2)}..{signed(row['ci_high'], row['unit'], 2)}"


def _p(value: Any) -> str:
    if value is None:
        return "-"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _targets(row: Mapping[str, Any]) -> str:
    return "; ".join(f"{t['before']}→{t['after']}" for t in row.get("targets", [])) or "-"


def cells(row: Mapping[str, Any], labels: Mapping[str, str]) -> list[str]:
    """The table cells of one row after its group keys: metric, before, after, change, interval, p, better, verdict."""
    return [
        labels.get(row["metric"], row["metric"]),
        _value(row["before"], row["unit"]),
        _value(row["after"], row["unit"]),
        _change(row),
        _interval(row),
        _p(row["p_value"]),
        row["better"] or "",
        row["verdict"],
    ]


def _with_targets(document: Mapping[str, Any]) -> bool:
    return any(row.get("targets") for row in document["rows"])


def _period(side: Mapping[str, Any]) -> str:
    return f"{side['period']['from']} to {side['period']['to']}"


def title(document: Mapping[str, Any]) -> str:
    return f"compare: before {_period(document['before'])}, after {_period(document['after'])} ({document['timezone']})"


def caption_lines(document: Mapping[str, Any], labels: Mapping[str, str]) -> list[str]:
    """What the table needs to be read right: the legend, the methods, the notes, both fingerprints."""
    comparison = document["comparison"]
    methods = list(dict.fromkeys(row["method"] for row in document["rows"]))
    lines = [
        f"change = after - before (rates in percentage points); * = significant at "
        f"{comparison['significance_level']:.0%} (two-sided p < {comparison['significance_level']}); "
        f"interval: {comparison['confidence']:.0%} interval of the change; better: the direction that is better",
        f"methods: {'; '.join(methods)} (compare.cluster = {comparison['cluster']})",
    ]
    if _with_targets(document):
        lines.append("target: each target's outcome before→after (met, missed, no_data)")
    seen: set[str] = set()
    for row in document["rows"]:
        if (
            row["note"]
            and row["p_value"] is None
            and row["unit"] not in ("count", "hours")
            and row["metric"] not in seen
        ):
            seen.add(row["metric"])
            lines.append(f"note: {labels.get(row['metric'], row['metric'])}: {row['note']}")
    lines += comparison.get("notes", [])
    params = ", ".join(f"{k}={short(v)}" for k, v in document["definitions"]["parameters"].items())
    lines.append(
        f"definitions before {document['before']['definitions_fingerprint']}, after "
        f"{document['after']['definitions_fingerprint']}: {params}"
    )
    return lines


def compare_table(document: Mapping[str, Any], labels: Mapping[str, str]) -> Table:
    """The rows as a table (no box, one space between columns); :func:`render_compare` adds title and legend."""
    keys = list(document["group_by"])
    table = Table(
        box=None,
        header_style="bold",
        padding=(0, 1, 0, 0),  # one space between columns: a group key and every column fit in 100 columns
        pad_edge=False,
    )
    for key in keys:
        table.add_column(key, no_wrap=True)
    table.add_column("metric", no_wrap=True)
    for heading in _HEADINGS:
        table.add_column(heading, justify="left" if heading in ("better", "verdict") else "right", no_wrap=True)
    targets = _with_targets(document)
    if targets:
        table.add_column("target", no_wrap=True)
    for row in document["rows"]:  # output rows only
        extra = [_targets(row)] if targets else []
        group = ["-" if row[k] is None else str(row[k]) for k in keys]
        table.add_row(*[Text(c) for c in group + cells(row, labels) + extra])
    return table


def render_compare(document: Mapping[str, Any], labels: Mapping[str, str], console: Console) -> None:
    """Title, table and legend, wrapped at the console's width (a terminal's; 100 columns plus 12 per group key
    or more when written to a pipe, so that the table is never squeezed there)."""
    if not console.is_terminal:
        console.width = max(console.width, 100 + 12 * len(document["group_by"]))
    _print(document, labels, console)


def _print(document: Mapping[str, Any], labels: Mapping[str, str], console: Console) -> None:
    console.print(Text(title(document), style="bold"))
    console.print(compare_table(document, labels))
    for line in caption_lines(document, labels):
        console.print(Text(line))


def compare_table_text(document: Mapping[str, Any], labels: Mapping[str, str], width: int = 100) -> bytes:
    """The table as text ``width`` columns wide (``--format table -o FILE``)."""
    buf = io.StringIO()
    _print(document, labels, Console(file=buf, width=width, no_color=True, highlight=False, markup=False))
    return buf.getvalue().encode()


def compare_markdown(document: Mapping[str, Any], labels: Mapping[str, str]) -> bytes:
    keys = list(document["group_by"])
    targets = _with_targets(document)
    head = [*keys, "metric", *_HEADINGS, *(["target"] if targets else [])]
    lines = [f"**{title(document)}**", "", "| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for row in document["rows"]:  # output rows only
        group = ["-" if row[k] is None else str(row[k]) for k in keys]
        extra = [_targets(row)] if targets else []
        values = [c.strip().replace("|", "\\|").replace("*", "\\*") for c in group + cells(row, labels) + extra]
        lines.append("| " + " | ".join(values) + " |")
    lines.append("")
    lines += ["- " + line.replace("*", "\\*") for line in caption_lines(document, labels)]
    return ("\n".join(lines) + "\n").encode()


def compare_csv(document: Mapping[str, Any]) -> bytes:
    """One CSV line per row: every row field (targets as 'TARGET: before -> after' joined by '; '), the
    definitions fingerprint and both periods."""
    rows = document["rows"]
    fields = [k for k in (rows[0] if rows else {"metric": None}) if k != "targets"]
    extra = ("targets", "definitions_fingerprint", "before_from", "before_to", "after_from", "after_to")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*fields, *extra])
    before, after = document["before"]["period"], document["after"]["period"]
    for row in rows:  # output rows only
        targets = "; ".join(f"{t['target']}: {t['before']} -> {t['after']}" for t in row.get("targets", []))
        writer.writerow(
            [
                *("" if row[k] is None else formula_safe(row[k]) for k in fields),
                targets,
                document["definitions_fingerprint"],
                before["from"],
                before["to"],
                after["from"],
                after["to"],
            ]
        )
    return buf.getvalue().encode()
