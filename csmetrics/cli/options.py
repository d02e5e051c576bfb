"""Option groups shared by the commands, declared once, and how a command turns them into a request.

A command names the groups it takes (``@options(inputs=InputOptions, ...)``); the decorator adds
every field of each group to the command's parameters (so typer shows them in --help) and hands
the command one instance per group. Every command that reads interactions therefore accepts every
input option, and builds its request the same way (:func:`build_inputs`, :func:`build_definitions`).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Annotated, Any, get_type_hints

import typer

from csmetrics.api import Inputs, definitions
from csmetrics.cli.app import stderr
from csmetrics.compare.periods import Period, parse_period, previous_period
from csmetrics.definitions.config import Config
from csmetrics.definitions.params import Definitions
from csmetrics.errors import ConfigError
from csmetrics.inputs.mapping.model import Mapping
from csmetrics.inputs.mapping.presets import choose_mapping, preset_names
from csmetrics.inputs.textformat import TextFormat
from csmetrics.pipeline.resources import Resources


@dataclass
class MappingOptions:
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", "-m", help="TOML column mapping turning the export into the canonical schema."),
    ] = None
    preset: Annotated[str | None, typer.Option("--preset", help=f"Built-in mapping: {', '.join(preset_names())}.")] = (
        None
    )
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="Sheet of an .xlsx workbook (name or 0-based index).")
    ] = None


@dataclass
class TextOptions:
    encoding: Annotated[
        str | None,
        typer.Option(
            "--encoding",
            help="Encoding of CSV exports: utf-8 (default), utf-16, cp1252 (windows-1252) or latin-1. A UTF-16 "
            "file with its byte-order mark is read without it.",
        ),
    ] = None
    decimal_separator: Annotated[
        str | None,
        typer.Option(
            "--decimal-separator",
            help="Decimal separator of numbers in CSV exports: . or , (default: a comma when the file is "
            "delimited by ; and its numbers use one, else a point).",
        ),
    ] = None

    def text_format(self, mapping: Mapping | None) -> TextFormat:
        """The encoding and decimal separator of CSV exports: these options, else the mapping's [source]."""
        return TextFormat.of(self.encoding, self.decimal_separator, mapping)


@dataclass
class StoreOptions:
    db: Annotated[
        Path | None,
        typer.Option("--db", help="The DuckDB store file (default: $CSMETRICS_DB, else `db = ...` in csmetrics.toml)."),
    ] = None
    wait: Annotated[
        float, typer.Option("--wait", min=0, help="Seconds to wait while another process uses the store; then exit 75.")
    ] = 60.0


@dataclass
class InputOptions(MappingOptions, TextOptions, StoreOptions):
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Interaction exports: CSV/TSV, Parquet, JSON/NDJSON or .xlsx files or globs (- is CSV on stdin); "
            "or none, to read the store (--db).",
        ),
    ] = None
    states: Annotated[
        list[str] | None,
        typer.Option(
            "--states",
            help="Agent state log (CSV/Parquet/JSON; intervals agent_id,state,started_at,ended_at or events "
            "agent_id,state,at); repeatable. Adds occupancy, utilization, shrinkage and other agent metrics.",
        ),
    ] = None
    roster: Annotated[
        str | None,
        typer.Option("--roster", help="Roster file (agent_id, team[, supervisor, site]); enables --by team."),
    ] = None
    surveys: Annotated[
        list[str] | None,
        typer.Option("--surveys", help="Survey answers: file(s) with interaction_id and csat and/or nps (repeatable)."),
    ] = None
    denominator: Annotated[
        str | None,
        typer.Option(
            "--denominator",
            help="Complaint denominator per local day: CSV date,count[,queue] "
            "(with --set complaint.denominator=external).",
        ),
    ] = None


@dataclass
class ResourceOptions:
    memory_limit: Annotated[
        str | None,
        typer.Option(
            "--memory-limit",
            help="Most memory to use, e.g. 8GB or 50% (default: $CSMETRICS_MEMORY_LIMIT, else memory_limit in "
            "csmetrics.toml, else two thirds of the machine's memory, and for a store read with --db no more than "
            "the store's size); beyond it work spills to --temp-dir.",
        ),
    ] = None
    temp_dir: Annotated[
        Path | None,
        typer.Option(
            "--temp-dir",
            help="Where to spill what does not fit in memory (default: $CSMETRICS_TEMP_DIR, else temp_directory "
            "in csmetrics.toml, else the system's temporary directory).",
        ),
    ] = None

    def resources(self, config: Config) -> Resources:
        return Resources.from_settings(self.memory_limit, self.temp_dir, config.settings)


@dataclass
class DefinitionOptions:
    tz: Annotated[str | None, typer.Option("--tz", help="Report time zone (same as --set timezone=...).")] = None
    sets: Annotated[
        list[str] | None,
        typer.Option("--set", "-s", metavar="NAME=VALUE", help="Set a definition parameter (repeatable)."),
    ] = None
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="Read parameters from this TOML file (default ./csmetrics.toml)."),
    ] = None


