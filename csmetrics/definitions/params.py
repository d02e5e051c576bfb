"""Parameters as data: a parameter's spec, the values in effect with their sources, the fingerprint.

Every parameter has one full dotted name (``service_level.threshold_seconds``) used everywhere: in
``--set``, in csmetrics.toml, in the JSON of a report, and in SQL as
``getvariable('service_level.threshold_seconds')``. Most are declared in the header of the SQL file
where they take effect (see :mod:`csmetrics.definitions.registry`); the report's frame
(``timezone``, ``source_timezone``) is declared here.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from csmetrics.errors import ConfigError

PARAM_TYPES = ("integer", "number", "boolean", "choice", "string", "timezone", "list")

# Bump when a definition's meaning changes without a parameter changing, so that
# figures computed before and after never share a fingerprint.
DEFINITIONS_VERSION = 2  # 2: FCR censoring by complete windows; transfer_rate leaves blank flags out


def plain(value: Any) -> Any:
    """A parameter value as JSON has it (tuples, the form lists are kept in, become lists)."""
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class ParamSpec:
    """One configurable parameter: its full dotted name, type, default and bounds."""

    name: str  # full dotted name, e.g. "service_level.threshold_seconds"
    type: str
    default: Any
    help: str
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    choice_help: Mapping[str, str] = field(default_factory=dict)
    declared_in: str = ""
    # Scopes this parameter can be overridden in: "channel" (channels.NAME.<name>), "queue" (queues.NAME.<name>).
    scopes: tuple[str, ...] = ()

    def describe_range(self) -> str:
        if self.type == "choice":
            return "one of " + ", ".join(self.choices)
        if self.type == "boolean":
            return "true or false"
        if self.type == "timezone":
            return "an IANA time zone such as UTC or America/New_York"
        if self.type == "list":
            return "a comma-separated list"
        if self.type in ("integer", "number"):
            lo = "" if self.min is None else f">= {_num(self.min)}"
            hi = "" if self.max is None else f"<= {_num(self.max)}"
            bounds = " and ".join(b for b in (lo, hi) if b)
            return f"{'an integer' if self.type == 'integer' else 'a number'}{' ' + bounds if bounds else ''}"
        return "text"

    def coerce(self, value: Any) -> Any:
        """Return ``value`` as this parameter's type, or raise ConfigError naming the range."""
        try:
            return _COERCE[self.type](self, value)
        except (TypeError, ValueError) as e:
            msg = f"invalid value {value!r} for {self.name}: expected {self.describe_range()}"
            raise ConfigError(msg) from e

    def to_dict(self, value: Any = None) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "type": self.type, "default": plain(self.default)}
        if value is not None:
            d["value"] = plain(value)
        if self.unit:
            d["unit"] = self.unit
        if self.scopes:
            d["scopes"] = list(self.scopes)
        if self.min is not None:
            d["min"] = self.min
        if self.max is not None:
            d["max"] = self.max
        if self.choices:
            d["choices"] = list(self.choices)
        d["help"] = self.help
        return d


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _boolean(_spec: ParamSpec, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no", "0", "off"):
        return False
    raise ValueError(value)


def _number(spec: ParamSpec, value: Any) -> float:
    if isinstance(value, bool):
        raise TypeError(value)
    if spec.type == "integer":
        as_float = float(value.strip()) if isinstance(value, str) else float(value)
        if not as_float.is_integer():
            raise ValueError(value)
        number: float = int(as_float)
    else:
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(value)
    if (spec.min is not None and number < spec.min) or (spec.max is not None and number > spec.max):
        raise ValueError(value)
    return number


def _choice(spec: ParamSpec, value: Any) -> str:
    text = str(value).strip()
    if text not in spec.choices:
        raise ValueError(value)
    return text


@functools.cache
def _zone_names() -> frozenset[str]:
    """The IANA zone names DuckDB knows as well: the tz database's names, without the system files that are
    no zone names (``localtime``, ``posixrules``, ``Factory``) and the ``posix/`` and ``right/`` copies."""
    names = available_timezones()
    return frozenset(
        n for n in names if n not in ("localtime", "posixrules", "Factory") and not n.startswith(("posix/", "right/"))
    )


def is_zone_name(text: str) -> bool:
    """``text`` is an IANA time zone name csmetrics (and DuckDB) can use."""
    return text in _zone_names()


def _timezone(_spec: ParamSpec, value: Any) -> str:
    text = str(value).strip()
    if not text or text not in _zone_names():
        raise ValueError(value)
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(value) from e
    return text


def _list(_spec: ParamSpec, value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return tuple(sorted({str(v).strip() for v in items if str(v).strip()}))


def _string(_spec: ParamSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(value)
    return value


_COERCE = {
    "boolean": _boolean,
    "integer": _number,
    "number": _number,
    "choice": _choice,
    "timezone": _timezone,
    "list": _list,
    "string": _string,
}

# The report's frame: declared here, not in one SQL file, because loading and every report use them.
FRAME_PARAMS: tuple[ParamSpec, ...] = (
    ParamSpec(
        name="timezone",
        type="timezone",
        default="UTC",
        help="Report time zone: every time bucket and --from/--to are in this zone (also --tz).",
        declared_in="csmetrics/definitions/params.py",
    ),
    ParamSpec(
        name="source_timezone",
        type="timezone",
        default="UTC",
        help="Zone of naive timestamps (no offset, no Z) in the input.",
        declared_in="csmetrics/definitions/params.py",
    ),
)


@dataclass(frozen=True)
class Definitions:
    """The effective parameter values, where each came from, and the fingerprint."""

    specs: Mapping[str, ParamSpec]
    values: Mapping[str, Any]
    sources: Mapping[str, str]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.values)

    def as_json(self) -> dict[str, Any]:
        return {name: plain(self.values[name]) for name in sorted(self.values)}

    def replace(
        self, values: Mapping[str, Any], source: str, specs: Mapping[str, ParamSpec] | None = None
    ) -> Definitions:
        """These definitions with some values replaced or added (already coerced), each from ``source``
        (``specs`` for names these definitions do not have yet, such as scoped overrides)."""
        return Definitions(
            specs={**self.specs, **(specs or {})},
            values={**self.values, **values},
            sources={**self.sources, **dict.fromkeys(values, source)},
        )


# An override's name: channels.NAME.<parameter> or queues.NAME.<parameter> (NAME may itself contain dots).
SCOPE_PREFIXES = {"channels": "channel", "queues": "queue"}


@dataclass(frozen=True)
class Override:
    """One scoped value: the parameter ``base`` for contacts whose ``scope`` (channel or queue) is ``value``."""

    name: str
    scope: str
    value: str
    base: str


def parse_override(name: str, specs: Mapping[str, ParamSpec]) -> Override | None:
    """``channels.email.service_level.threshold_seconds`` -> Override(channel, email, service_level....); None
    when the name is not of that form or names no parameter."""
    prefix, _, rest = name.partition(".")
    scope = SCOPE_PREFIXES.get(prefix)
    if scope is None:
        return None
    for base in sorted(specs, key=len, reverse=True):
        if rest.endswith("." + base) and len(rest) > len(base) + 1:
            value = rest[: -len(base) - 1]
            # channels are compared lower-cased (as the export's channel is read); queues as written
            return Override(name, scope, value.lower() if scope == "channel" else value, base)
    return None


def override_spec(name: str, specs: Mapping[str, ParamSpec]) -> ParamSpec | None:
    """The spec of a scoped override (the base parameter's type and bounds under the override's name), or
    ConfigError when the base parameter cannot be scoped that way; None when ``name`` is no override."""
    found = parse_override(name, specs)
    if found is None:
        return None
    base = specs[found.base]
    if found.scope not in base.scopes:
        can = sorted(n for n, sp in specs.items() if found.scope in sp.scopes)
        msg = f"{found.base} cannot be set per {found.scope} ({name}); parameters that can: {', '.join(can)}"
        raise ConfigError(msg)
    return replace(base, name=name, declared_in=f"{found.scope} {found.value!r} override of {found.base}", scopes=())


def overrides(definitions: Definitions, base: str, scope: str) -> dict[str, Any]:
    """{channel or queue value: override} of parameter ``base`` in ``definitions``."""
    out: dict[str, Any] = {}
    for name, value in definitions.values.items():
        found = parse_override(name, {base: definitions.specs[base]})
        if found is not None and found.scope == scope and found.base == base and name in definitions.specs:
            out[found.value] = value
    return out


def fingerprint(values: Mapping[str, Any]) -> str:
    """A stable hash of every parameter that can change a number (time zones included).

    The same parameter values give the same fingerprint on any machine and in any
    key order; a change of any value, or of ``DEFINITIONS_VERSION``, changes it.
    """
    payload = {
        "definitions_version": DEFINITIONS_VERSION,
        "params": {k: plain(values[k]) for k in sorted(values)},
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]
