"""The command line: parse options, call the library, render. Nothing else lives here."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from csmetrics import __version__
from csmetrics.config import find_config, parse_assignments, read_config, resolve
from csmetrics.definitions import Definitions
from csmetrics.engine import Engine, definitions_document
from csmetrics.errors import ConfigError, CsMetricsError, ExitCode, InputError
from csmetrics.mapping import choose_mapping
from csmetrics.registry import load_registry
from csmetrics.render import FORMATS, WRITERS, render_table, write_atomic, write_stdout

app = typer.Typer(
    name="csmetrics",
    help="Contact-centre service metrics under explicit, fingerprinted definitions.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
stderr = Console(stderr=True, highlight=False)


@contextmanager
def reporting_errors() -> Iterator[None]:
    """Turn library errors into a message on stderr and the documented exit code."""
    try:
        yield
    except CsMetricsError as e:
        stderr.print(f"[bold red]error:[/] {e}", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(int(e.exit_code)) from None
    except KeyboardInterrupt:
        stderr.print("interrupted")
        raise typer.Exit(130) from None
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except Exception as e:  # a bug: say so, keep the traceback for a report
        stderr.print(f"[bold red]internal error:[/] {type(e).__name__}: {e}", soft_wrap=True)
        if os.environ.get("CSMETRICS_DEBUG"):
            stderr.print(traceback.format_exc(), markup=False)
        else:
            stderr.print("set CSMETRICS_DEBUG=1 to see the traceback, and please report it")
        raise typer.Exit(int(ExitCode.UNEXPECTED)) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"csmetrics {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Contact-centre service metrics under explicit, fingerprinted definitions.

    Exit codes: 0 ok, 1 unexpected error, 2 usage or configuration error,
    3 invalid input data, 4 target missed, 75 store busy.
    """


SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", "-s", metavar="NAME=VALUE", help="Set a definition parameter (repeatable)."),
]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="Read parameters from this TOML file (default ./csmetrics.toml).")
]
TzOption = Annotated[str | None, typer.Option("--tz", help="Report time zone (same as --set timezone=...).")]


MappingOption = Annotated[
    Path | None, typer.Option("--mapping", "-m", help="TOML column mapping turning the export into the canonical schema.")
]
PresetOption = Annotated[
    str | None,
    typer.Option("--preset", help="Built-in mapping: amazon-connect, genesys-cloud, zendesk-talk, five9, nice-cxone, talkdesk."),
]
SheetOption = Annotated[str | None, typer.Option("--sheet", help="Sheet of an .xlsx workbook (name or 0-based index).")]


def _definitions(config: Path | None, sets: list[str] | None, tz: str | None) -> Definitions:
    path = find_config(config)
    values, _settings = read_config(path)
    return resolve(
        config_path=path,
        config_values=values,
        assignments=parse_assignments(sets or []),
        overrides={"timezone": tz} if tz else {},
    )


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        msg = f"{option} expects a date YYYY-MM-DD, got {value!r}"
        raise ConfigError(msg) from None


def _emit(data: bytes, output: Path | None) -> None:
    if output is None:
        write_stdout(data)
    else:
        write_atomic(output, data)


@app.command()
def report(
    paths: Annotated[list[str], typer.Argument(help="Interaction exports: CSV, Parquet, JSON/NDJSON files or globs.")],
    by: Annotated[
        str | None,
        typer.Option(
            "--by", "-b",
            help="Comma list of interval:15m|30m|60m, hour, day, week, month, queue, channel, agent, reason.",
        ),
    ] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First local date (inclusive), YYYY-MM-DD.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last local date (inclusive), YYYY-MM-DD.")] = None,
    tz: TzOption = None,
    sets: SetOption = None,
    config: ConfigOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help=f"Output format: {', '.join(FORMATS)}.")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")] = None,
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="Write rejected rows with their reason to this CSV/Parquet/JSON file.")
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 3 if any row is rejected.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on stderr but errors.")] = False,
    mapping: MappingOption = None,
    preset: PresetOption = None,
    sheet: SheetOption = None,
) -> None:
    """Compute the metrics for interaction exports, by the chosen groups and period."""
    with reporting_errors():
        if fmt not in FORMATS:
            msg = f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}"
            raise ConfigError(msg)
        if fmt == "parquet" and output is None and sys.stdout.isatty():
            msg = "Parquet is binary: write it to a file with -o FILE, or pipe stdout"
            raise ConfigError(msg)
        definitions = _definitions(config, sets, tz)
        first, last = _date(date_from, "--from"), _date(date_to, "--to")
        if first and last and first > last:
            msg = f"--from {first} is after --to {last}"
            raise ConfigError(msg)
        engine = Engine()
        chosen = choose_mapping(find_config(config), mapping, preset)
        engine.load(
            paths, source_timezone=definitions["source_timezone"], mapping=chosen,
            sheet=sheet if sheet is not None else (chosen.sheet if chosen else None),
        )
        result = engine.report(definitions, group_by=by, date_from=first, date_to=last)
        quality = result.data_quality
        if rejects is not None:
            _write_rejects(engine, rejects)
        if not quiet:
            _summarise(quality, rejects)
        if strict and quality["rejected"]["total"]:
            msg = f"{quality['rejected']['total']} row(s) rejected and --strict is set" + (
                f"; see {rejects}" if rejects else "; write them with --rejects FILE"
            )
            raise InputError(msg)
        if fmt == "table" and output is None:
            render_table(result, Console(highlight=False))
        else:
            _emit(WRITERS[fmt](result), output)