MetricsOption = Annotated[
    str | None,
    typer.Option("--metrics", help="Only these metrics, a comma list (see `csmetrics definitions`)."),
]


def _metric_names(metrics: str | None) -> list[str] | None:
    return [m.strip() for m in metrics.split(",") if m.strip()] if metrics else None


@dataclass
class ByOptions:
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            "-b",
            help="Comma list of interval:15m|30m|60m, hour, day, week, month, hour_of_day, weekday, queue, channel, "
            "agent, reason, team (needs --roster).",
        ),
    ] = None
    hours: Annotated[
        Path | None,
        typer.Option(
            "--hours",
            help="Opening hours, holidays and closures (TOML; default: the [week] and [calendars.NAME] tables of "
            "csmetrics.toml) for business time, after-hours and backlog metrics.",
        ),
    ] = None


@dataclass
class GroupingOptions(ByOptions):
    """Grouping and metrics, without a period (compare chooses its periods itself)."""

    metrics: MetricsOption = None

    def metric_names(self) -> list[str] | None:
        return _metric_names(self.metrics)


@dataclass
class PeriodOptions(ByOptions):
    date_from: Annotated[str | None, typer.Option("--from", help="First local date (inclusive), YYYY-MM-DD.")] = None
    date_to: Annotated[str | None, typer.Option("--to", help="Last local date (inclusive), YYYY-MM-DD.")] = None

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        first, last = _date(self.date_from, "--from"), _date(self.date_to, "--to")
        if first and last and first > last:
            msg = f"--from {first} is after --to {last}"
            raise ConfigError(msg)
        return first, last


@dataclass
class ReportOptions(PeriodOptions):
    metrics: MetricsOption = None

    def metric_names(self) -> list[str] | None:
        return _metric_names(self.metrics)


@dataclass
class CompareOptions:
    before: Annotated[
        str | None,
        typer.Option("--before", metavar="FROM:TO", help="The before period: local dates, inclusive (or one date)."),
    ] = None
    after: Annotated[
        str | None,
        typer.Option("--after", metavar="FROM:TO", help="The after period: local dates, inclusive (or one date)."),
    ] = None
    previous: Annotated[
        bool, typer.Option("--previous", help="The before period is the one of equal length just before --after.")
    ] = False
    before_inputs: Annotated[
        list[str] | None,
        typer.Option(
            "--before-inputs",
            help="Compare two input sets: the before side's interaction files or globs, or one store "
            "(repeatable; with --after-inputs, instead of INPUTS or --db).",
        ),
    ] = None
    after_inputs: Annotated[
        list[str] | None,
        typer.Option("--after-inputs", help="The after side's interaction files or globs, or one store (repeatable)."),
    ] = None

    def periods(self) -> tuple[Period, Period]:
        after = parse_period(self.after, "--after") if self.after else Period()
        if self.previous:
            if self.before:
                msg = "give --before FROM:TO or --previous, not both"
                raise ConfigError(msg)
            return previous_period(after), after
        return (parse_period(self.before, "--before") if self.before else Period()), after


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        msg = f"{option} expects a date YYYY-MM-DD, got {value!r}"
        raise ConfigError(msg) from None


