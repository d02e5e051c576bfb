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

import polars as pl
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from csmetrics import __version__
from csmetrics.config import find_config, parse_assignments, read_config, resolve
from csmetrics.definitions import Definitions
from csmetrics.engine import Engine, definitions_document
from csmetrics import store
from csmetrics import targets as targets_mod
from csmetrics.errors import ConfigError, CsMetricsError, ExitCode, InputError, TargetMissedError
from csmetrics.mapping import choose_mapping
from csmetrics.registry import load_registry
from csmetrics.render import FORMATS, WRITERS, render_table, write_atomic, write_stdout

app = typer.Typer(
    name="csmetrics",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
stderr = Console(stderr=True, highlight=False, markup=False)  # user text is never markup


@contextmanager
def reporting_errors() -> Iterator[None]:
    """Turn library errors into a message on stderr and the documented exit code."""
    try:
        yield
    except CsMetricsError as e:
        stderr.print(Text("error: ", style="bold red") + Text(str(e)), soft_wrap=True)
        raise typer.Exit(int(e.exit_code)) from None
    except KeyboardInterrupt:
        stderr.print("interrupted")
        raise typer.Exit(130) from None
    except (typer.Exit, typer.Abort, SystemExit):
        raise
    except Exception as e:  # a bug: say so, keep the traceback for a report
        stderr.print(Text("internal error: ", style="bold red") + Text(f"{type(e).__name__}: {e}"), soft_wrap=True)
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
FromOption = Annotated[str | None, typer.Option("--from", help="First local date (inclusive), YYYY-MM-DD.")]
ToOption = Annotated[str | None, typer.Option("--to", help="Last local date (inclusive), YYYY-MM-DD.")]
ReportFormatOption = Annotated[str, typer.Option("--format", "-f", help=f"Output format: {', '.join(FORMATS)}.")]
OutputOption = Annotated[Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")]
TzOption = Annotated[str | None, typer.Option("--tz", help="Report time zone (same as --set timezone=...).")]


MappingOption = Annotated[
    Path | None, typer.Option("--mapping", "-m", help="TOML column mapping turning the export into the canonical schema.")
]
PresetOption = Annotated[
    str | None,
    typer.Option("--preset", help="Built-in mapping: amazon-connect, genesys-cloud, zendesk-talk, five9, nice-cxone, talkdesk."),
]
SheetOption = Annotated[str | None, typer.Option("--sheet", help="Sheet of an .xlsx workbook (name or 0-based index).")]


def _definitions(
    config: Path | None, sets: list[str] | None, tz: str | None, mapping: Any = None, *, quiet: bool = True
) -> Definitions:
    path = find_config(config)
    values, _settings = read_config(path)
    origin = f"mapping {mapping.name}" if mapping is not None else "mapping"
    defs = resolve(
        config_path=path,
        config_values=values,
        assignments=parse_assignments(sets or []),
        overrides={"timezone": tz} if tz else {},
        mapping_values=mapping.definitions if mapping is not None else None,
        mapping_origin=origin,
    )
    used = [n for n in (mapping.definitions if mapping is not None else {}) if defs.sources[n] == origin]
    if used and not quiet:
        shown = ", ".join(f"{n} = {defs[n]}" for n in used)
        stderr.print(f"note: {origin} sets {shown} (override with --set)", soft_wrap=True)
    return defs


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        msg = f"{option} expects a date YYYY-MM-DD, got {value!r}"
        raise ConfigError(msg) from None


def _require_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        msg = f"--format must be one of {', '.join(allowed)}, got {fmt!r}"
        raise ConfigError(msg)


def _period(date_from: str | None, date_to: str | None) -> tuple[dt.date | None, dt.date | None]:
    first, last = _date(date_from, "--from"), _date(date_to, "--to")
    if first and last and first > last:
        msg = f"--from {first} is after --to {last}"
        raise ConfigError(msg)
    return first, last


def _emit(data: bytes, output: Path | None) -> None:
    if output is None:
        write_stdout(data)
    else:
        write_atomic(output, data)


StatesOption = Annotated[
    list[str] | None,
    typer.Option(
        "--states",
        help="Agent state log (CSV/Parquet/JSON; intervals agent_id,state,started_at,ended_at or events "
        "agent_id,state,at); repeatable. Adds occupancy, utilization, shrinkage and other agent metrics.",
    ),
]
RosterOption = Annotated[
    str | None, typer.Option("--roster", help="Roster file (agent_id, team[, supervisor, site]); enables --by team.")
]


def _open_inputs(
    paths: list[str] | None, *, db: Path | None, wait: float, definitions: Definitions, config: Path | None,
    mapping: Any, sheet: str | None, surveys: list[str] | None,
    denominator: str | None, states: list[str] | None, roster: str | None,
) -> Engine:
    """The engine holding every input of a report: files (or the store), surveys, states, roster.

    ``mapping`` is the mapping chosen by ``choose_mapping`` (or None).
    """
    chosen = mapping
    engine = _engine(
        paths, db if paths else _store_path(db, config, required=True), wait, definitions,
        mapping=chosen, sheet=sheet if sheet is not None else (chosen.sheet if chosen else None),
    )
    _load_outcome_inputs(engine, surveys, denominator)
    if states and engine.states_result is not None:
        msg = "the store already holds agent states; load the file into it (csmetrics load --kind agent_states)"
        raise ConfigError(msg)
    if states:
        engine.load_states(states, source_timezone=definitions["source_timezone"])
    if roster:
        engine.load_roster(roster)
    return engine


@app.command()
def report(
    paths: Annotated[
        list[str] | None, typer.Argument(help="Interaction exports: CSV, Parquet, JSON/NDJSON files or globs.")
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by", "-b",
            help="Comma list of interval:15m|30m|60m, hour, day, week, month, queue, channel, agent, reason, "
            "team (needs --roster).",
        ),
    ] = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    tz: TzOption = None,
    sets: SetOption = None,
    config: ConfigOption = None,
    fmt: ReportFormatOption = "table",
    output: OutputOption = None,
    rejects: Annotated[
        Path | None, typer.Option("--rejects", help="Write rejected rows with their reason to this CSV/Parquet/JSON file.")
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 3 if any row is rejected.")] = False,
    states: StatesOption = None,
    roster: RosterOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on stderr but errors.")] = False,
    surveys: SurveysOption = None,
    denominator: DenominatorOption = None,
    db: DbOption = None,
    wait: WaitOption = 60.0,
    check: Annotated[bool, typer.Option("--check", help="Also evaluate the targets; exit 4 if one is missed.")] = False,
    target: TargetOption = None,
    allow_no_data: AllowNoDataOption = False,
    mapping: MappingOption = None,
    preset: PresetOption = None,
    sheet: SheetOption = None,
    metrics: Annotated[
        str | None,
        typer.Option("--metrics", help="Only these metrics, a comma list (see `csmetrics definitions`)."),
    ] = None,
) -> None:
    """Compute the metrics for interaction exports (or the store, --db), by the chosen groups and period."""
    with reporting_errors():
        _require_format(fmt, FORMATS)
        if fmt == "parquet" and output is None and sys.stdout.isatty():
            msg = "Parquet is binary: write it to a file with -o FILE, or pipe stdout"
            raise ConfigError(msg)
        chosen = choose_mapping(find_config(config), mapping, preset)
        definitions = _definitions(config, sets, tz, chosen, quiet=quiet)
        first, last = _period(date_from, date_to)
        engine = _open_inputs(
            paths, db=db, wait=wait, definitions=definitions, config=config, mapping=chosen,
            sheet=sheet, surveys=surveys, denominator=denominator, states=states, roster=roster,
        )
        chosen_metrics = [m.strip() for m in metrics.split(",") if m.strip()] if metrics else None
        result = engine.report(definitions, group_by=by, date_from=first, date_to=last, metrics=chosen_metrics)
        checked = _check(result, config, target, allow_no_data) if check or target else None
        quality = result.data_quality
        if rejects is not None:
            _write_rejects(engine, rejects)
        if not quiet:
            _summarise(quality, rejects)
            _summarise_states(quality.get("states"), rejects)
        rejected_total = quality["rejected"]["total"] + quality.get("states", {}).get("rejected", {}).get("total", 0)
        if strict and rejected_total:
            msg = f"{rejected_total} row(s) rejected and --strict is set" + (
                f"; see {rejects}" if rejects else "; write them with --rejects FILE"
            )
            raise InputError(msg)
        if fmt == "table" and output is None:
            render_table(result, Console(highlight=False, markup=False))
        else:
            _emit(WRITERS[fmt](result), output)
        if checked is not None:
            _finish_check(checked, quiet=quiet)


SurveysOption = Annotated[
    list[str] | None,
    typer.Option("--surveys", help="Survey answers: file(s) with interaction_id and csat and/or nps (repeatable)."),
]
DenominatorOption = Annotated[
    str | None,
    typer.Option(
        "--denominator",
        help="Complaint denominator per local day: CSV date,count[,queue] (with --set complaint.denominator=external).",
    ),
]


def _load_outcome_inputs(engine: Engine, surveys: list[str] | None, denominator: str | None) -> None:
    if surveys:
        engine.load_surveys(surveys)
    if denominator:
        engine.load_denominators(denominator)


@app.command("fcr-windows")
def fcr_windows(
    paths: Annotated[list[str], typer.Argument(help="Interaction exports: CSV, Parquet, JSON/NDJSON files or globs.")],
    windows: Annotated[
        str, typer.Option("--windows", "-w", help="Comma list of repeat windows in hours.")
    ] = "1,12,24,72,168",
    by: Annotated[str | None, typer.Option("--by", "-b", help="Groupings, as for report.")] = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    tz: TzOption = None,
    sets: SetOption = None,
    config: ConfigOption = None,
    fmt: ReportFormatOption = "table",
    output: OutputOption = None,
) -> None:
    """FCR, repeat rate and their counts at several repeat windows side by side (one row per window)."""
    from csmetrics.outcomes import fcr_by_window, parse_windows

    with reporting_errors():
        _require_format(fmt, FORMATS)
        definitions = _definitions(config, sets, tz)
        hours = parse_windows(windows, definitions)
        first, last = _period(date_from, date_to)
        engine = Engine()
        engine.load(paths, source_timezone=definitions["source_timezone"])
        result = fcr_by_window(engine, definitions, hours, group_by=by, date_from=first, date_to=last)
        if fmt == "table" and output is None:
            render_table(result, Console(highlight=False, markup=False))
        else:
            _emit(WRITERS[fmt](result), output)


def _write_rejects(engine: Engine, path: Path) -> None:
    frame = engine.rejects()
    state_frame = engine.state_rejects()
    if state_frame is not None:  # one file: an input column says which input each rejected row came from
        frame = pl.concat(
            [frame.with_columns(pl.lit("interactions").alias("input")), state_frame.with_columns(pl.lit("states").alias("input"))],
            how="diagonal_relaxed",
        )
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
        rows = rejected.get("contacts", 0) + rejected.get("survey_rows", 0)
        answers = rejected.get("answers", 0)
        parts = ([f"{rows} row(s) rejected"] if rows else []) + (
            [f"{answers} survey answer(s) rejected (their contacts kept)"] if answers else []
        )
        stderr.print(f"warning: {', '.join(parts)} ({reasons}); {where}", soft_wrap=True)
    notes = []
    surveys = quality.get("surveys")
    if surveys and surveys["not_counted"]["total"]:
        why = ", ".join(f"{k}: {v}" for k, v in surveys["not_counted"]["by_reason"].items())
        notes.append(f"{surveys['not_counted']['total']} survey row(s) not counted ({why})")
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


def _summarise_states(states: dict[str, Any] | None, rejects: Path | None) -> None:
    if states is None:
        return
    rejected = states["rejected"]
    if rejected["total"]:
        reasons = ", ".join(f"{k}: {v}" for k, v in rejected["by_reason"].items())
        where = f"written to {rejects}" if rejects else "write them with --rejects FILE"
        stderr.print(f"warning: {rejected['total']} agent state row(s) rejected ({reasons}); {where}", soft_wrap=True)
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


@app.command()
def definitions(
    metric: Annotated[str | None, typer.Argument(help="Show this metric's SQL as well.")] = None,
    tz: TzOption = None,
    sets: SetOption = None,
    config: ConfigOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    mapping: MappingOption = None,
    preset: PresetOption = None,
) -> None:
    """List every metric, its definition in words and the parameter values in effect."""
    with reporting_errors():
        _require_format(fmt, ("table", "json"))
        defs = _definitions(config, sets, tz, choose_mapping(find_config(config), mapping, preset))
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
        console = Console(highlight=False, markup=False)
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


# -- the store, targets (issue 5) ---------------------------------------------------------------
DbOption = Annotated[
    Path | None,
    typer.Option("--db", help="The DuckDB store file (default: $CSMETRICS_DB, else `db = ...` in csmetrics.toml)."),
]
WaitOption = Annotated[
    float, typer.Option("--wait", min=0, help="Seconds to wait while another process uses the store; then exit 75.")
]
TargetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--target", "-t", metavar="[GROUP=VALUE:]METRIC OP NUMBER",
        help="A target such as 'service_level>=0.8' or 'queue=billing:asa_seconds<=30' (repeatable; "
        "replaces the [targets] of csmetrics.toml).",
    ),
]
AllowNoDataOption = Annotated[
    bool, typer.Option("--allow-no-data", help="A target whose metric has no value passes instead of counting as missed.")
]


