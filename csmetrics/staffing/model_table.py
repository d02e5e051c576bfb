"""What ``csmetrics staffing`` prints in model-only mode: the measures at several agent counts and the requirement."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from csmetrics.staffing.checks import agent_count, non_negative, positive
from csmetrics.staffing.erlang_a import erlang_a_metrics
from csmetrics.staffing.erlang_c import erlang_c_metrics
from csmetrics.staffing.requirement import required_agents


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
) -> dict[str, Any]:
    """What ``csmetrics staffing`` prints as JSON.

    ``{"model": "erlang-c" | "erlang-a", "inputs": {...}, "rows": [...], "required": {...}}`` with
    inputs {volume, interval_seconds, aht_seconds, threshold_seconds, target, patience_seconds,
    max_occupancy, shrinkage}, one row per agent count {agents, p_wait, service_level, asa_seconds,
    occupancy, p_abandon} and required {agents, agents_fractional, fte}. Erlang A is used when
    ``patience_seconds`` is given. Without ``agents`` the rows cover the requirement +/- 3.
    ``asa_seconds`` is the mean wait of all arrivals (None when infinite, i.e. Erlang C overload);
    ``p_abandon`` is None for Erlang C; ``fte`` is unrounded (see ``positions`` for whole positions).
    Invalid inputs raise ValueError.
    """
    v = non_negative("volume", volume)
    interval = positive("interval_seconds", interval_seconds)
    aht = positive("aht_seconds", aht_seconds)
    t = non_negative("threshold_seconds", threshold_seconds)
    patience = None if patience_seconds is None else positive("patience_seconds", patience_seconds)
    counts = None if agents is None else [agent_count(n) for n in agents]
    lam = v / interval
    requirement = required_agents(
        lam, aht, t, target, patience_seconds=patience, max_occupancy=max_occupancy, shrinkage=shrinkage
    )
    if counts is None:
        counts = list(range(max(0, requirement.agents - 3), requirement.agents + 4))
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
        "max_occupancy": None if max_occupancy is None else float(max_occupancy),
        "shrinkage": float(shrinkage),
    }
    model = "erlang-c" if patience is None else "erlang-a"
    return {"model": model, "inputs": inputs, "rows": rows, "required": requirement.as_dict()}
