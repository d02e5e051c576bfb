"""``definitions`` and ``inspect``: what csmetrics computes, and what an export holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from csmetrics.cli.app import app, reporting_errors, stderr
from csmetrics.cli.options import (
    DefinitionOptions,
    MappingOptions,
    TextOptions,
    build_definitions,
    chosen_mapping,
    options,
    require_format,
)
from csmetrics.definitions.config import Config
from csmetrics.definitions.model import Metric, Registry
from csmetrics.definitions.params import Definitions
from csmetrics.definitions.reference import reference_markdown
from csmetrics.definitions.registry import load_registry
from csmetrics.errors import ConfigError, InputError
from csmetrics.pipeline.compose import metric_script
from csmetrics.pipeline.contract import check_relations
from csmetrics.pipeline.result import definitions_document
from csmetrics.render.output import write_stdout


@app.command()
@options(defs=DefinitionOptions, mappings=MappingOptions)
def definitions(
    defs: DefinitionOptions,
    mappings: MappingOptions,
    metric: Annotated[str | None, typer.Argument(help="Only this metric.")] = None,
    sql: Annotated[
        bool, typer.Option("--sql", help="Print the metric's SQL as it runs (valid SQL, on stdout).")
    ] = False,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="table, json, or markdown (the reference tables README.md embeds).")
    ] = "table",
) -> None:
    """List every metric, its definition in words and the parameter values in effect."""
    with reporting_errors():
        require_format(fmt, ("table", "json", "markdown"))
        config = Config.find(defs.config)
        resolved = build_definitions(defs, config, chosen_mapping(mappings, config))
        registry = load_registry()
        check_relations(registry)
        metrics = _chosen(registry, metric, sql=sql)
        if sql:
            write_stdout(metric_script(registry, resolved, metrics[0]).encode())
        elif fmt == "markdown":
            write_stdout(reference_markdown(registry).encode())
        elif fmt == "json":
            document = _definitions_json(registry, resolved, metrics)
            if metric is not None:
                document["sql"] = metric_script(registry, resolved, metrics[0])
            write_stdout((json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode())
        else:
            _definitions_tables(registry, resolved, metrics)


def _chosen(registry: Registry, metric: str | None, *, sql: bool) -> list[Metric]:
    if metric is None:
        if sql:
            msg = "--sql shows one metric's query: give the metric, e.g. csmetrics definitions service_level --sql"
            raise ConfigError(msg)
        return list(registry.metrics)
    chosen = [m for m in registry.metrics if m.name == metric]
    if not chosen:
        msg = f"unknown metric {metric!r}; known: {', '.join(m.name for m in registry.metrics)}"
        raise ConfigError(msg)
    return chosen


def _definitions_json(registry: Registry, resolved: Definitions, metrics: list[Metric]) -> dict[str, Any]:
    params = [
        {**resolved.specs[name].to_dict(resolved[name]), "source": resolved.sources[name]}
        for name in _names(registry, resolved)
    ]
    return {
        "definitions_fingerprint": resolved.fingerprint,
        "parameters": params,
        "metrics": definitions_document(resolved, metrics)["metrics"],
    }


def _definitions_tables(registry: Registry, resolved: Definitions, metrics: list[Metric]) -> None:
    console = Console(highlight=False, markup=False)
    mt = Table(title="Metrics")
    for col in ("metric", "unit", "definition", "parameters"):
        mt.add_column(col)
    for m in definitions_document(resolved, metrics)["metrics"]:
        mt.add_row(m["name"], m["unit"], m["definition"], ", ".join(f"{k}={v}" for k, v in m["parameters"].items()))
    console.print(mt)
    pt = Table(title=f"Parameters in effect (fingerprint {resolved.fingerprint})")
    for col in ("parameter", "value", "default", "source", "allowed"):
        pt.add_column(col)
    for name in _names(registry, resolved):
        spec = resolved.specs[name]
        pt.add_row(name, str(resolved[name]), str(spec.default), resolved.sources[name], _allowed(spec))
    console.print(pt)


def _names(registry: Registry, resolved: Definitions) -> list[str]:
    """Every parameter, each followed by its channel and queue overrides in effect."""
    names = []
    for name in registry.params:
        names.append(name)
        names += sorted(n for n in resolved.values if n not in registry.params and n.endswith("." + name))
    return names


def _allowed(spec: Any) -> str:
    scopes = f"; per {' and '.join(spec.scopes)}" if spec.scopes else ""
    return spec.describe_range() + scopes


@app.command("inspect")
@options(text=TextOptions)
def inspect_command(
    text: TextOptions,
    path: Annotated[Path, typer.Argument(help="An export: CSV (also .gz), JSON/NDJSON, Parquet or .xlsx.")],
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="Sheet of an .xlsx workbook (name or 0-based index).")
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            help="toml (starter mapping on stdout, summary on stderr) or json (one document on stdout, "
            "nothing on stderr but errors).",
        ),
    ] = "toml",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on stderr.")] = False,
) -> None:
    """Show what an export holds and print a starter mapping file (TOML) on stdout, with the report it gives."""
    from csmetrics.api import preview_mapping
    from csmetrics.inputs import textformat
    from csmetrics.inputs.inspect import inspect_file

    with reporting_errors():
        require_format(fmt, ("toml", "json"))
        if not path.is_file():
            msg = f"{path}: no such file"
            raise InputError(msg)
        text_format = text.text_format(None)
        with textformat.reading(text_format):
            result = inspect_file(path, sheet=sheet)
        preview = preview_mapping(path, result.mapping_text, rows=result.rows, sheet=sheet, text=text_format)
        if fmt == "json":
            document = result.to_document() | {"preview": preview}
            write_stdout((json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode())
            return
        write_stdout(result.mapping_text.encode())
        if not quiet:
            _print_inspection(result, preview)


def _print_inspection(result: Any, preview: dict[str, Any]) -> None:
    """The human summary of ``inspect`` on stderr."""
    stderr.print(f"{result.path}: {result.format}, {result.rows} rows", markup=False, soft_wrap=True)
    ct = Table(title="Columns")
    for col in ("column", "type", "sample values"):
        ct.add_column(col)
    for c in result.columns:
        ct.add_row(c.name, c.type, " | ".join(c.samples))
    stderr.print(ct)
    best = [p for p in result.presets if p["matches"]]
    stderr.print("preset: " + (best[0]["preset"] if best else "none matches"), markup=False, soft_wrap=True)
    for key, how in result.proposed.items():
        stderr.print(f"  {key} <- {how}", markup=False, soft_wrap=True)
    for key, what in result.missing.items():
        stderr.print(f"  missing {key}: needed for {what}", markup=False, soft_wrap=True)
    for note in result.notes:
        stderr.print(f"note: {note}", markup=False, soft_wrap=True)
    stderr.print(preview_line(preview), markup=False, soft_wrap=True)


def _share(value: Any) -> str:
    return "-" if value is None else f"{value:.2%}"


def preview_line(preview: dict[str, Any]) -> str:
    """One line: the report the starter mapping gives (or why there is none)."""
    if "error" in preview:
        return f"preview: the mapping does not run yet: {preview['error']}; edit it, then run csmetrics report"
    if "skipped" in preview:
        return f"preview: skipped: {preview['skipped']}"
    rejected = ", ".join(f"{k}: {n}" for k, n in preview["rejected_by_reason"].items())
    return (
        f"preview (this mapping on all {preview['rows']:,} rows): offered {preview['offered'] or 0:,}, "
        f"answered {preview['answered'] or 0:,}, abandon rate {_share(preview['abandon_rate'])}, "
        f"service level {_share(preview['service_level'])}; duplicates {preview['duplicates_merged']:,} merged, "
        f"{preview['duplicates_superseded']:,} superseded; excluded by the mapping {preview['excluded_by_mapping']:,}; "
        f"rejected {preview['rejected']:,}"
        + (f" ({rejected})" if rejected else "")
        + (f"; CSAT {_share(preview['csat'])}" if preview.get("csat") is not None else "")
        + (f"; NPS {preview['nps']:.1f}" if preview.get("nps") is not None else "")
    )