def _store_path(db: Path | None, config: Path | None, *, required: bool) -> Path | None:
    """--db, else $CSMETRICS_DB, else `db = ...` in csmetrics.toml (relative to that file)."""
    if db is not None:
        return db
    env = os.environ.get("CSMETRICS_DB")
    if env:
        return Path(env)
    path = find_config(config)
    _values, settings = read_config(path)
    if "db" in settings and path is not None:
        if not isinstance(settings["db"], str) or not settings["db"]:
            msg = f"{path}: db must be a file path string"
            raise ConfigError(msg)
        return path.parent / settings["db"]
    if required:
        msg = "give input files, or a store with --db FILE (or CSMETRICS_DB, or db = \"FILE\" in csmetrics.toml)"
        raise ConfigError(msg)
    return None


def _engine(
    paths: list[str] | None, db: Path | None, wait: float, definitions: Definitions, *,
    mapping: Any = None, sheet: str | None = None,
) -> Engine:
    if paths and db is not None:
        msg = "give input files or a store (--db), not both; load the files into the store with `csmetrics load`"
        raise ConfigError(msg)
    if paths:
        engine = Engine()
        engine.load(paths, source_timezone=definitions["source_timezone"], mapping=mapping, sheet=sheet)
        return engine
    assert db is not None
    return store.store_engine(db, wait=wait)


