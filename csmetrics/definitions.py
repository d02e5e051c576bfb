"""Metric definitions as data: parameter specs, metric headers, the fingerprint."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from csmetrics.errors import ConfigError

PARAM_TYPES = ("integer", "number", "boolean", "choice", "string", "timezone", "list")

# Bump when a definition's meaning changes without a parameter changing, so that
# figures computed before and after never share a fingerprint.
DEFINITIONS_VERSION = 1


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

    @property
    def bind_name(self) -> str:
        """The name used as ``$bind_name`` in SQL: dots become underscores."""
        return self.name.replace(".", "_")

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
            result = self._coerce(value)
        except (TypeError, ValueError) as e:
            msg = f"invalid value {value!r} for {self.name}: expected {self.describe_range()}"
            raise ConfigError(msg) from e
        return result

    def _coerce(self, value: Any) -> Any:
        t = self.type
        if t == "boolean":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "on"):
                return True
            if isinstance(value, str) and value.strip().lower() in ("false", "no", "0", "off"):
                return False
            raise ValueError(value)
        if t in ("integer", "number"):
            if isinstance(value, bool):
                raise TypeError(value)
            if t == "integer":
                if isinstance(value, float) and not value.is_integer():
                    raise ValueError(value)
                as_float = float(value.strip()) if isinstance(value, str) else float(value)
                if not as_float.is_integer():
                    raise ValueError(value)
                number: float = int(as_float)
            else:
                number = float(value)
                if not math.isfinite(number):
                    raise ValueError(value)
            if (self.min is not None and number < self.min) or (self.max is not None and number > self.max):
                raise ValueError(value)
            return number
        if t == "choice":
            text = str(value).strip()
            if text not in self.choices:
                raise ValueError(value)
            return text
        if t == "timezone":
            text = str(value).strip()
            if not text:
                raise ValueError(value)
            try:
                ZoneInfo(text)
            except (ZoneInfoNotFoundError, ValueError) as e:
                raise ValueError(value) from e
            return text
        if t == "list":
            items = value if isinstance(value, list | tuple) else str(value).split(",")
            return tuple(sorted({str(v).strip() for v in items if str(v).strip()}))
        if not isinstance(value, str):
            raise TypeError(value)
        return value

    def to_dict(self, value: Any = None) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "type": self.type, "default": _jsonable(self.default)}
        if value is not None:
            d["value"] = _jsonable(value)
        if self.unit:
            d["unit"] = self.unit
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


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class MetricDefinition:
    """A metric: its SQL file, the header declared there, and the parameters it owns."""

    name: str
    title: str
    unit: str  # count | ratio | seconds
    description: str
    order: int
    path: Path
    sql: str
    params: tuple[ParamSpec, ...]
    uses: tuple[str, ...]  # bind names ($...) the SQL body refers to
    notes: str = ""
    label: str = ""  # short column heading for tables
    source: str = "contacts"  # the table it reads: contacts (scoped), states (state_time), concurrency
    # For a metric written as ``select columns('^grp__'), <aggregate> as <name> from scoped group by all``:
    # the aggregate expression, so the engine can compute such metrics together in one pass.
    aggregate: str | None = None


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

    def bind_values(self) -> dict[str, Any]:
        """Every parameter by its SQL bind name, lists as lists."""
        return {self.specs[n].bind_name: _jsonable(v) for n, v in self.values.items()}

    def as_json(self) -> dict[str, Any]:
        return {name: _jsonable(self.values[name]) for name in sorted(self.values)}


def fingerprint(values: Mapping[str, Any]) -> str:
    """A stable hash of every parameter that can change a number (time zones included).

    The same parameter values give the same fingerprint on any machine and in any
    key order; a change of any value, or of ``DEFINITIONS_VERSION``, changes it.
    """
    payload = {
        "definitions_version": DEFINITIONS_VERSION,
        "params": {k: _jsonable(values[k]) for k in sorted(values)},
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:16]
