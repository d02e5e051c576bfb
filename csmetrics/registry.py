"""Discover metric SQL files, parse their declared headers and validate the set.

Each metric is one file ``sql/<name>.sql`` that starts with a TOML block comment::

    /* csmetrics
    name = "service_level"
    title = "Service level"
    unit = "ratio"
    order = 50
    description = "..."
    [params.threshold_seconds]
    type = "integer"
    default = 20
    ...
    */
    select ...

Parameters are named ``<section>.<param>`` where the section is the header's
``section`` (default: the metric name); SQL refers to them as ``$section_param``.
Files under ``sql/prepare/`` are pipeline steps with the same header format.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from csmetrics.definitions import PARAM_TYPES, MetricDefinition, ParamSpec
from csmetrics.errors import DefinitionError
from csmetrics.resources import sql_dir

HEADER = re.compile(r"\A\s*/\*\s*csmetrics\s*\n(?P<toml>.*?)\*/", re.DOTALL)
UNITS = ("count", "ratio", "seconds", "hours", "score", "number")
# What a metric reads (header key ``source``): contacts = the ``scoped`` table; states = ``state_time``
# (run only when agent states are loaded, see docs/definitions.md); concurrency = ``concurrency_time``.
SOURCES = ("contacts", "states", "concurrency")

# Parameters every report has; they are not owned by one metric.
COMMON_PARAMS: tuple[ParamSpec, ...] = (
    ParamSpec(
        name="timezone",
        type="timezone",
        default="UTC",
        help="Report time zone: every time bucket and --from/--to are in this zone (also --tz).",
        declared_in="csmetrics/registry.py",
    ),
    ParamSpec(
        name="source_timezone",
        type="timezone",
        default="UTC",
        help="Zone of naive timestamps (no offset, no Z) in the input.",
        declared_in="csmetrics/registry.py",
    ),
)
# Values bound by the engine itself, not by users.
RUNTIME_BINDS = frozenset({"date_from", "date_to"})

# A metric that is a single aggregate over the scoped contacts (most are). Anything else runs on its own.
_SIMPLE_AGGREGATE = re.compile(
    r"\A\s*select\s+columns\('\^grp__'\)\s*,\s*(?P<expr>.+?)\s+as\s+(?P<name>[a-z_][a-z0-9_]*)"
    r"\s+from\s+scoped\s+group\s+by\s+all\s*;?\s*\Z",
    re.DOTALL | re.IGNORECASE,
)


def simple_aggregate(sql: str, name: str) -> str | None:
    """The aggregate expression of a metric body of the simple form, else None."""
    body = re.sub(r"\A(\s*--[^\n]*\n)*", "", HEADER.sub("", sql, count=1))  # leading comment lines
    m = _SIMPLE_AGGREGATE.match(body)
    if m is None or m.group("name") != name:
        return None
    expr = m.group("expr")
    # One expression only: no top-level comma, no second FROM (a subquery would need its own pass).
    if re.search(r"\bfrom\b", _STRIP.sub(" ", expr), re.IGNORECASE) or _top_level_comma(expr):
        return None
    return expr


def _top_level_comma(expr: str) -> bool:
    depth = 0
    for ch in _STRIP.sub(" ", expr):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            return True
    return False


_STRIP = re.compile(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'", re.DOTALL)
_BIND = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def reads_scoped(sql: str) -> bool:
    """Whether an SQL text reads the report's ``scoped`` contacts (outside comments and string literals)."""
    return re.search(r"\bscoped\b", _STRIP.sub(" ", HEADER.sub("", sql, count=1))) is not None


def bind_names_used(sql: str) -> tuple[str, ...]:
    """The ``$name`` parameters an SQL text uses, ignoring comments and string literals."""
    return tuple(sorted(set(_BIND.findall(_STRIP.sub(" ", sql)))))


@dataclass(frozen=True)
class Step:
    """A pipeline step under ``sql/prepare/`` (not a metric)."""

    name: str
    path: Path
    sql: str
    params: tuple[ParamSpec, ...]
    uses: tuple[str, ...]


@dataclass(frozen=True)
class Registry:
    metrics: tuple[MetricDefinition, ...]
    steps: dict[str, Step]
    params: dict[str, ParamSpec]  # full name -> spec, common params first

    def metric(self, name: str) -> MetricDefinition:
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(name)

    def step(self, name: str) -> Step:
        return self.steps[name]

    def params_of(self, uses: tuple[str, ...]) -> list[ParamSpec]:
        by_bind = {p.bind_name: p for p in self.params.values()}
        return [by_bind[u] for u in uses if u in by_bind]