def _check(result: Any, config: Path | None, cli_targets: list[str] | None, allow_no_data: bool) -> Any:
    if cli_targets:
        chosen = [targets_mod.parse_target(t) for t in cli_targets]
    else:
        path = find_config(config)
        _values, settings = read_config(path)
        chosen = targets_mod.targets_from_config(settings.get("targets"), str(path or "csmetrics.toml"))
    if not chosen:
        msg = "no targets: give --target 'METRIC>=NUMBER' or a [targets] table in csmetrics.toml"
        raise ConfigError(msg)
    return targets_mod.evaluate(chosen, result, allow_no_data=allow_no_data)


def _finish_check(checked: Any, *, quiet: bool, to_stdout: bool = False) -> None:
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


@app.command()
def check(
    paths: Annotated[
        list[str] | None, typer.Argument(help="Interaction exports (or use the store, --db).")
    ] = None,
    target: TargetOption = None,
    by: Annotated[str | None, typer.Option("--by", "-b", help="Group the report (as in `report --by`).")] = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    tz: TzOption = None,
    sets: SetOption = None,
    config: ConfigOption = None,
    db: DbOption = None,
    wait: WaitOption = 60.0,
    allow_no_data: AllowNoDataOption = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on stderr but errors.")] = False,
    mapping: MappingOption = None,
    preset: PresetOption = None,
    sheet: SheetOption = None,
    states: StatesOption = None,
    roster: RosterOption = None,
    surveys: SurveysOption = None,
    denominator: DenominatorOption = None,
) -> None:
    """Evaluate the targets on the report's rows; exit 4 when any target is missed."""
    with reporting_errors():
        _require_format(fmt, ("table", "json"))
        chosen = choose_mapping(find_config(config), mapping, preset)
        definitions = _definitions(config, sets, tz, chosen, quiet=quiet)
        first, last = _period(date_from, date_to)
        engine = _open_inputs(
            paths, db=db, wait=wait, definitions=definitions, config=config, mapping=chosen,
            sheet=sheet, surveys=surveys, denominator=denominator, states=states, roster=roster,
        )
        result = engine.report(definitions, group_by=by, date_from=first, date_to=last)
        checked = _check(result, config, target, allow_no_data)
        if fmt == "json":
            write_stdout(_json(checked.to_document()))
            if not checked.ok:
                raise TargetMissedError(f"{checked.missed + checked.no_data * (not allow_no_data)} target evaluation(s) missed")
            return
        _finish_check(checked, quiet=quiet, to_stdout=True)


