"""A seeded M/M/N+M (Erlang A) queue simulation, and its log written as csmetrics inputs.

Used by tests/test_staffing_models.py (the model against the simulated queue) and
tests/test_staffing_command.py (``csmetrics staffing`` on the simulated log, end to end).
"""

from __future__ import annotations

import datetime as dt
import heapq
from pathlib import Path
from typing import NamedTuple

import numpy as np
import polars as pl


class Simulated(NamedTuple):
    arrivals: np.ndarray  # seconds from the start
    waits: np.ndarray  # until answer, or until the contact abandoned
    answered: np.ndarray  # bool
    handle: np.ndarray  # handle time of each contact (used only when answered)


def simulate_erlang_a(seed: int, lam: float, aht: float, patience: float, agents: int, count: int) -> Simulated:
    """Event-driven M/M/N+M FCFS queue: a heap of the times agents come free.

    A contact reaches an agent at max(arrival, earliest free time) - the earlier contacts that were
    answered already hold their agents, and neither abandoners nor later arrivals change it - and
    abandons if that wait exceeds its patience.
    """
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1 / lam, count))
    handle = rng.exponential(aht, count)
    patience_draws = rng.exponential(patience, count).tolist()
    free = [0.0] * agents
    waits = np.empty(count)
    answered = np.zeros(count, dtype=bool)
    handles = handle.tolist()
    for i, arrival in enumerate(arrivals.tolist()):
        start = max(arrival, free[0])
        if start - arrival <= patience_draws[i]:
            heapq.heapreplace(free, start + handles[i])
            waits[i] = start - arrival
            answered[i] = True
        else:
            waits[i] = patience_draws[i]
    return Simulated(arrivals, waits, answered, handle)


def _stamp(start: dt.datetime, seconds: np.ndarray) -> pl.Series:
    """ISO 8601 UTC timestamps to the microsecond."""
    micros = pl.Series((seconds * 1e6).round().astype(np.int64))
    base = pl.lit(start).dt.replace_time_zone("UTC")
    frame = pl.DataFrame({"us": micros}).select((base + pl.duration(microseconds=pl.col("us"))).alias("t"))
    return frame.get_column("t").dt.strftime("%Y-%m-%dT%H:%M:%S%.6fZ")


def write_log(sim: Simulated, start: dt.datetime, span_seconds: float, agents: int, folder: Path) -> tuple[Path, Path]:
    """The contacts offered within ``span_seconds`` as an interactions CSV, and ``agents`` agents available
    from ``start`` for the whole span as a state log (intervals shape)."""
    keep = sim.arrivals < span_seconds
    arrivals, waits, answered, handle = (a[keep] for a in sim)
    ends = arrivals + waits + np.where(answered, handle, 0.0)
    offered_at = _stamp(start, arrivals)
    answered_at = _stamp(start, arrivals + waits)
    contacts = pl.DataFrame(
        {
            "interaction_id": [f"S{i:07d}" for i in range(len(arrivals))],
            "offered_at": offered_at,
            "answered_at": pl.Series(answered).cast(pl.Boolean),
            "ended_at": _stamp(start, ends),
            "channel": "voice",
            "queue": "sim",
            "talk_seconds": np.where(answered, handle, np.nan),
        }
    ).with_columns(
        pl.when(pl.col("answered_at")).then(answered_at).otherwise(None).alias("answered_at"),
        pl.col("talk_seconds").fill_nan(None),
    )
    interactions = folder / "simulated.csv"
    contacts.write_csv(interactions)
    end = _stamp(start, np.array([span_seconds]))[0]
    states = pl.DataFrame(
        {
            "agent_id": [f"A{k:03d}" for k in range(agents)],
            "state": "available",
            "started_at": _stamp(start, np.zeros(1))[0],
            "ended_at": end,
        }
    )
    state_log = folder / "simulated_states.csv"
    states.write_csv(state_log)
    return interactions, state_log