def options(**groups: type) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Give a command the fields of each option group as parameters, and one instance of each group."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        own = inspect.signature(func, eval_str=True)
        params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for n, p in own.parameters.items() if n not in groups]
        members: dict[str, list[str]] = {}
        for group_name, cls in groups.items():
            hints = get_type_hints(cls, include_extras=True)
            members[group_name] = [f.name for f in fields(cls)]
            first = [f for f in fields(cls) if f.name == "paths"]  # the positional argument comes first
            for f in first + [f for f in fields(cls) if f.name != "paths"]:
                param = inspect.Parameter(
                    f.name, inspect.Parameter.KEYWORD_ONLY, default=f.default, annotation=hints[f.name]
                )
                params.insert(0, param) if f.name == "paths" else params.append(param)

        @functools.wraps(func)
        def wrapper(**kwargs: Any) -> Any:
            for group_name, cls in groups.items():
                kwargs[group_name] = cls(**{n: kwargs.pop(n) for n in members[group_name]})
            return func(**kwargs)

        wrapper.__signature__ = own.replace(parameters=params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        return wrapper

    return decorate


def require_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        msg = f"--format must be one of {', '.join(allowed)}, got {fmt!r}"
        raise ConfigError(msg)


def store_path(db: Path | None, config: Config, *, required: bool) -> Path | None:
    """--db, else $CSMETRICS_DB, else `db = ...` in csmetrics.toml (relative to that file)."""
    if db is not None:
        return db
    env = os.environ.get("CSMETRICS_DB")
    if env:
        return Path(env)
    path = config.relative("db")
    if path is None and required:
        msg = 'give input files, or a store with --db FILE (or CSMETRICS_DB, or db = "FILE" in csmetrics.toml)'
        raise ConfigError(msg)
    return path


def chosen_mapping(opts: MappingOptions, config: Config) -> Mapping | None:
    return choose_mapping(config, opts.mapping, opts.preset)


def build_definitions(
    opts: DefinitionOptions, config: Config, mapping: Mapping | None, *, quiet: bool = True
) -> Definitions:
    """The definitions of the command line: defaults < csmetrics.toml < mapping < --set < --tz."""
    defs = definitions(config=config, sets=opts.sets or [], tz=opts.tz, mapping=mapping)
    if mapping is not None and not quiet:
        origin = f"mapping {mapping.name}"
        used = [n for n in mapping.definitions if defs.sources[n] == origin]
        if used:
            shown = ", ".join(f"{n} = {defs[n]}" for n in used)
            stderr.print(f"note: {origin} sets {shown} (override with --set)", soft_wrap=True)
    if not quiet:
        _warn_zone_mismatch(defs, mapping)
    return defs


def _warn_zone_mismatch(defs: Definitions, mapping: Mapping | None) -> None:
    """Once: the data's clock is not the report's, and nobody chose the report's (days would shift)."""
    zone = mapping.timezone if mapping is not None else None
    if zone is None or defs.sources.get("timezone", "default") != "default" or str(defs["timezone"]) == zone:
        return
    stderr.print(
        f"warning: mapping {mapping.name} reads times as {zone} but the report's days and intervals are in "
        f'{defs["timezone"]}; give --tz {zone}, or declare it in the mapping: [definitions] timezone = "{zone}"',
        soft_wrap=True,
    )


def build_inputs(opts: InputOptions, config: Config, mapping: Mapping | None) -> Inputs:
    """The request's inputs: the files given, or the store (--db, $CSMETRICS_DB, csmetrics.toml)."""
    if opts.paths and opts.db is not None:
        msg = "give input files or a store (--db), not both; load the files into the store with `csmetrics load`"
        raise ConfigError(msg)
    store = None if opts.paths else store_path(opts.db, config, required=True)
    return Inputs(
        interactions=tuple(opts.paths or ()),
        store=store,
        mapping=mapping,
        sheet=opts.sheet,
        text=opts.text_format(mapping),
        states=tuple(opts.states or ()),
        roster=opts.roster,
        surveys=tuple(opts.surveys or ()),
        denominator=opts.denominator,
        wait=opts.wait,
    )


@dataclass
class StaffingOptions:
    volume: Annotated[
        float | None,
        typer.Option("--volume", help="Model only (no input files): contacts offered in one interval.", min=0),
    ] = None
    interval: Annotated[
        str | None,
        typer.Option("--interval", help="Model only: the interval --volume arrives in: 15m, 30m (default), 1h, 90s."),
    ] = None
    aht: Annotated[float | None, typer.Option("--aht", help="Model only: average handle time in seconds.", min=0)] = (
        None
    )
    agents: Annotated[
        str | None,
        typer.Option("--agents", help="Model only: agent counts to show, e.g. 11,12,13,14 or 10-16 (default: around "
                     "the requirement)."),
    ] = None  # fmt: skip
    target: Annotated[
        float, typer.Option("--target", help="Service-level target: the share answered within --threshold.")
    ] = 0.8
    threshold: Annotated[
        float | None,
        typer.Option(
            "--threshold",
            help="Service-level threshold in seconds (default service_level.threshold_seconds, 20; with data it "
            "sets that parameter).",
        ),
    ] = None
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="erlang-c (no abandonment) or erlang-a (abandonment with exponential patience); model only also "
            "erlang-b (lines). Default: erlang-a with data, and in model-only mode when --patience is given.",
        ),
    ] = None
    patience: Annotated[
        float | None,
        typer.Option(
            "--patience",
            help="Mean patience in seconds (Erlang A). With data, instead of the estimate from the contacts.",
        ),
    ] = None
    max_occupancy: Annotated[
        float | None, typer.Option("--max-occupancy", help="Also keep agent occupancy at or below this (0-1).")
    ] = None
    max_abandon: Annotated[
        float | None,
        typer.Option("--max-abandon", help="Also keep the abandon rate at or below this (0-1; Erlang A)."),
    ] = None
    max_asa: Annotated[
        float | None, typer.Option("--max-asa", help="Also keep the mean wait (ASA) at or below this, in seconds.")
    ] = None
    max_blocking: Annotated[
        float | None,
        typer.Option("--max-blocking", help="Erlang B: the share of contacts allowed to find every line busy (0.01)."),
    ] = None
    shrinkage: Annotated[
        float, typer.Option("--shrinkage", help="Share of paid time not available for contacts, for FTE (0-1).")
    ] = 0.0

    def model_only(self) -> bool:
        return self.volume is not None or self.aht is not None
