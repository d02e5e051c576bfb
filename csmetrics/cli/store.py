"""``load`` and ``db info|rejects|migrate``: the store from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from csmetrics.cli.app import app, reporting_errors, stderr
from csmetrics.cli.options import (
    DefinitionOptions,
    MappingOptions,
    ResourceOptions,
    StoreOptions,
    TextOptions,
    build_definitions,
    chosen_mapping,
    options,
    require_format,
    store_path,
)
from csmetrics.cli.report import json_bytes
from csmetrics.definitions.config import Config
from csmetrics.errors import ConfigError
from csmetrics.render.output import write_stdout
from csmetrics.store import read as store_read
from csmetrics.store import write as store_write
from csmetrics.store.schema import STORE_SCHEMA_VERSION, open_store, schema_version

QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing on stderr but errors.")]


def _path(store: StoreOptions, config_path: Path | None) -> Path:
    path = store_path(store.db, Config.find(config_path), required=True)
    assert path is not None
    return path


def _load_with_progress(path: Path, paths: list[str], load_options: dict[str, Any], show: bool) -> list[Any]:
    if not show:
        return store_write.load_files(path, paths, **load_options)
    from rich.progress import Progress

    with Progress(console=stderr, transient=True) as bar:
        task = bar.add_task("loading", total=None)

        def step(done: int, total: int, name: str) -> None:
            description = f"loading {Path(name).name}" if name else "committing"
            bar.update(task, completed=done, total=total, description=description)

        return store_write.load_files(path, paths, progress=step, **load_options)


@app.command()
@options(store=StoreOptions, mappings=MappingOptions, text=TextOptions, defs=DefinitionOptions, run=ResourceOptions)
def load(
    store: StoreOptions,
    mappings: MappingOptions,
    text: TextOptions,
    defs: DefinitionOptions,
    run: ResourceOptions,
    paths: Annotated[
        list[str], typer.Argument(help="Interaction exports, agent state logs or survey files: files or globs.")
    ],
    kind: Annotated[
        str | None,
        typer.Option(
            "--kind", help="interactions, agent_states or surveys (default: detected from each file's columns)."
        ),
    ] = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="table (summary on stderr) or json (on stdout).")
    ] = "table",
    quiet: QuietOption = False,
) -> None:
    """Load exports into the store: idempotent, newest version of each contact wins, one transaction."""
    with reporting_errors():
        require_format(fmt, ("table", "json"))
        config = Config.find(defs.config)
        path = _path(store, defs.config)
        if kind not in (None, "interactions") and (mappings.mapping or mappings.preset):
            msg = "--mapping/--preset read interaction exports; load agent states or surveys without them"
            raise ConfigError(msg)
        # A mapping (explicit, or `mapping = ...` in csmetrics.toml) reads interaction exports only.
        mapping = chosen_mapping(mappings, config) if kind in (None, "interactions") else None
        definitions = build_definitions(defs, config, mapping, quiet=quiet)
        load_options: dict[str, Any] = {
            "source_timezone": definitions["source_timezone"],
            "wait": store.wait,
            "kind": kind,
            "mapping": mapping,
            "sheet": mappings.sheet if mappings.sheet is not None else (mapping.sheet if mapping else None),
            "resources": run.resources(config),
            "text": text.text_format(mapping),
        }
        records = _load_with_progress(path, paths, load_options, not quiet and stderr.is_terminal)
        if fmt == "json":
            doc = {"store": str(path), "schema_version": STORE_SCHEMA_VERSION, "loads": [r.to_dict() for r in records]}
            write_stdout(json_bytes(doc))
        if not quiet:
            for r in records:
                stderr.print(
                    f"loaded {r.file} ({r.kind}): {r.rows_read} rows read; {r.inserted} inserted, {r.updated} updated, "
                    f"{r.unchanged} unchanged, {r.older} older than stored, {r.duplicates} duplicates in file, "
                    f"{r.rejected} rejected",
                    markup=False,
                    soft_wrap=True,
                )


db_app = typer.Typer(help="Inspect or migrate the store.", no_args_is_help=True)
app.add_typer(db_app, name="db")
ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="Read settings from this TOML file (default ./csmetrics.toml).")
]


@db_app.command("info")
@options(store=StoreOptions)
def db_info(
    store: StoreOptions,
    config: ConfigOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Tables, rows, time span and loads of the store."""
    with reporting_errors():
        require_format(fmt, ("table", "json"))
        path = _path(store, config)
        doc = store_read.info(path, wait=store.wait)
        if fmt == "json":
            write_stdout(json_bytes(doc))
            return
        console = Console(highlight=False, markup=False)
        span = doc["time_span"]
        console.print(f"store {doc['store']} (schema version {doc['schema_version']})")
        console.print("tables: " + ", ".join(f"{k} {v:,} rows" for k, v in doc["tables"].items()))
        console.print(f"contacts offered from {span['first_offered_at']} to {span['last_offered_at']}")
        lt = Table(title="Loads")
        cols = (
            "load_id",
            "loaded_at",
            "kind",
            "file",
            "rows_read",
            "inserted",
            "updated",
            "unchanged",
            "older",
            "duplicates",
            "rejected",
        )
        for c in cols:
            lt.add_column(c)
        for row in doc["loads"]:
            lt.add_row(*[str(row[c]) for c in cols])
        console.print(lt)


@db_app.command("rejects")
@options(store=StoreOptions)
def db_rejects(
    store: StoreOptions,
    config: ConfigOption = None,
    load_id: Annotated[int | None, typer.Option("--load", help="Only the rows rejected by this load_id.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
) -> None:
    """Rows rejected by loads, with their source file, line and reason."""
    with reporting_errors():
        require_format(fmt, ("table", "json", "csv"))
        path = _path(store, config)
        frame = store_read.rejects(path, wait=store.wait, load_id=load_id)
        if fmt == "json":
            write_stdout(json_bytes({"store": str(path), "total": frame.height, "rejects": frame.to_dicts()}))
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
@options(store=StoreOptions)
def db_migrate(store: StoreOptions, config: ConfigOption = None) -> None:
    """Bring a store written by an older csmetrics to the current schema version."""
    with reporting_errors():
        path = _path(store, config)
        with open_store(path, read_only=False, wait=store.wait) as con:
            version = schema_version(con)
        stderr.print(f"{path}: store schema version {version}")
