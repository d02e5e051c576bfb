"""``report``, ``check`` and ``fcr-windows``: one request built from the shared options, one library call."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from csmetrics import api
from csmetrics.analysis import targets as targets_mod
from csmetrics.analysis.fcr_windows import parse_windows
from csmetrics.cli.app import app, reporting_errors, stderr
from csmetrics.cli.options import (
    DefinitionOptions,
    InputOptions,
    ReportOptions,
    ResourceOptions,
    build_definitions,
    build_inputs,
    chosen_mapping,
    options,
    require_format,
)
from csmetrics.cli.progress import observer
from csmetrics.cli.summary import rejected_total, summarise, write_rejects
from csmetrics.definitions.config import Config
from csmetrics.errors import ConfigError, InputError, TargetMissedError
from csmetrics.pipeline.result import Report
from csmetrics.render import html as html_report
from csmetrics.render.formats import FORMATS, REPORT_FORMATS, WRITERS, to_csv
from csmetrics.render.output import write_atomic, write_stdout
from csmetrics.render.table import render_table

FormatOption = Annotated[str, typer.Option("--format", "-f", help=f"Output format: {', '.join(FORMATS)}.")]
_INSTALL_HELP = html_report.INSTALL.replace("[", r"\[")  # help text is Rich markup: the bracket is escaped
ReportFormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        help=f"Output format: {', '.join(REPORT_FORMATS)} (html, png and svg draw charts: {_INSTALL_HELP}).",
    ),
]
ChartOption = Annotated[
    str,
    typer.Option("--chart", help=f"The chart --format png or svg draws: {', '.join(html_report.CHART_NAMES)}."),
]
OutputOption = Annotated[Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on stderr but errors.")]
EscapeFormulasOption = Annotated[
    bool,
    typer.Option(
        "--escape-formulas/--no-escape-formulas",
        help="CSV output and --rejects CSV: prefix text cells starting with = + - @ TAB or CR with ' so a "
        "spreadsheet shows them as text, never runs them as formulas (OWASP; on by default).",
    ),
]
TargetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--target",
        "-t",
        metavar="[GROUP=VALUE:]METRIC OP NUMBER",
        help="A target such as 'service_level>=0.8' or 'queue=billing:asa_seconds<=30' (repeatable; "
        "replaces the targets table of csmetrics.toml).",
    ),
]
AllowNoDataOption = Annotated[
    bool,
    typer.Option("--allow-no-data", help="A target whose metric has no value passes instead of counting as missed."),
]


@dataclass(frozen=True)
class Command:
    """What every reporting command starts from: the config read once, the request built from the options."""

    config: Config
    request: api.ReportRequest


def build_request(
    inputs: InputOptions, defs: DefinitionOptions, report: ReportOptions, run: ResourceOptions, *, quiet: bool
) -> Command:
    config = Config.find(defs.config)
    mapping = chosen_mapping(inputs, config)
    definitions = build_definitions(defs, config, mapping, quiet=quiet)
    first, last = report.period()
    request = api.ReportRequest(
        inputs=build_inputs(inputs, config, mapping),
        definitions=definitions,
        group_by=report.by,
        date_from=first,
        date_to=last,
        metrics=report.metric_names(),
        resources=run.resources(config),
        hours=api.opening_hours(config, report.hours),
    )
    return Command(config, request)


def emit(
    result: Report,
    fmt: str,
    output: Path | None,
    charted: Any = None,
    chart: str = "service_level",
    *,
    formulas: bool = True,
) -> None:
    """Write the report in ``fmt``; the chart formats draw from ``charted`` (api.report_with_charts)."""
    if fmt == "table" and output is None:
        render_table(result, Console(highlight=False, markup=False))
        return
    if charted is not None:
        data = html_report.write(charted, fmt, chart)
    else:
        data = to_csv(result, formulas=formulas) if fmt == "csv" else WRITERS[fmt](result)
    if output is None:
        write_stdout(data)
    else:
        write_atomic(output, data)


def chosen_targets(config: Config, cli_targets: list[str] | None) -> list[targets_mod.Target]:
    """--target, else the [targets] of csmetrics.toml (possibly none)."""
    if cli_targets:
        return [targets_mod.parse_target(t) for t in cli_targets]
    return targets_mod.targets_from_config(config.settings.get("targets"), str(config.path or "csmetrics.toml"))


def compute(command: Command, fmt: str, cli_targets: list[str] | None, *, quiet: bool) -> tuple[Report, Any]:
    """(the report, and for a chart format the report with its chart data)."""
    progress = observer(stderr, quiet=quiet)
    if fmt not in html_report.CHART_FORMATS:
        return api.report(command.request, observer=progress), None
    targets = chosen_targets(command.config, cli_targets)
    charted = api.report_with_charts(command.request, targets=targets, observer=progress)
    return charted.report, charted


def evaluate_targets(result: Report, config: Config, cli_targets: list[str] | None, allow_no_data: bool) -> Any:
    chosen = chosen_targets(config, cli_targets)
    if not chosen:
        msg = "no targets: give --target 'METRIC>=NUMBER' or a [targets] table in csmetrics.toml"
        raise ConfigError(msg)
    return targets_mod.evaluate(chosen, result, allow_no_data=allow_no_data)


def finish_check(checked: Any, *, quiet: bool, to_stdout: bool = False) -> None:
    """Say which targets were met; exit 4 if any was missed."""
    if to_stdout:
        write_stdout(("\n".join(targets_mod.describe(r) for r in checked.results) + "\n").encode())
    elif not quiet:
        for r in checked.results:
            stderr.print(targets_mod.describe(r), markup=False, soft_wrap=True)
    if not checked.ok:
        missed = checked.missed + (0 if checked.allow_no_data else checked.no_data)
        msg = f"{missed} of {len(checked.results)} target evaluation(s) missed"
        raise TargetMissedError(msg)


def json_bytes(document: Any) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False, default=str) + "\n").encode()


@app.command()
@options(inputs=InputOptions, defs=DefinitionOptions, report=ReportOptions, run=ResourceOptions)
def report(
    inputs: InputOptions,
    defs: DefinitionOptions,
    report: ReportOptions,
    run: ResourceOptions,
    fmt: ReportFormatOption = "table",
    output: OutputOption = None,
    chart: ChartOption = "service_level",
    rejects: Annotated[
        Path | None,
        typer.Option("--rejects", help="Write rejected rows with their reason to this CSV/Parquet/JSON file."),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 3 if any row is rejected.")] = False,
    quiet: QuietOption = False,
    check: Annotated[bool, typer.Option("--check", help="Also evaluate the targets; exit 4 if one is missed.")] = False,
    target: TargetOption = None,
    allow_no_data: AllowNoDataOption = False,
    formulas: EscapeFormulasOption = True,
) -> None:
    """Compute the metrics for interaction exports (or the store, --db), by the chosen groups and period."""
    with reporting_errors():
        require_format(fmt, REPORT_FORMATS)
        if fmt in html_report.CHART_FORMATS:
            html_report.require_chart_libraries(fmt)
            html_report.require_chart(chart)
        if fmt in ("parquet", "png") and output is None and sys.stdout.isatty():
            msg = f"{fmt.capitalize()} is binary: write it to a file with -o FILE, or pipe stdout"
            raise ConfigError(msg)
        command = build_request(inputs, defs, report, run, quiet=quiet)
        result, charted = compute(command, fmt, target, quiet=quiet)
        checked = evaluate_targets(result, command.config, target, allow_no_data) if check or target else None
        if rejects is not None:
            write_rejects(result, rejects, formulas=formulas)
        if not quiet:
            summarise(result.data_quality, rejects, result.group_keys, result.period)
        total = rejected_total(result.data_quality)
        if strict and total:
            msg = f"{total} row(s) rejected and --strict is set" + (
                f"; see {rejects}" if rejects else "; write them with --rejects FILE"
            )
            raise InputError(msg)
        emit(result, fmt, output, charted, chart, formulas=formulas)
        if checked is not None:
            finish_check(checked, quiet=quiet)


@app.command()
@options(inputs=InputOptions, defs=DefinitionOptions, report=ReportOptions, run=ResourceOptions)
def check(
    inputs: InputOptions,
    defs: DefinitionOptions,
    report: ReportOptions,
    run: ResourceOptions,
    target: TargetOption = None,
    allow_no_data: AllowNoDataOption = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    quiet: QuietOption = False,
) -> None:
    """Evaluate the targets on the report's rows; exit 4 when any target is missed."""
    with reporting_errors():
        require_format(fmt, ("table", "json"))
        command = build_request(inputs, defs, report, run, quiet=quiet)
        result = api.report(command.request, observer=observer(stderr, quiet=quiet))
        checked = evaluate_targets(result, command.config, target, allow_no_data)
        if fmt == "json":
            write_stdout(json_bytes(checked.to_document()))
            if not checked.ok:
                missed = checked.missed + checked.no_data * (not allow_no_data)
                raise TargetMissedError(f"{missed} target evaluation(s) missed")
            return
        finish_check(checked, quiet=quiet, to_stdout=True)


@app.command("fcr-windows")
@options(inputs=InputOptions, defs=DefinitionOptions, report=ReportOptions, run=ResourceOptions)
def fcr_windows(
    inputs: InputOptions,
    defs: DefinitionOptions,
    report: ReportOptions,
    run: ResourceOptions,
    windows: Annotated[
        str, typer.Option("--windows", "-w", help="Comma list of repeat windows in hours.")
    ] = "1,12,24,72,168",
    fmt: FormatOption = "table",
    output: OutputOption = None,
    quiet: QuietOption = False,
) -> None:
    """FCR, repeat rate and their counts at several repeat windows side by side (one row per window)."""
    with reporting_errors():
        require_format(fmt, FORMATS)
        command = build_request(inputs, defs, report, run, quiet=quiet)
        hours = parse_windows(windows, command.request.resolved())
        emit(api.fcr_windows(command.request, hours, observer=observer(stderr, quiet=quiet)), fmt, output)
