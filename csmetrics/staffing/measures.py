"""What a queueing model says about one staffing level, and the offered load in erlangs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from csmetrics.staffing.checks import non_negative, positive


@dataclass(frozen=True)
class QueueMetrics:
    """Steady-state measures of one staffing level (seconds; probabilities in [0, 1]).

    ``asa_seconds`` is the mean wait of all arrivals (infinite in an Erlang C overload);
    ``p_abandon`` is None for Erlang C; ``mean_wait_served_seconds`` is the mean wait of the answered
    contacts (None where not computed: the fractional-N Erlang A extension, and Erlang A with no
    agents, where nobody is answered).
    """

    agents: float
    traffic: float
    p_wait: float
    service_level: float
    asa_seconds: float
    occupancy: float
    p_abandon: float | None
    mean_wait_served_seconds: float | None

    def as_row(self) -> dict[str, Any]:
        """The CLI row: agents, p_wait, service_level, asa_seconds (None if infinite), occupancy, p_abandon."""
        agents: float | int = int(self.agents) if float(self.agents).is_integer() else self.agents
        asa = self.asa_seconds if math.isfinite(self.asa_seconds) else None
        return {
            "agents": agents,
            "p_wait": self.p_wait,
            "service_level": self.service_level,
            "asa_seconds": asa,
            "occupancy": self.occupancy,
            "p_abandon": self.p_abandon,
        }


def no_traffic(agents: float, erlang_a: bool) -> QueueMetrics:
    return QueueMetrics(agents, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0 if erlang_a else None, 0.0)


def workload(volume: float, interval_seconds: float, aht_seconds: float) -> float:
    """Offered load in erlangs (NICE CXone's "Req"): volume x AHT / interval length."""
    v = non_negative("volume", volume)
    return v * positive("aht_seconds", aht_seconds) / positive("interval_seconds", interval_seconds)
