"""``compare``: two periods of one input set, or two input sets, under the same definitions; one library call."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console

from csmetrics import api
from csmetrics.analysis import targets as targets_mod
from csmetrics.cli.app import app, reporting_errors, stderr
from csmetrics.cli.options import (
    CompareOptions,
    DefinitionOptions,
    GroupingOptions,
    InputOptions,
    ResourceOptions,
    build_definitions,
    build_inputs,
    chosen_mapping,
    options,
    require_format,
)
from csmetrics.cli.progress import observer
from csmetrics.cli.report import OutputOption, QuietOption, TargetOption
from csmetrics.cli.summary import rejected_total, rejects_frame, summarise, warn_empty_period, write_frame
from csmetrics.compare.result import CompareResult
from csmetrics.definitions.config import Config
from csmetrics.errors import ConfigError, InputError
from csmetrics.inputs.mapping.model import Mapping
from csmetrics.render.compare import (
    COMPARE_FORMATS,
    compare_csv,
    compare_json,
    compare_markdown,
    compare_table_text,
    render_compare,
)
from csmetrics.render.output import write_atomic, write_stdout

_DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


def is_store(value: str) -> bool:
    """A DuckDB database file (a csmetrics store): no interaction export format starts with DuckDB's header."""
    path = Path(value)
    try:
        with path.open("rb") as f:
            return f.read(12)[8:12] == _DUCKDB_MAGIC
    except OSError:
        return False


def side_inputs(values: list[str], base: api.Inputs, option: str) -> api.Inputs:
    """One side of two input sets: its files (or its one store), with the shared side inputs of ``base``."""
    stores = [v for v in values if is_store(v)]
    if stores and len(values) > 1:
        msg = f"{option}: give one store or interaction files, not both ({', '.join(values)})"
        raise ConfigError(msg)
    if stores:
        return replace(base, interactions=(), store=Path(stores[0]))
    return replace(base, interactions=tuple(values), store=None)


def compare_inputs(
    inputs: InputOptions, sides: CompareOptions, config: Config, mapping: Mapping | None
) -> tuple[api.Inputs, api.Inputs | None]:
    """(the before inputs, the after inputs or None for one input set)."""
    if not sides.before_inputs and not sides.after_inputs:
        return build_inputs(inputs, config, mapping), None
    if not sides.before_inputs or not sides.after_inputs:
        msg = "give both --before-inputs and --after-inputs to compare two input sets"
        raise ConfigError(msg)
    if inputs.paths or inputs.db is not None:
        msg = "--before-inputs/--after-inputs replace INPUTS and --db: give the files (or stores) of each side there"
        raise ConfigError(msg)
    placeholder = replace(inputs, paths=list(sides.before_inputs))
    base = build_inputs(placeholder, config, mapping)
    return (
        side_inputs(list(sides.before_inputs), base, "--before-inputs"),
        side_inputs(list(sides.after_inputs), base, "--after-inputs"),
    )


def report_inputs(result: CompareResult, *, two_sets: bool, rejects: Path | None, strict: bool, quiet: bool) -> None:
    """What the inputs said (on stderr), the rejected rows to ``rejects`` (two input sets: a ``side`` column says
    which), and exit 3 under ``strict`` when any row was rejected. One input set is read once: its rejects once."""
    sides = [("before", result.before), ("after", result.after)] if two_sets else [("", result.before)]
    if rejects is not None:
        frames = [
            rejects_frame(r).with_columns(pl.lit(label).alias("side")) if label else rejects_frame(r)
            for label, r in sides
        ]
        write_frame(pl.concat(frames, how="diagonal_relaxed"), rejects)
    if not quiet:
        for label, side in sides:
            if label:
                stderr.print(f"{label} inputs:")
            summarise(side.data_quality, rejects, result.group_keys, side.period)
        if not two_sets and result.after.data_quality["contacts"]:  # the after period of the one input set
            warn_empty_period(result.after.data_quality, result.after.period)
    total = sum(rejected_total(side.data_quality) for _, side in sides)
    if strict and total:
        msg = f"{total} row(s) rejected and --strict is set" + (
            f"; see {rejects}" if rejects else "; write them with --rejects FILE"
        )
        raise InputError(msg)


def emit(result: CompareResult, fmt: str, output: Path | None) -> None:
    document = result.to_document()
    labels = {m.name: m.label or m.name for m in result.metrics}
    if fmt == "table" and output is None:
        render_compare(document, labels, Console(highlight=False, markup=False))
        return
    writers = {
        "table": lambda: compare_table_text(document, labels),
        "json": lambda: compare_json(document),
        "csv": lambda: compare_csv(document),
        "markdown": lambda: compare_markdown(document, labels),
    }
    data = writers[fmt]()
    if output is None:
        write_stdout(data)
    else:
        write_atomic(output, data)


@app.command()
@options(
    inputs=InputOptions, defs=DefinitionOptions, grouping=GroupingOptions, sides=CompareOptions, run=ResourceOptions
)
def compare(
    inputs: InputOptions,
    defs: DefinitionOptions,
    grouping: GroupingOptions,
    sides: CompareOptions,
    run: ResourceOptions,
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"Output format: {', '.join(COMPARE_FORMATS)}.")] = "table",
    output: OutputOption = None,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects", help="Write rejected rows with their reason (and side) to this CSV/Parquet/JSON file."
        ),
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 3 if any row is rejected.")] = False,
    quiet: QuietOption = False,
    target: TargetOption = None,
) -> None:
    """Compare two periods (or two input sets): each metric's change with its 95 % interval and p-value."""
    with reporting_errors():
        require_format(fmt, COMPARE_FORMATS)
        config = Config.find(defs.config)
        mapping = chosen_mapping(inputs, config)
        before_period, after_period = sides.periods()
        before_inputs, after_inputs = compare_inputs(inputs, sides, config, mapping)
        request = api.CompareRequest(
            inputs=before_inputs,
            after_inputs=after_inputs,
            before=before_period,
            after=after_period,
            definitions=build_definitions(defs, config, mapping, quiet=quiet),
            group_by=grouping.by,
            metrics=grouping.metric_names(),
            resources=run.resources(config),
            targets=[targets_mod.parse_target(t) for t in target or ()],
            config_targets=targets_mod.targets_from_config(
                config.settings.get("targets"), str(config.path or "csmetrics.toml")
            ),
        )
        result = api.compare(request, observer=observer(stderr, quiet=quiet))
        report_inputs(result, two_sets=after_inputs is not None, rejects=rejects, strict=strict, quiet=quiet)
        emit(result, fmt, output)
