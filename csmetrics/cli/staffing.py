"""``staffing``: required agents from a queueing model alone (--volume, --aht), or per interval from measured
volume, AHT and patience (input files or the store), against the staffed agents of an agent state log."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from csmetrics import api
from csmetrics.cli.app import app, reporting_errors, stderr
from csmetrics.cli.options import (
    DefinitionOptions,
    InputOptions,
    PeriodOptions,
    ResourceOptions,
    StaffingOptions,
    build_definitions,
    build_inputs,
    chosen_mapping,
    options,
    require_format,
    store_path,
)
from csmetrics.cli.progress import observer
from csmetrics.cli.report import FormatOption, OutputOption, QuietOption, emit, json_bytes
from csmetrics.cli.summary import summarise
from csmetrics.definitions.config import Config
from csmetrics.errors import ConfigError
from csmetrics.render.formats import FORMATS
from csmetrics.render.output import write_atomic, write_stdout
from csmetrics.render.values import format_value
from csmetrics.staffing.measured import SPLITS

MODEL_FORMATS = ("table", "json")
# How the summary table shows each figure (render.values units); other keys are text.
SUMMARY_UNITS = {
    "intervals": "count",
    "intervals_with_contacts": "count",
    "intervals_without_aht": "count",
    "understaffed_intervals": "count",
    "overstaffed_intervals": "count",
    "flagged_intervals": "count",
    "queued": "count",
    "queue_abandoned": "count",
    "estimated_patience_seconds": "seconds",
    "queue_seconds": "seconds",
    "required_agent_hours": "number",
    "staffed_agent_hours": "number",
    "net_agent_hours": "number",
}


@app.command()
@options(inputs=InputOptions, defs=DefinitionOptions, period=PeriodOptions, run=ResourceOptions, staff=StaffingOptions)
def staffing(
    inputs: InputOptions,
    defs: DefinitionOptions,
    period: PeriodOptions,
    run: ResourceOptions,
    staff: StaffingOptions,
    fmt: FormatOption = "table",
    output: OutputOption = None,
    quiet: QuietOption = False,
) -> None:
    """Required agents for a service-level target (Erlang C or Erlang A), from a model alone or per interval
    from the contacts; with --states, staffed agents, net staffing and measured against predicted service level.

    Model only: csmetrics staffing --volume 100 --interval 30m --aht 180 --target 0.8 --threshold 20.
    From data: csmetrics staffing FILES --states STATES --by interval:30m --tz ZONE --target 0.8.
    """
    with reporting_errors():
        if staff.model_only():
            _model_only(inputs, defs, period, staff, fmt, output)
        else:
            _from_data(inputs, defs, period, run, staff, fmt, output, quiet=quiet)


def _model_only(
    inputs: InputOptions,
    defs: DefinitionOptions,
    period: PeriodOptions,
    staff: StaffingOptions,
    fmt: str,
    output: Path | None,
) -> None:
    require_format(fmt, MODEL_FORMATS)
    data = [
        name
        for name, given in (
            ("INPUTS", inputs.paths),
            ("--db", inputs.db),
            ("--states", inputs.states),
            ("--roster", inputs.roster),
            ("--surveys", inputs.surveys),
            ("--denominator", inputs.denominator),
            ("--by", period.by),
            ("--from", period.date_from),
            ("--to", period.date_to),
        )
        if given
    ]
    if data:
        msg = (
            f"--volume and --aht model a queue without data, so {', '.join(data)} cannot go with them; "
            "to measure from data, give the input files without --volume and --aht"
        )
        raise ConfigError(msg)
    if staff.volume is None or staff.aht is None:
        msg = "the model alone needs both --volume (contacts per interval) and --aht (seconds)"
        raise ConfigError(msg)
    threshold = staff.threshold
    if threshold is None:
        threshold = build_definitions(defs, Config.find(defs.config), None)["service_level.threshold_seconds"]
    document = api.staffing_model(
        staff.volume,
        staff.interval or "30m",
        staff.aht,
        model=staff.model,
        threshold_seconds=threshold,
        target=staff.target,
        patience_seconds=staff.patience,
        max_occupancy=staff.max_occupancy,
        max_abandon=staff.max_abandon,
        max_asa_seconds=staff.max_asa,
        max_blocking=staff.max_blocking,
        shrinkage=staff.shrinkage,
        agents=staff.agents,
    )
    if fmt == "json":
        data_bytes = json_bytes(document)
    else:
        data_bytes = _text(_model_table(document), _model_lines(document))
    if output is None:
        write_stdout(data_bytes)
    else:
        write_atomic(output, data_bytes)


def _from_data(
    inputs: InputOptions,
    defs: DefinitionOptions,
    period: PeriodOptions,
    run: ResourceOptions,
    staff: StaffingOptions,
    fmt: str,
    output: Path | None,
    *,
    quiet: bool,
) -> None:
    _check_data_options(staff, fmt, output)
    config = Config.find(defs.config)
    if not inputs.paths and store_path(inputs.db, config, required=False) is None:
        msg = (
            "give input files (or a store with --db) to measure staffing from data, "
            "or --volume and --aht for the model alone"
        )
        raise ConfigError(msg)
    mapping = chosen_mapping(inputs, config)
    first, last = period.period()
    request = api.ReportRequest(
        inputs=build_inputs(inputs, config, mapping),
        definitions=build_definitions(defs, config, mapping, quiet=quiet),
        group_by=period.by,
        date_from=first,
        date_to=last,
        resources=run.resources(config),
    )
    spec = api.StaffingSpec(
        target=staff.target,
        model=staff.model or "erlang-a",
        threshold_seconds=staff.threshold,
        patience_seconds=staff.patience,
        max_occupancy=staff.max_occupancy,
        max_abandon=staff.max_abandon,
        max_asa_seconds=staff.max_asa,
        shrinkage=staff.shrinkage,
    )
    result = api.staffing(request, spec, observer=observer(stderr, quiet=quiet))
    if not quiet:
        summarise(result.data_quality, None)
        for note in result.notes:
            stderr.print(f"note: {note}", soft_wrap=True)
    emit(result, fmt, output)
    if fmt == "table" and output is None:
        keys = [k for k in result.group_keys if k in SPLITS]
        Console(highlight=False, markup=False).print(_summary_table(result.summary, keys))


def _check_data_options(staff: StaffingOptions, fmt: str, output: Path | None) -> None:
    require_format(fmt, FORMATS)
    if fmt == "parquet" and output is None and sys.stdout.isatty():
        msg = "Parquet is binary: write it to a file with -o FILE, or pipe stdout"
        raise ConfigError(msg)
    model_only = (("--agents", staff.agents), ("--interval", staff.interval), ("--max-blocking", staff.max_blocking))
    given = [name for name, value in model_only if value is not None]
    if given:
        msg = (
            f"{', '.join(given)}: only for the model alone (--volume, --aht); with data the interval is "
            "--by interval:30m (or 15m, 60m, hour) and the agents are measured (--states)"
        )
        raise ConfigError(msg)


def _model_table(document: dict[str, Any]) -> Table:
    inputs = document["inputs"]
    title = (
        f"{document['model']}: {inputs['volume']:g} contacts per {_length(inputs['interval_seconds'])}, "
        f"AHT {inputs['aht_seconds']:g} s"
    )
    if inputs["threshold_seconds"] is not None:
        title += f", target {inputs['target']:.0%} within {inputs['threshold_seconds']:g} s"
    table = Table(title=title)
    columns = [  # key, heading, decimals
        ("agents", "agents", 0),
        ("p_wait", "P(wait)", 4),
        ("service_level", "SL", 4),
        ("asa_seconds", "ASA s", 2),
        ("occupancy", "occupancy", 4),
        ("p_abandon", "P(abandon)", 4),
        ("p_block", "P(block)", 5),
    ]
    columns = [c for c in columns if any(row.get(c[0]) is not None for row in document["rows"]) or c[0] == "agents"]
    for _, label, _decimals in columns:
        table.add_column(label, justify="right")
    for row in document["rows"]:
        table.add_row(*[Text("-" if row.get(k) is None else f"{row[k]:,.{d}f}") for k, _, d in columns])
    return table


def _length(seconds: float) -> str:
    for size, unit in ((3600, "h"), (60, "min")):
        if seconds >= size and (seconds / size).is_integer():
            return f"{seconds / size:g} {unit}"
    return f"{seconds:g} s"


def _model_lines(document: dict[str, Any]) -> list[str]:
    required, inputs = document["required"], document["inputs"]
    limits = [
        f"{label} {inputs[key]:g}"
        for key, label in (
            ("max_occupancy", "occupancy <="),
            ("max_abandon", "abandon <="),
            ("max_asa_seconds", "ASA s <="),
            ("max_blocking", "blocking <="),
        )
        if inputs[key] is not None
    ]
    return [
        f"required: {required['agents']} agents ({required['agents_fractional']:.3f} unrounded)"
        + (f", {', '.join(limits)}" if limits else ""),
        f"FTE at {inputs['shrinkage']:.0%} shrinkage: {required['fte']} ({required['fte_fractional']:.2f} unrounded)",
    ]


def _summary_table(summary: list[dict[str, Any]], keys: list[str]) -> Table:
    """One column per group (queue, channel; "all" without them), one row per figure."""
    table = Table(title="Summary")
    table.add_column("figure")
    for group in summary:
        table.add_column(
            " / ".join(str(group[k]) if group[k] is not None else "-" for k in keys) or "all", justify="right"
        )
    figures = [k for k in (summary[0] if summary else {}) if k not in keys]
    for figure in figures:
        table.add_row(figure, *[Text(_summary_value(figure, group[figure])) for group in summary])
    return table


def _summary_value(key: str, value: Any) -> str:
    if value is None:
        return "-"
    unit = SUMMARY_UNITS.get(key)
    return format_value(value, unit) if unit else str(value)


def _text(table: Table, lines: list[str]) -> bytes:
    buffer = io.StringIO()
    console = Console(file=buffer, width=120, no_color=True, highlight=False, markup=False)
    console.print(table)
    for line in lines:
        console.print(line, soft_wrap=True)
    return buffer.getvalue().encode()