def _parse_params(raw: Any, section: str, where: str, problems: list[str]) -> list[ParamSpec]:
    specs: list[ParamSpec] = []
    if not isinstance(raw, dict):
        problems.append(f"{where}: [params] must be a table")
        return specs
    for local, body in raw.items():
        full = f"{section}.{local}"
        if not isinstance(body, dict):
            problems.append(f"{where}: params.{local} must be a table")
            continue
        ptype = body.get("type")
        if ptype not in PARAM_TYPES:
            problems.append(f"{where}: params.{local}.type must be one of {', '.join(PARAM_TYPES)}")
            continue
        if "default" not in body or "help" not in body:
            problems.append(f"{where}: params.{local} needs a default and a help text")
            continue
        choices = body.get("choices", {})
        spec = ParamSpec(
            name=full,
            type=ptype,
            default=None,
            help=str(body["help"]),
            unit=body.get("unit"),
            min=body.get("min"),
            max=body.get("max"),
            choices=tuple(choices) if isinstance(choices, dict | list) else (),
            choice_help=dict(choices) if isinstance(choices, dict) else {},
            declared_in=where,
        )
        try:
            default = spec.coerce(body["default"])
        except Exception as e:  # noqa: BLE001 - reported with the others
            problems.append(f"{where}: params.{local}: default {e}")
            continue
        specs.append(replace(spec, default=default))
    return specs


def _read(path: Path, problems: list[str]) -> tuple[dict[str, Any], str] | None:
    text = path.read_text(encoding="utf-8")
    m = HEADER.match(text)
    if not m:
        problems.append(f"{path}:1: missing the '/* csmetrics ... */' header")
        return None
    try:
        header = tomllib.loads(m.group("toml"))
    except tomllib.TOMLDecodeError as e:
        problems.append(f"{path}: header is not valid TOML: {e}")
        return None
    return header, text


@cache
def load_registry(directory: Path | None = None) -> Registry:
    """Read every metric and step SQL file once; report every problem together."""
    root = directory or sql_dir()
    problems: list[str] = []
    metrics: list[MetricDefinition] = []
    steps: dict[str, Step] = {}
    params: dict[str, ParamSpec] = {p.name: p for p in COMMON_PARAMS}

    def add_params(specs: list[ParamSpec]) -> None:
        for s in specs:
            if s.name in params:
                problems.append(f"{s.declared_in}: parameter {s.name} is already declared in {params[s.name].declared_in}")
            else:
                params[s.name] = s

    for path in sorted(root.glob("*.sql")):
        parsed = _read(path, problems)
        if parsed is None:
            continue
        header, text = parsed
        where = f"sql/{path.name}"
        name = header.get("name")
        if name != path.stem:
            problems.append(f"{where}: name {name!r} must equal the file name {path.stem!r}")
            continue
        missing = [k for k in ("title", "unit", "description", "order") if k not in header]
        if missing:
            problems.append(f"{where}: header lacks {', '.join(missing)}")
            continue
        if header["unit"] not in UNITS:
            problems.append(f"{where}: unit must be one of {', '.join(UNITS)}")
            continue
        if header.get("source", "contacts") not in SOURCES:
            problems.append(f"{where}: source must be one of {', '.join(SOURCES)}")
            continue
        specs = _parse_params(header.get("params", {}), header.get("section", name), where, problems)
        add_params(specs)
        metrics.append(
            MetricDefinition(
                name=name,
                title=header["title"],
                unit=header["unit"],
                description=header["description"],
                order=int(header["order"]),
                path=path,
                sql=text,
                params=tuple(specs),
                uses=bind_names_used(text),
                aggregate=simple_aggregate(text, name) if header.get("source", "contacts") == "contacts" else None,
                notes=header.get("notes", ""),
                label=header.get("label", name),
                source=header.get("source", "contacts"),
            )
        )

    for path in sorted((root / "prepare").glob("*.sql")):
        parsed = _read(path, problems)
        if parsed is None:
            continue
        header, text = parsed
        where = f"sql/prepare/{path.name}"
        specs = _parse_params(header.get("params", {}), header.get("section", path.stem), where, problems)
        add_params(specs)
        steps[path.stem] = Step(path.stem, path, text, tuple(specs), bind_names_used(text))

    known_binds = {p.bind_name for p in params.values()} | RUNTIME_BINDS
    used_anywhere: set[str] = set()
    for item in [*metrics, *steps.values()]:
        used_anywhere.update(item.uses)
        unknown = sorted(set(item.uses) - known_binds)
        if unknown:
            problems.append(f"{item.path.name}: uses undeclared parameter(s) {', '.join('$' + u for u in unknown)}")
    for p in params.values():
        if p.declared_in.startswith("sql/") and p.bind_name not in used_anywhere:
            problems.append(f"{p.declared_in}: parameter {p.name} is declared but no SQL uses ${p.bind_name}")
    names = [m.name for m in metrics]
    if len(set(names)) != len(names):
        problems.append("metric names are not unique")
    if problems:
        raise DefinitionError("invalid metric definitions:\n  " + "\n  ".join(problems))
    metrics.sort(key=lambda m: (m.order, m.name))
    return Registry(metrics=tuple(metrics), steps=steps, params=params)
