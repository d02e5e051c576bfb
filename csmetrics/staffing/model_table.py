"""What ``csmetrics staffing`` prints in model-only mode: the measures at several agent counts and the requirement."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from csmetrics.staffing.checks import agent_count, non_negative, open_unit, positive, shrinkage_fraction
from csmetrics.staffing.erlang_a import erlang_a_metrics
from csmetrics.staffing.erlang_b import erlang_b, erlang_b_lines, erlang_b_lines_fractional
from csmetrics.staffing.erlang_c import erlang_c_metrics
from csmetrics.staffing.requirement import fte, required_agents, whole_fte

# Rows shown around the requirement when no agent counts are given: N - 3 .. N + 3.
AROUND = 3
# Most rows an --agents list may ask for.
MAX_ROWS = 10_000
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600}
_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h)?\s*$", re.IGNORECASE)


def parse_interval(text: str | float) -> float:
    """An interval length in seconds: ``30m``, ``15min``, ``1h``, ``90s`` or a plain number of seconds."""
    if isinstance(text, int | float):
        return positive("interval", text)
    match = _INTERVAL.match(str(text))
    if match is None:
        msg = f"interval must be a length such as 15m, 30m, 1h, 90s or a number of seconds, got {text!r}"
        raise ValueError(msg)
    return positive("interval", float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()])


def parse_agents(text: str) -> list[int]:
    """Agent counts: ``11,12,13,14``, or ranges ``10-16`` (inclusive), or both."""
    counts: list[int] = []
    for item in (part.strip() for part in text.split(",")):
        low, sep, high = item.partition("-")
        try:
            first = int(low)
            last = int(high) if sep else first
        except ValueError:
            msg = f"agents must be whole numbers or ranges such as 11,12,13 or 10-16, got {item!r}"
            raise ValueError(msg) from None
        if first < 0 or last < first:
            msg = f"agents must be counts >= 0 and ranges low-high, got {item!r}"
            raise ValueError(msg)
        counts.extend(range(first, last + 1))
        if len(counts) > MAX_ROWS:
            msg = f"agents: at most {MAX_ROWS:,} rows"
            raise ValueError(msg)
    return counts


def staffing_table(
    volume: float,
    interval_seconds: float,
    aht_seconds: float,
    threshold_seconds: float,
    target: float,
    patience_seconds: float | None = None,
    max_occupancy: float | None = None,
    shrinkage: float = 0.0,
    agents: Iterable[int] | None = None,
    *,
    max_abandon: float | None = None,
    max_asa_seconds: float | None = None,
) -> dict[str, Any]:
    """What ``csmetrics staffing`` prints as JSON for Erlang C and Erlang A.

    ``{"model": "erlang-c" | "erlang-a", "inputs": {...}, "rows": [...], "required": {...}}`` with
    inputs {volume, interval_seconds, aht_seconds, threshold_seconds, target, patience_seconds,
    max_occupancy, shrinkage, max_abandon, max_asa_seconds, max_blocking (None)}, one row per agent
    count {agents, p_wait, service_level, asa_seconds, occupancy, p_abandon} and required {agents,
    agents_fractional, fte, fte_fractional}. Erlang A is used when ``patience_seconds`` is given.
    Without ``agents`` the rows cover the requirement +/- 3. ``asa_seconds`` is the mean wait of all arrivals
    (None when infinite, i.e. Erlang C overload); ``p_abandon`` is None for Erlang C; ``fte`` is required
    agents / (1 - shrinkage) rounded up to whole positions, ``fte_fractional`` that of the unrounded agents,
    not rounded. Invalid inputs raise ValueError.
    """
    v = non_negative("volume", volume)
    interval = positive("interval_seconds", interval_seconds)
    aht = positive("aht_seconds", aht_seconds)
    t = non_negative("threshold_seconds", threshold_seconds)
    patience = None if patience_seconds is None else positive("patience_seconds", patience_seconds)
    counts = None if agents is None else [agent_count(n) for n in agents]
    lam = v / interval
    requirement = required_agents(
        lam,
        aht,
        t,
        target,
        patience_seconds=patience,
        max_occupancy=max_occupancy,
        max_abandon=max_abandon,
        max_asa_seconds=max_asa_seconds,
        shrinkage=shrinkage,
    )
    if counts is None:
        counts = list(range(max(0, requirement.agents - AROUND), requirement.agents + AROUND + 1))
    if patience is None:
        rows = [erlang_c_metrics(lam, aht, n, t).as_row() for n in counts]
    else:
        rows = [erlang_a_metrics(lam, aht, patience, n, t).as_row() for n in counts]
    inputs = {
        "volume": v,
        "interval_seconds": interval,
        "aht_seconds": aht,
        "threshold_seconds": t,
        "target": float(target),
        "patience_seconds": patience,
        "max_occupancy": _optional(max_occupancy),
        "shrinkage": float(shrinkage),
        "max_abandon": _optional(max_abandon),
        "max_asa_seconds": _optional(max_asa_seconds),
        "max_blocking": None,
    }
    model = "erlang-c" if patience is None else "erlang-a"
    return {"model": model, "inputs": inputs, "rows": rows, "required": requirement.as_dict()}


def lines_table(
    volume: float,
    interval_seconds: float,
    aht_seconds: float,
    max_blocking: float,
    shrinkage: float = 0.0,
    agents: Iterable[int] | None = None,
) -> dict[str, Any]:
    """The Erlang B (lines) table: the same document with ``"model": "erlang-b"``.

    Each row adds ``p_block`` = B(N, A), the share of contacts that find every line busy and are lost;
    a loss system has no wait and no abandonment, so ``p_wait``, ``service_level``, ``asa_seconds``
    and ``p_abandon`` are None, and ``occupancy`` is the carried load A (1 - B) / N. ``required`` is
    the fewest lines with B <= ``max_blocking`` (whole, and the continuous N where B = max_blocking).
    """
    v = non_negative("volume", volume)
    interval = positive("interval_seconds", interval_seconds)
    aht = positive("aht_seconds", aht_seconds)
    blocking = open_unit("max_blocking", max_blocking)
    shrink = shrinkage_fraction(shrinkage)
    a = v * aht / interval
    lines = erlang_b_lines(a, blocking)
    counts = (
        list(range(max(0, lines - AROUND), lines + AROUND + 1)) if agents is None else [agent_count(n) for n in agents]
    )
    rows = [_lines_row(a, n) for n in counts]
    inputs = {
        "volume": v,
        "interval_seconds": interval,
        "aht_seconds": aht,
        "threshold_seconds": None,
        "target": None,
        "patience_seconds": None,
        "max_occupancy": None,
        "shrinkage": shrink,
        "max_abandon": None,
        "max_asa_seconds": None,
        "max_blocking": blocking,
    }
    fractional = erlang_b_lines_fractional(a, blocking)
    required = {
        "agents": lines,
        "agents_fractional": fractional,
        "fte": whole_fte(lines, shrink),
        "fte_fractional": fte(fractional, shrink),
    }
    return {"model": "erlang-b", "inputs": inputs, "rows": rows, "required": required}


def _lines_row(traffic: float, lines: int) -> dict[str, Any]:
    blocked = erlang_b(lines, traffic)
    occupancy = None if lines == 0 else traffic * (1.0 - blocked) / lines
    return {
        "agents": lines,
        "p_wait": None,
        "service_level": None,
        "asa_seconds": None,
        "occupancy": occupancy,
        "p_abandon": None,
        "p_block": blocked,
    }


def _optional(value: float | None) -> float | None:
    return None if value is None else float(value)
