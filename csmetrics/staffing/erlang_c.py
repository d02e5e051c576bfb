"""Erlang C (M/M/N, no abandonment): P(wait), service level, ASA and occupancy, whole or fractional N.

C = N B / (N - A (1 - B)) from Erlang B (Cooper 1981, section 3.4), so it is stable for large N.
"""

from __future__ import annotations

import math

from csmetrics.staffing.checks import non_negative, positive
from csmetrics.staffing.erlang_b import erlang_b
from csmetrics.staffing.measures import QueueMetrics, no_traffic


def erlang_c(servers: float, traffic: float) -> float:
    """P(wait) of M/M/N (Erlang C): C = N B / (N - A (1 - B)) for N > A, 1 when N <= A (overload).

    N may be fractional (continuous Erlang B). No traffic gives 0.
    """
    n = non_negative("servers", servers)
    a = non_negative("traffic", traffic)
    if a == 0.0:
        return 0.0
    if n <= a:
        return 1.0
    b = erlang_b(n, a)
    return min(1.0, n * b / (n - a * (1.0 - b)))


def erlang_c_metrics(
    arrival_rate: float, aht_seconds: float, agents: float, threshold_seconds: float = 0.0
) -> QueueMetrics:
    """Erlang C (M/M/N, no abandonment) at ``agents`` (may be fractional).

    SL(T) = 1 - C exp(-(N - A) T / AHT); ASA = C AHT / (N - A); occupancy = A / N. In overload
    (N <= A): P(wait) = 1, SL = 0, ASA infinite, occupancy 1.
    """
    lam = non_negative("arrival_rate", arrival_rate)
    aht = positive("aht_seconds", aht_seconds)
    n = non_negative("agents", agents)
    t = non_negative("threshold_seconds", threshold_seconds)
    a = lam * aht
    if a == 0.0:
        return no_traffic(n, erlang_a=False)
    if n <= a:
        return QueueMetrics(n, a, 1.0, 0.0, math.inf, 1.0, None, math.inf)
    c = erlang_c(n, a)
    asa = c * aht / (n - a)
    service_level = 1.0 - c * math.exp(-(n - a) * t / aht)
    return QueueMetrics(n, a, c, service_level, asa, min(1.0, a / n), None, asa)