def _json(document: Any) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False, default=str) + "\n").encode()


@app.command()
def load(
    paths: Annotated[
        list[str], typer.Argument(help="Interaction exports, agent state logs or survey files: files or globs.")
    ],
    db: DbOption = None,
    config: ConfigOption = None,
    sets: SetOption = None,
    wait: WaitOption = 60.0,
    kind: Annotated[
        str | None,
        typer.Option("--kind", help="interactions, agent_states or surveys (default: detected from each file's columns)."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table (summary on stderr) or json (on stdout).")] = "table",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on stderr but errors.")] = False,
    mapping: MappingOption = None,
    preset: PresetOption = None,
    sheet: SheetOption = None,
) -> None:
    """Load exports into the store: idempotent, newest version of each contact wins, one transaction."""
    with reporting_errors():
        _require_format(fmt, ("table", "json"))
        path = _store_path(db, config, required=True)
        assert path is not None
        if kind not in (None, "interactions") and (mapping or preset):
            msg = "--mapping/--preset read interaction exports; load agent states or surveys without them"
            raise ConfigError(msg)
        # A mapping (explicit, or `mapping = ...` in csmetrics.toml) reads interaction exports only.
        chosen = choose_mapping(find_config(config), mapping, preset) if kind in (None, "interactions") else None
        definitions = _definitions(config, sets, None, chosen, quiet=quiet)
        load_options: dict[str, Any] = {
            "source_timezone": definitions["source_timezone"], "wait": wait, "kind": kind, "mapping": chosen,
            "sheet": sheet if sheet is not None else (chosen.sheet if chosen else None),
        }
        show_progress = not quiet and stderr.is_terminal
        if show_progress:
            from rich.progress import Progress

            with Progress(console=stderr, transient=True) as bar:
                task = bar.add_task("loading", total=None)

                def step(done: int, total: int, name: str) -> None:
                    bar.update(task, completed=done, total=total, description=f"loading {Path(name).name}" if name else "committing")

                records = store.load_files(path, paths, progress=step, **load_options)
        else:
            records = store.load_files(path, paths, **load_options)
        if fmt == "json":
            doc = {"store": str(path), "schema_version": store.STORE_SCHEMA_VERSION, "loads": [r.to_dict() for r in records]}
            write_stdout(_json(doc))
        if not quiet:
            for r in records:
                stderr.print(
                    f"loaded {r.file} ({r.kind}): {r.rows_read} rows read; {r.inserted} inserted, {r.updated} updated, "
                    f"{r.unchanged} unchanged, {r.older} older than stored, {r.duplicates} duplicates in file, "
                    f"{r.rejected} rejected",
                    markup=False, soft_wrap=True,
                )