def _write_rejects(engine: Engine, path: Path) -> None:
    frame = engine.rejects()
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        import io

        buf = io.BytesIO()
        frame.write_parquet(buf)
        data = buf.getvalue()
    elif suffix in (".json", ".ndjson", ".jsonl"):
        data = frame.write_ndjson().encode()
    else:
        data = frame.write_csv().encode()
    write_atomic(path, data)


def _summarise(quality: dict[str, Any], rejects: Path | None) -> None:
    rejected = quality["rejected"]
    if rejected["total"]:
        reasons = ", ".join(f"{k}: {v}" for k, v in rejected["by_reason"].items())
        where = f"written to {rejects}" if rejects else "write them with --rejects FILE"
        stderr.print(f"warning: {rejected['total']} row(s) rejected ({reasons}); {where}", soft_wrap=True)
    notes = []
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
    if notes:
        stderr.print("note: " + "; ".join(notes), soft_wrap=True)


@app.command()
def definitions(
    metric: Annotated[str | None, typer.Argument(help="Show this metric's SQL as well.")] = None,
    tz: TzOption = None,
    sets: SetOption = None,
    config: ConfigOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """List every metric, its definition in words and the parameter values in effect."""
    with reporting_errors():
        if fmt not in ("table", "json"):
            msg = f"--format must be table or json, got {fmt!r}"
            raise ConfigError(msg)
        defs = _definitions(config, sets, tz)
        reg = load_registry()
        metrics = list(reg.metrics)
        if metric is not None:
            metrics = [m for m in metrics if m.name == metric]
            if not metrics:
                msg = f"unknown metric {metric!r}; known: {', '.join(m.name for m in reg.metrics)}"
                raise ConfigError(msg)
        document = definitions_document(defs, metrics)
        params = [
            {**spec.to_dict(defs[name]), "source": defs.sources[name]} for name, spec in reg.params.items()
        ]
        if fmt == "json":
            out = {
                "definitions_fingerprint": defs.fingerprint,
                "parameters": params,
                "metrics": document["metrics"],
            }
            if metric is not None:
                out["sql"] = metrics[0].sql
            write_stdout((json.dumps(out, indent=2, ensure_ascii=False) + "\n").encode())
            return
        console = Console(highlight=False)
        mt = Table(title="Metrics")
        for col in ("metric", "unit", "definition", "parameters"):
            mt.add_column(col)
        for m in document["metrics"]:
            mt.add_row(m["name"], m["unit"], m["definition"], ", ".join(f"{k}={v}" for k, v in m["parameters"].items()))
        console.print(mt)
        pt = Table(title=f"Parameters in effect (fingerprint {defs.fingerprint})")
        for col in ("parameter", "value", "default", "source", "allowed"):
            pt.add_column(col)
        for name, spec in reg.params.items():
            pt.add_row(name, str(defs[name]), str(spec.default), defs.sources[name], spec.describe_range())
        console.print(pt)
        if metric is not None:
            console.print(metrics[0].sql, markup=False, highlight=False)


@app.command("inspect")
def inspect_command(
    path: Annotated[Path, typer.Argument(help="An export: CSV (also .gz), JSON/NDJSON, Parquet or .xlsx.")],
    sheet: SheetOption = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="toml (starter mapping on stdout) or json (everything on stdout).")
    ] = "toml",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on stderr.")] = False,
) -> None:
    """Show what an export holds and print a starter mapping file (TOML) on stdout."""
    from csmetrics.inspect import inspect_file

    with reporting_errors():
        if fmt not in ("toml", "json"):
            msg = f"--format must be toml or json, got {fmt!r}"
            raise ConfigError(msg)
        if not path.is_file():
            msg = f"{path}: no such file"
            raise InputError(msg)
        result = inspect_file(path, sheet=sheet)
        if fmt == "json":
            write_stdout((json.dumps(result.to_document(), indent=2, ensure_ascii=False) + "\n").encode())
        else:
            write_stdout(result.mapping_text.encode())
        if quiet:
            return
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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
