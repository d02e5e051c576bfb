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
from csmetrics.definitions.config import Config
from csmetrics.definitions.params import Definitions
from csmetrics.errors import ConfigError
from csmetrics.inputs.mapping.model import Mapping
from csmetrics.inputs.mapping.presets import choose_mapping, preset_names
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
class StoreOptions:
    db: Annotated[
        Path | None,
        typer.Option("--db", help="The DuckDB store file (default: $CSMETRICS_DB, else `db = ...` in csmetrics.toml)."),
    ] = None
    wait: Annotated[
        float, typer.Option("--wait", min=0, help="Seconds to wait while another process uses the store; then exit 75.")
    ] = 60.0


@dataclass
class InputOptions(MappingOptions, StoreOptions):
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
            "csmetrics.toml, else two thirds of the machine's memory); beyond it work spills to --temp-dir.",
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


@dataclass
class ReportOptions:
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            "-b",
            help="Comma list of interval:15m|30m|60m, hour, day, week, month, queue, channel, agent, reason, "
            "team (needs --roster).",
        ),
    ] = None
    date_from: Annotated[str | None, typer.Option("--from", help="First local date (inclusive), YYYY-MM-DD.")] = None
    date_to: Annotated[str | None, typer.Option("--to", help="Last local date (inclusive), YYYY-MM-DD.")] = None
    metrics: Annotated[
        str | None,
        typer.Option("--metrics", help="Only these metrics, a comma list (see `csmetrics definitions`)."),
    ] = None

    def period(self) -> tuple[dt.date | None, dt.date | None]:
        first, last = _date(self.date_from, "--from"), _date(self.date_to, "--to")
        if first and last and first > last:
            msg = f"--from {first} is after --to {last}"
            raise ConfigError(msg)
        return first, last

    def metric_names(self) -> list[str] | None:
        return [m.strip() for m in self.metrics.split(",") if m.strip()] if self.metrics else None


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
        states=tuple(opts.states or ()),
        roster=opts.roster,
        surveys=tuple(opts.surveys or ()),
        denominator=opts.denominator,
        wait=opts.wait,
    )
