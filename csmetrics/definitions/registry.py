"""Read every SQL file under ``sql/`` once, with its declared header, and check the set.

The folder holds four kinds of SQL, each file starting with a TOML block comment
(``/* csmetrics ... */``) that declares it:

- ``sql/metrics/<name>.sql``: one metric. By default (``kind = "aggregate"``) the body is one
  aggregate expression over the metric's relation (``source``: contacts -> ``scoped``, states ->
  ``state_time``, concurrency -> ``concurrency_time``); the report computes every aggregate metric of
  a relation together, in one pass. ``kind = "standalone"`` is a whole query
  (``select columns('^grp__'), ... as <name> ... group by all``) over the relations in ``reads``.
- ``sql/steps/<name>.sql``: a preparation step (``reads``, ``creates``), run in the order of
  ``sql/pipeline.toml``.
- ``sql/report/<name>.sql``: a fragment composed into a report's queries (``fragment`` names the
  relation it defines, ``reads`` what it reads).
- ``sql/macros/*.sql``: DuckDB macros every query may call.

``sql/quality/*.sql`` are aggregate expressions over ``scoped`` that feed ``data_quality``,
``sql/accounting/*.sql`` the queries over the session's small tables that explain every row read, and
``sql/groupings.toml`` is the allow-list of ``--by`` groupings.

Parameters are declared as ``[params."<full.name>"]`` in the header of the file where they take
effect and read in SQL as ``getvariable('<full.name>')``: one spelling from the command line to the
SQL. This module checks the headers, that every variable used is declared and every declared
parameter is used, and that every step reads only what earlier steps create. The checks that need
DuckDB (the shape of an aggregate, the columns a metric reads) are :mod:`csmetrics.definitions.contract`
and :mod:`csmetrics.pipeline.contract`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from csmetrics.definitions.contract import check_shapes
from csmetrics.definitions.model import (
    KINDS,
    NEEDS,
    SOURCES,
    UNITS,
    Accounting,
    Fragment,
    Grouping,
    Macros,
    Metric,
    QualityExpression,
    Registry,
    Step,
)
from csmetrics.definitions.params import FRAME_PARAMS, PARAM_TYPES, ParamSpec
from csmetrics.errors import DefinitionError

HEADER = re.compile(r"\A\s*/\*\s*csmetrics\s*\n(?P<toml>.*?)\*/\n?", re.DOTALL)
# Variables the session sets that are not parameters: the period; whether the interaction rows are known to
# hold each interaction_id once (a store keeps one version of each contact; set by Session.use_interactions);
# whether every surviving row was found valid under the current parameters (set by sql/steps/summary.sql); the
# time zone csm_local_time was last written for (Session.use_local_times).
RUNTIME_VARIABLES = frozenset(
    {"date_from", "date_to", "input_unique_ids", "input_rows_valid", "input_answers_valid", "local_time_zone"}
)

_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_VARIABLE = re.compile(r"getvariable\(\s*'([^']*)'\s*\)", re.IGNORECASE)
_MACRO_CALL = re.compile(r"\b(csm_[a-z0-9_]+)\s*\(", re.IGNORECASE)
_MACRO_DEF = re.compile(r"create\s+(?:or\s+replace\s+)?(?:temp\s+)?macro\s+(csm_[a-z0-9_]+)\s*\(", re.IGNORECASE)


def sql_dir() -> Path:
    """The ``sql/`` folder: inside an installed wheel, or beside the package in a checkout."""
    packaged = Path(__file__).resolve().parent.parent / "sql"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / "sql"


def strip_comments(sql: str) -> str:
    return _COMMENTS.sub(" ", sql)


def variables_used(sql: str) -> tuple[str, ...]:
    """The DuckDB variables (``getvariable('name')``) an SQL text reads, outside comments."""
    return tuple(sorted(set(_VARIABLE.findall(strip_comments(sql)))))


def macros_called(sql: str) -> tuple[str, ...]:
    return tuple(sorted({m.lower() for m in _MACRO_CALL.findall(strip_comments(sql))}))


class _Reader:
    """Collects the problems of every file, so that one run reports all of them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[str] = []
        self.params: dict[str, ParamSpec] = {p.name: p for p in FRAME_PARAMS}

    def where(self, path: Path) -> str:
        return "sql/" + path.relative_to(self.root).as_posix()

    def read(self, path: Path) -> tuple[dict[str, Any], str] | None:
        text = path.read_text(encoding="utf-8")
        m = HEADER.match(text)
        if not m:
            self.problems.append(f"{self.where(path)}:1: missing the '/* csmetrics ... */' header")
            return None
        try:
            header = tomllib.loads(m.group("toml"))
        except tomllib.TOMLDecodeError as e:
            self.problems.append(f"{self.where(path)}: header is not valid TOML: {e}")
            return None
        return header, text[m.end() :].strip() + "\n"

    def strings(self, header: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = header.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problems.append(f"{where}: {key} must be a list of names")
            return ()
        return tuple(value)

    def declare(self, header: dict[str, Any], where: str) -> tuple[ParamSpec, ...]:
        raw = header.get("params", {})
        if not isinstance(raw, dict):
            self.problems.append(f"{where}: [params] must be a table")
            return ()
        specs = []
        for name, body in raw.items():
            spec = self._param(name, body, where)
            if spec is None:
                continue
            if name in self.params:
                self.problems.append(
                    f"{where}: parameter {name} is already declared in {self.params[name].declared_in}"
                )
                continue
            self.params[name] = spec
            specs.append(spec)
        return tuple(specs)

    def _param(self, name: str, body: Any, where: str) -> ParamSpec | None:
        if not isinstance(body, dict) or "." not in name:
            self.problems.append(f'{where}: declare parameters as [params."section.name"] tables, got params.{name}')
            return None
        ptype = body.get("type")
        if ptype not in PARAM_TYPES:
            self.problems.append(f"{where}: params.{name}.type must be one of {', '.join(PARAM_TYPES)}")
            return None
        if "default" not in body or "help" not in body:
            self.problems.append(f"{where}: params.{name} needs a default and a help text")
            return None
        choices = body.get("choices", {})
        spec = ParamSpec(
            name=name,
            type=ptype,
            default=None,
            help=str(body["help"]),
            unit=body.get("unit"),
            min=body.get("min"),
            max=body.get("max"),
            choices=tuple(choices) if isinstance(choices, dict | list) else (),
            choice_help=dict(choices) if isinstance(choices, dict) else {},
            declared_in=where,
            scopes=tuple(body.get("scopes", ())),
        )
        if not set(spec.scopes) <= {"channel", "queue"}:
            self.problems.append(f'{where}: params.{name}.scopes may hold "channel" and "queue" only')
            return None
        try:
            default = spec.coerce(body["default"])
        except Exception as e:
            self.problems.append(f"{where}: params.{name}: default {e}")
            return None
        return replace(spec, default=default)


def _macro_uses(macros: tuple[Macros, ...]) -> dict[str, set[str]]:
    """Variables each macro reads, through the macros it calls as well."""
    direct: dict[str, set[str]] = {}
    calls: dict[str, set[str]] = {}
    for m in macros:
        parts = _MACRO_DEF.split(strip_comments(m.sql))
        for name, body in zip(parts[1::2], parts[2::2], strict=True):
            direct[name.lower()] = set(variables_used(body))
            calls[name.lower()] = set(macros_called(body)) - {name.lower()}
    closed: dict[str, set[str]] = {}

    def visit(name: str, seen: frozenset[str]) -> set[str]:
        if name in closed:
            return closed[name]
        found = set(direct.get(name, set()))
        for other in calls.get(name, set()) - seen:
            found |= visit(other, seen | {name})
        closed[name] = found
        return found

    for name in direct:
        visit(name, frozenset())
    return closed


def _uses(sql: str, macro_uses: dict[str, set[str]]) -> tuple[str, ...]:
    found = set(variables_used(sql))
    for name in macros_called(sql):
        found |= macro_uses.get(name, set())
    return tuple(sorted(found))


def _pipeline(reader: _Reader) -> dict[str, Any]:
    try:
        return tomllib.loads((reader.root / "pipeline.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        reader.problems.append(f"sql/pipeline.toml: cannot be read: {e}")
        return {}


def _listed(reader: _Reader, folder: str, names: list[str]) -> list[Path]:
    """The files of ``names`` under ``folder`` in that order; a file of the folder left out is a problem."""
    paths = []
    for name in names:
        path = reader.root / folder / f"{name}.sql"
        if path.is_file():
            paths.append(path)
        else:
            reader.problems.append(f"sql/pipeline.toml: {folder} {name!r} has no file sql/{folder}/{name}.sql")
    for path in sorted((reader.root / folder).glob("*.sql")):
        if path.stem not in names:
            reader.problems.append(f"sql/{folder}/{path.name}: not listed in sql/pipeline.toml {folder}")
    return paths


def _read_macros(reader: _Reader, pipeline: dict[str, Any]) -> tuple[Macros, ...]:
    out = []
    for path in _listed(reader, "macros", list(pipeline.get("macros", ()))):
        parsed = reader.read(path)
        if parsed is None:
            continue
        header, body = parsed
        params = reader.declare(header, reader.where(path))
        defines = tuple(n.lower() for n in _MACRO_DEF.findall(body))
        out.append(Macros(path, body, params, defines))
    return tuple(out)


def _read_metric(reader: _Reader, path: Path, macro_uses: dict[str, set[str]]) -> Metric | None:
    parsed = reader.read(path)
    if parsed is None:
        return None
    header, body = parsed
    where = reader.where(path)
    if header.get("name") != path.stem:
        reader.problems.append(f"{where}: name {header.get('name')!r} must equal the file name {path.stem!r}")
        return None
    missing = [k for k in ("title", "unit", "description", "order") if k not in header]
    if missing:
        reader.problems.append(f"{where}: header lacks {', '.join(missing)}")
        return None
    checks = [
        (header["unit"] in UNITS, f"unit must be one of {', '.join(UNITS)}"),
        (header.get("source", "contacts") in SOURCES, f"source must be one of {', '.join(SOURCES)}"),
        (header.get("kind", "aggregate") in KINDS, f"kind must be one of {', '.join(KINDS)}"),
        (header.get("needs", NEEDS[0]) in NEEDS, f"needs must be one of {', '.join(NEEDS)}"),
    ]
    bad = [why for ok, why in checks if not ok]
    if bad:
        reader.problems.extend(f"{where}: {why}" for why in bad)
        return None
    kind = header.get("kind", "aggregate")
    reads = reader.strings(header, "reads", where)
    if kind == "standalone" and not reads:
        reader.problems.append(f"{where}: a standalone metric declares the relations it reads: reads = [...]")
    return Metric(
        name=header["name"],
        title=header["title"],
        unit=header["unit"],
        description=header["description"],
        order=int(header["order"]),
        path=path,
        sql=body,
        params=reader.declare(header, where),
        uses=_uses(body, macro_uses),
        notes=header.get("notes", ""),
        label=header.get("label", header["name"]),
        source=header.get("source", "contacts"),
        kind=kind,
        reads=reads,
        shows=reader.strings(header, "parameters", where),
        needs=header.get("needs", ""),
    )


def _read_steps(
    reader: _Reader, pipeline: dict[str, Any], macro_uses: dict[str, set[str]]
) -> tuple[tuple[str, ...], tuple[Step, ...]]:
    inputs = tuple(pipeline.get("inputs", ()))
    steps = []
    available = set(inputs)
    for path in _listed(reader, "steps", list(pipeline.get("steps", ()))):
        name, where = path.stem, reader.where(path)
        parsed = reader.read(path)
        if parsed is None:
            continue
        header, body = parsed
        reads, creates = reader.strings(header, "reads", where), reader.strings(header, "creates", where)
        early = sorted(set(reads) - available)
        if early:
            reader.problems.append(
                f"{where}: reads {', '.join(early)}, which no input or earlier step of sql/pipeline.toml creates"
            )
        available |= set(creates)
        steps.append(Step(name, path, body, reads, creates, reader.declare(header, where), _uses(body, macro_uses)))
    return inputs, tuple(steps)


def _read_fragments(reader: _Reader, macro_uses: dict[str, set[str]]) -> dict[str, Fragment]:
    out: dict[str, Fragment] = {}
    for path in sorted((reader.root / "report").glob("*.sql")):
        parsed = reader.read(path)
        if parsed is None:
            continue
        header, body = parsed
        where = reader.where(path)
        name = header.get("fragment")
        if not isinstance(name, str) or not name:
            reader.problems.append(f'{where}: header lacks fragment = "<relation it defines>"')
            continue
        out[path.stem] = Fragment(
            name=name,
            path=path,
            sql=body,
            reads=reader.strings(header, "reads", where),
            params=reader.declare(header, where),
            uses=_uses(body, macro_uses),
            key_only=reader.strings(header, "key_only", where),
        )
    return out


def _read_described(reader: _Reader, folder: str) -> list[tuple[Path, str, str]]:
    """(path, description, body) of each ``sql/<folder>/*.sql`` whose header names it after its file and
    describes it; a file that does not is a problem of the registry."""
    out = []
    for path in sorted((reader.root / folder).glob("*.sql")):
        parsed = reader.read(path)
        if parsed is None:
            continue
        header, body = parsed
        if header.get("name") != path.stem or "description" not in header:
            reader.problems.append(f"{reader.where(path)}: header needs name = {path.stem!r} and a description")
            continue
        out.append((path, header["description"], body))
    return out


def _read_quality(reader: _Reader) -> tuple[QualityExpression, ...]:
    return tuple(QualityExpression(p.stem, d, p, body) for p, d, body in _read_described(reader, "quality"))


def _read_accounting(reader: _Reader) -> dict[str, Accounting]:
    return {p.stem: Accounting(p.stem, d, p, body) for p, d, body in _read_described(reader, "accounting")}


def _read_groupings(reader: _Reader) -> tuple[dict[str, Grouping], dict[str, str]]:
    try:
        data = tomllib.loads((reader.root / "groupings.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        reader.problems.append(f"sql/groupings.toml: cannot be read: {e}")
        return {}, {}
    groupings: dict[str, Grouping] = {}
    fields = {"key", "expression", "label", "agent_time", "denominator", "needs", "meaning"}
    for token, body in data.get("groupings", {}).items():
        unknown = set(body) - fields
        if unknown or "key" not in body or "expression" not in body:
            reader.problems.append(
                f"sql/groupings.toml: groupings.{token} needs key and expression (and only {fields})"
            )
            continue
        groupings[token] = Grouping(token=token, **body)
    aliases = dict(data.get("aliases", {}))
    for alias, target in aliases.items():
        if target not in groupings:
            reader.problems.append(f"sql/groupings.toml: alias {alias!r} names no grouping {target!r}")
    return groupings, aliases


def _variable_uses(reader: _Reader, registry: Registry) -> list[tuple[str, tuple[str, ...]]]:
    """(file, the variables it reads) of every SQL file."""
    return [
        *((reader.where(m.path), m.uses) for m in registry.metrics),
        *((reader.where(s.path), s.uses) for s in registry.steps),
        *((reader.where(f.path), f.uses) for f in registry.fragments.values()),
        *((reader.where(m.path), variables_used(m.sql)) for m in registry.macros),
        *((reader.where(q.path), variables_used(q.sql)) for q in registry.quality),
        *((reader.where(a.path), variables_used(a.sql)) for a in registry.accounting.values()),
    ]


def _check_variables(reader: _Reader, registry: Registry) -> None:
    # a scopable parameter is also read as a map of its overrides: <name>@channel, <name>@queue
    scoped = {f"{p.name}@{scope}" for p in registry.params.values() for scope in p.scopes}
    known = set(registry.params) | RUNTIME_VARIABLES | scoped
    used: set[str] = set()
    for where, uses in _variable_uses(reader, registry):
        used.update(uses)
        unknown = sorted(set(uses) - known)
        if unknown:
            reader.problems.append(f"{where}: reads undeclared parameter(s) {', '.join(unknown)}")
    for p in registry.params.values():
        if p.declared_in.startswith("sql/") and p.name not in used and not any(f"{p.name}@" in u for u in used):
            reader.problems.append(f"{p.declared_in}: parameter {p.name} is declared but no SQL reads it")
    for m in registry.metrics:
        unknown = [p for p in m.shows if p not in registry.params]
        if unknown:
            reader.problems.append(f"{reader.where(m.path)}: parameters names unknown {', '.join(unknown)}")


@cache
def load_registry(directory: Path | None = None) -> Registry:
    """Read every SQL file once; report every problem together (DefinitionError)."""
    reader = _Reader(directory or sql_dir())
    pipeline = _pipeline(reader)
    macros = _read_macros(reader, pipeline)
    macro_uses = _macro_uses(macros)
    metrics = [m for p in sorted((reader.root / "metrics").glob("*.sql")) if (m := _read_metric(reader, p, macro_uses))]
    inputs, steps = _read_steps(reader, pipeline, macro_uses)
    fragments = _read_fragments(reader, macro_uses)
    groupings, aliases = _read_groupings(reader)
    metrics.sort(key=lambda m: (m.order, m.name))
    registry = Registry(
        metrics=tuple(metrics),
        steps=steps,
        inputs=inputs,
        fragments=fragments,
        quality=_read_quality(reader),
        accounting=_read_accounting(reader),
        macros=macros,
        groupings=groupings,
        aliases=aliases,
        params=reader.params,
    )
    _check_variables(reader, registry)
    if len({m.name for m in metrics}) != len(metrics):
        reader.problems.append("metric names are not unique")
    if reader.problems:
        raise DefinitionError("invalid metric definitions:\n  " + "\n  ".join(reader.problems))
    check_shapes(registry)
    return registry
