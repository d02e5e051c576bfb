"""What a mapping's error messages say: what a value should look like, and how to fix an unmapped one."""

from __future__ import annotations

import json
from typing import Any

from csmetrics.inputs import decimals
from csmetrics.inputs.mapping.model import DEFAULT_FALSE, DEFAULT_TRUE, KEY_KINDS


def expected(key: str, spec: dict[str, Any]) -> str:
    """What a value of ``key`` read through ``spec`` must look like."""
    kind = KEY_KINDS[key]
    mapped = [*(spec.get("when_empty") or {}).get("values", {}), *(spec.get("values") or {})]
    listed = ", ".join(repr(k) for k in dict.fromkeys(mapped))
    if kind == "outcome":
        return f"one of {listed} (the keys of columns.{key}.values)"
    if kind == "direction":
        return (
            f"one of {listed} (the keys of columns.{key}.values) or inbound/outbound"
            if mapped
            else "inbound or outbound"
        )
    if "date" in spec:
        fmt = spec.get("date_format") or "YYYY-MM-DD"
        return f"a date ({fmt}) and a clock time H:MM:SS"
    if kind == "number":
        unit = spec.get("unit", "seconds")
        return "a duration H:MM:SS" if unit == "hms" else f"a number of {unit}"
    if kind == "boolean":
        return (
            "one of " + "/".join(spec.get("true", DEFAULT_TRUE)) + " or " + "/".join(spec.get("false", DEFAULT_FALSE))
        )
    if kind == "timestamp":
        return f"a time in format {spec['format']}" if "format" in spec else "an ISO 8601 date-time"
    return "text"


def fix_hint(mapping_name: str, key: str, spec: dict[str, Any], value: str) -> str:
    """How to fix a value a value map does not cover (empty for other kinds of error)."""
    kind = KEY_KINDS[key]
    if kind == "number":
        return decimals.comma_hint([str(value)]) or ""
    if kind not in ("outcome", "direction", "boolean") or (kind == "boolean" and "values" not in spec):
        return ""
    choices = {
        "outcome": '"answered", "abandoned", "excluded" or "" (the timestamps decide)',
        "direction": '"inbound", "outbound" or "" (empty: inbound)',
        "boolean": '"true" or "false"',
    }[kind]
    where = (
        f"in a copy of the {mapping_name} (`csmetrics inspect FILE > mapping.toml` prints it), used with --mapping"
        if mapping_name.startswith("preset ")
        else f"in {mapping_name}"
    )
    default = "" if kind == "outcome" else f", or set columns.{key}.default"
    return (
        f"to fix it, add {json.dumps(value, ensure_ascii=False)} = VALUE to columns.{key}.values "
        f"(VALUE: {choices}){default} {where}"
    )
