"""What a report says on stderr about its inputs (rejects, duplicates, exclusions), and --rejects files."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import polars as pl

from csmetrics.cli.app import stderr
from csmetrics.pipeline.result import Report
from csmetrics.render.output import write_atomic
from csmetrics.render.values import escape_formulas, period_text


def write_rejects(report: Report, path: Path, *, formulas: bool = True) -> None:
    """Every rejected row (contacts, answers, survey rows, agent states) with its reason, to one file."""
    write_frame(rejects_frame(report), path, formulas=formulas)


def rejects_frame(report: Report) -> pl.DataFrame:
    """A report's rejected rows, agent states with an ``input`` column saying which input each came from."""
    frame = report.rejects
    if report.state_rejects is not None:  # one file: an input column says which input each rejected row came from
        frame = pl.concat(
            [
                frame.with_columns(pl.lit("interactions").alias("input")),
                report.state_rejects.with_columns(pl.lit("states").alias("input")),
            ],
            how="diagonal_relaxed",
        )
    return frame


def write_frame(frame: pl.DataFrame, path: Path, *, formulas: bool = True) -> None:
    """Rejected rows to CSV, Parquet (.parquet, .pq) or NDJSON (.json, .ndjson, .jsonl), by the suffix; CSV cells
    that a spreadsheet would run as formulas are neutralised unless ``formulas`` is False."""
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        buf = io.BytesIO()
        frame.write_parquet(buf)
        data = buf.getvalue()
    elif suffix in (".json", ".ndjson", ".jsonl"):
        data = frame.write_ndjson().encode()
    else:
        data = (escape_formulas(frame) if formulas else frame).write_csv().encode()
    write_atomic(path, data)


def _reasons(counts: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {v}" for k, v in counts["by_reason"].items())


def _notes(quality: dict[str, Any]) -> list[str]:
    """What the report left out or merged, in words."""
    notes = [
        f"{f['path']}: numbers read with a decimal comma (decided from its values: a semicolon-delimited file "
        "whose numbers use commas; --decimal-separator . refuses them)"
        for f in quality.get("files", [])
        if f.get("decimal_separator_detected")
    ]
    surveys = quality.get("surveys")
    if surveys and surveys["not_counted"]["total"]:
        notes.append(
            f"{surveys['not_counted']['total']} survey row(s) not counted ({_reasons(surveys['not_counted'])})"
        )
    if quality["duplicates_merged"] or quality["duplicates_superseded"]:
        notes.append(
            f"{quality['duplicates_merged']} identical duplicate(s) merged, "
            f"{quality['duplicates_superseded']} older version(s) superseded"
        )
    if quality["in_progress"]:
        notes.append(f"{quality['in_progress']} contact(s) still in progress excluded")
    if quality["outbound"]:
        notes.append(f"{quality['outbound']} outbound contact(s) excluded")
    if quality["handle_time_unknown"]:
        notes.append(f"{quality['handle_time_unknown']} answered contact(s) without handle time yet")
    return notes


def warn_empty_period(quality: dict[str, Any], period: dict[str, Any] | None) -> None:
    """Say so when a report counts no contact: the input has none, or none falls in the period asked for."""
    if quality["contacts_in_report"] or period is None:
        return
    if not quality["contacts"]:
        stderr.print("warning: the input holds no valid contact; every figure is empty", soft_wrap=True)
        return
    span = quality.get("data_span") or {}
    outside = quality["outside_period"]
    stderr.print(
        f"warning: no contact falls in the period {period_text(period)} ({outside} contact(s) lie outside it; the "
        f"data runs from {span.get('from')} to {span.get('to')})",
        soft_wrap=True,
    )


def summarise(
    quality: dict[str, Any],
    rejects: Path | None,
    group_keys: list[str] | None = None,
    period: dict[str, Any] | None = None,
) -> None:
    warn_empty_period(quality, period)
    rejected = quality["rejected"]
    if rejected["total"]:
        where = f"written to {rejects}" if rejects else "write them with --rejects FILE"
        rows = rejected.get("contacts", 0) + rejected.get("survey_rows", 0)
        answers = rejected.get("answers", 0)
        parts = ([f"{rows} row(s) rejected"] if rows else []) + (
            [f"{answers} survey answer(s) rejected (their contacts kept)"] if answers else []
        )
        stderr.print(f"warning: {', '.join(parts)} ({_reasons(rejected)}); {where}", soft_wrap=True)
    notes = _notes(quality)
    if notes:
        stderr.print("note: " + "; ".join(notes), soft_wrap=True)
    if quality.get("without_agent") and {"agent", "team"} & set(group_keys or ()):
        stderr.print(
            f"note: {quality['without_agent']} contact(s) no agent handled (abandoned, mostly) are in the (no agent) "
            "row: per agent or team, read handling and answered figures; abandon rate and service level belong to "
            "queues (docs/definitions.md, Grouping)",
            soft_wrap=True,
        )
    summarise_states(quality.get("states"), rejects)


def summarise_states(states: dict[str, Any] | None, rejects: Path | None) -> None:
    if states is None:
        return
    rejected = states["rejected"]
    if rejected["total"]:
        where = f"written to {rejects}" if rejects else "write them with --rejects FILE"
        stderr.print(
            f"warning: {rejected['total']} agent state row(s) rejected ({_reasons(rejected)}); {where}", soft_wrap=True
        )
    notes = []
    if states["duplicates_merged"]:
        notes.append(f"{states['duplicates_merged']} identical agent state row(s) merged")
    if states["cut_at_span_end"]:
        notes.append(f"{states['cut_at_span_end']} open agent state(s) cut at the data span end {states['span_end']}")
    if states.get("agents_not_in_roster"):
        notes.append(f"{states['agents_not_in_roster']} agent(s) with states are not in the roster (team empty)")
    if "not_grouped" in states:
        notes.append(states["not_grouped"])
    if notes:
        stderr.print("note: " + "; ".join(notes), soft_wrap=True)


def rejected_total(quality: dict[str, Any]) -> int:
    return int(quality["rejected"]["total"] + quality.get("states", {}).get("rejected", {}).get("total", 0))