db_app = typer.Typer(help="Inspect or migrate the store.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("info")
def db_info(
    db: DbOption = None,
    config: ConfigOption = None,
    wait: WaitOption = 60.0,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Tables, rows, time span and loads of the store."""
    with reporting_errors():
        _require_format(fmt, ("table", "json"))
        path = _store_path(db, config, required=True)
        assert path is not None
        doc = store.info(path, wait=wait)
        if fmt == "json":
            write_stdout(_json(doc))
            return
        console = Console(highlight=False, markup=False)
        span = doc["time_span"]
        console.print(f"store {doc['store']} (schema version {doc['schema_version']})")
        console.print("tables: " + ", ".join(f"{k} {v:,} rows" for k, v in doc["tables"].items()))
        console.print(f"contacts offered from {span['first_offered_at']} to {span['last_offered_at']}")
        lt = Table(title="Loads")
        cols = ("load_id", "loaded_at", "kind", "file", "rows_read", "inserted", "updated", "unchanged", "older", "duplicates", "rejected")
        for c in cols:
            lt.add_column(c)
        for row in doc["loads"]:
            lt.add_row(*[str(row[c]) for c in cols])
        console.print(lt)


@db_app.command("rejects")
def db_rejects(
    db: DbOption = None,
    config: ConfigOption = None,
    wait: WaitOption = 60.0,
    load_id: Annotated[int | None, typer.Option("--load", help="Only the rows rejected by this load_id.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
) -> None:
    """Rows rejected by loads, with their source file, line and reason."""
    with reporting_errors():
        _require_format(fmt, ("table", "json", "csv"))
        path = _store_path(db, config, required=True)
        assert path is not None
        frame = store.rejects(path, wait=wait, load_id=load_id)
        if fmt == "json":
            write_stdout(_json({"store": str(path), "total": frame.height, "rejects": frame.to_dicts()}))
        elif fmt == "csv":
            write_stdout(frame.write_csv().encode())
        else:
            console = Console(highlight=False, markup=False)
            rt = Table(title=f"{frame.height} rejected row(s)")
            cols = ("load_id", "kind", "source_file", "line", "reject_reason", "interaction_id")
            for c in cols:
                rt.add_column(c)
            for row in frame.select(cols).iter_rows():  # bounded output listing, for a human
                rt.add_row(*[str(v) for v in row])
            console.print(rt)


@db_app.command("migrate")
def db_migrate(db: DbOption = None, config: ConfigOption = None, wait: WaitOption = 60.0) -> None:
    """Bring a store written by an older csmetrics to the current schema version."""
    with reporting_errors():
        path = _store_path(db, config, required=True)
        assert path is not None
        with store.open_store(path, read_only=False, wait=wait) as con:
            version = store.schema_version(con)
        stderr.print(f"{path}: store schema version {version}")
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
        _require_format(fmt, ("toml", "json"))
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
