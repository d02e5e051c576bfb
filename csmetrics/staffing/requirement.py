"""Required agents for a service-level target (and caps on occupancy, abandonment and ASA), whole and
fractional, and full-time equivalents.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from csmetrics.staffing.checks import TIE, non_negative, open_unit, positive, shrinkage_fraction, unit_upper
from csmetrics.staffing.erlang_a import erlang_a_continuous, erlang_a_metrics
from csmetrics.staffing.erlang_c import erlang_c_metrics
from csmetrics.staffing.lazy import LazyModule
from csmetrics.staffing.measures import QueueMetrics

optimize = LazyModule("scipy.optimize")

# Largest agent count the requirement search will try.
MAX_AGENTS = 10_000_000


@dataclass(frozen=True)
class Limits:
    """What a staffing level must meet: SL >= target, and optionally the caps."""

    target: float
    max_occupancy: float | None = None
    max_abandon: float | None = None
    max_asa_seconds: float | None = None

    def slacks(self, metrics: QueueMetrics) -> list[float]:
        """One number per active limit, >= 0 exactly when that limit is met (monotone in N)."""
        out = [metrics.service_level - self.target]
        if self.max_occupancy is not None:
            out.append(self.max_occupancy - metrics.occupancy)
        if self.max_abandon is not None and metrics.p_abandon is not None:
            out.append(self.max_abandon - metrics.p_abandon)
        if self.max_asa_seconds is not None:  # bounded transform: an infinite ASA gives -0.5
            out.append(self.max_asa_seconds / (self.max_asa_seconds + metrics.asa_seconds) - 0.5)
        return out

    def met(self, metrics: QueueMetrics) -> bool:
        return all(slack >= -TIE for slack in self.slacks(metrics))


def fte(agents: float, shrinkage: float) -> float:
    """Full-time equivalents, unrounded: agents / (1 - shrinkage) (used for the unrounded agents)."""
    return non_negative("agents", agents) / (1.0 - shrinkage_fraction(shrinkage))


def whole_fte(agents: float, shrinkage: float) -> int:
    """Whole FTE (positions): ceil(agents / (1 - shrinkage)), as pyworkforce ``required_positions``.

    With a 1e-9 tolerance, so that 14 / 0.7 = 20.000000000000004 in floats gives 20, not 21.
    """
    return math.ceil(fte(agents, shrinkage) - 1e-9)


@dataclass(frozen=True)
class Requirement:
    """Required staffing. ``agents`` is the smallest whole N meeting every limit; ``agents_fractional``
    the continuous N where the last limit is just met (None when not available); ``fte`` is
    ceil(agents / (1 - shrinkage)), whole positions (15 agents at 30 % shrinkage: 22);
    ``fte_fractional`` is agents_fractional / (1 - shrinkage), not rounded. ``metrics`` are those at ``agents``.
    """

    agents: int
    agents_fractional: float | None
    fte: int
    fte_fractional: float | None
    metrics: QueueMetrics

    def as_dict(self) -> dict[str, Any]:
        """The CLI's ``required`` object: agents, agents_fractional, fte (whole positions for the whole agents)
        and fte_fractional (the unrounded FTE of the unrounded agents)."""
        return {
            "agents": self.agents,
            "agents_fractional": self.agents_fractional,
            "fte": self.fte,
            "fte_fractional": self.fte_fractional,
        }


def _smallest_agents(meets: Callable[[int], bool], guess: int) -> int:
    """Smallest N >= 0 with meets(N), for a predicate that is monotone in N (doubling, then bisection)."""
    if meets(0):
        return 0
    low, high = 0, max(1, guess)
    while not meets(high):
        low, high = high, 2 * high
        if high > MAX_AGENTS:
            raise ValueError(f"no staffing level up to {MAX_AGENTS:,} agents meets the targets")
    while high - low > 1:
        middle = (low + high) // 2
        if meets(middle):
            high = middle
        else:
            low = middle
    return high


def _fractional_agents(continuous: Callable[[float], QueueMetrics], limits: Limits, whole: int, floor: float) -> float:
    """Continuous N at which every limit is met, in (whole - 1, whole]: for each limit not yet met at
    the bracket's lower end, the root of its slack by Brent's method; the answer is the largest root.
    """
    if whole == 0:
        return 0.0
    low = max(float(whole - 1), floor)
    roots = [low]
    for index, slack in enumerate(limits.slacks(continuous(low))):
        if slack >= 0.0:
            continue

        def gap(n: float, index: int = index) -> float:
            return limits.slacks(continuous(n))[index]

        if gap(float(whole)) <= 0.0:  # a tie at the whole number, within float noise
            roots.append(float(whole))
            continue
        roots.append(optimize.brentq(gap, low, float(whole), xtol=1e-12, rtol=1e-14))
    return max(roots)


def required_agents(
    arrival_rate: float,
    aht_seconds: float,
    threshold_seconds: float,
    target: float,
    *,
    patience_seconds: float | None = None,
    max_occupancy: float | None = None,
    max_abandon: float | None = None,
    max_asa_seconds: float | None = None,
    shrinkage: float = 0.0,
) -> Requirement:
    """Smallest whole N with SL(T) >= target (and occupancy, P(abandon), ASA within their caps).

    Erlang C when ``patience_seconds`` is None, Erlang A otherwise. The fractional requirement
    solves the same limits on the continuous model: continuous Erlang B inside Erlang C
    (pyworkforce #41), and the incomplete-gamma form of Erlang A (``erlang_a_continuous``), each
    root found with ``scipy.optimize.brentq``. Every limit is monotone in N, so the search
    (doubling, then bisection) finds the smallest N, and the fractional N lies in (N - 1, N].
    """
    lam = non_negative("arrival_rate", arrival_rate)
    aht = positive("aht_seconds", aht_seconds)
    t = non_negative("threshold_seconds", threshold_seconds)
    limits = _limits(target, max_occupancy, max_abandon, max_asa_seconds)
    shrink = shrinkage_fraction(shrinkage)
    a = lam * aht
    if patience_seconds is None:
        whole_model = continuous_model = _erlang_c_model(lam, aht, t)
        floor = a * (1.0 + 1e-12) + 1e-12
    else:
        patience = positive("patience_seconds", patience_seconds)
        whole_model = _erlang_a_model(lam, aht, patience, t)
        continuous_model = _erlang_a_continuous_model(lam, aht, patience, t)
        floor = 1e-9
    whole = _smallest_agents(lambda n: limits.met(whole_model(float(n))), math.ceil(a) + 1)
    fractional = _fractional_agents(continuous_model, limits, whole, floor)
    return Requirement(
        agents=whole,
        agents_fractional=fractional,
        fte=whole_fte(whole, shrink),
        fte_fractional=fte(fractional, shrink),
        metrics=whole_model(float(whole)),
    )


def _limits(target: Any, max_occupancy: Any, max_abandon: Any, max_asa_seconds: Any) -> Limits:
    return Limits(
        target=open_unit("target", target),
        max_occupancy=None if max_occupancy is None else unit_upper("max_occupancy", max_occupancy),
        max_abandon=None if max_abandon is None else unit_upper("max_abandon", max_abandon),
        max_asa_seconds=None if max_asa_seconds is None else positive("max_asa_seconds", max_asa_seconds),
    )


def _erlang_c_model(lam: float, aht: float, t: float) -> Callable[[float], QueueMetrics]:
    return lambda n: erlang_c_metrics(lam, aht, n, t)


def _erlang_a_model(lam: float, aht: float, patience: float, t: float) -> Callable[[float], QueueMetrics]:
    return lambda n: erlang_a_metrics(lam, aht, patience, n, t)


def _erlang_a_continuous_model(lam: float, aht: float, patience: float, t: float) -> Callable[[float], QueueMetrics]:
    return lambda n: erlang_a_continuous(lam, aht, patience, n, t)
