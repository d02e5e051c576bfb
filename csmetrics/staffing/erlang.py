"""Queueing models for staffing: Erlang B, Erlang C (M/M/N) and Erlang A (M/M/N+M).

Pure functions and frozen dataclasses; no I/O, no DuckDB. Units are seconds throughout
(arrival rates per second, AHT, thresholds and patience in seconds); traffic is in erlangs,
A = arrival rate x AHT.

Definitions settled here (and relied on by the CLI's JSON):

* **Service level** is P(answered within T) over *all* arrivals: contacts that abandon count as
  misses (Erlang A), contacts answered at once count as met, and T = 0 means "answered without
  waiting".
* **ASA** (``asa_seconds``) is the mean wait of *all* arrivals, abandoned ones included (for an
  abandoner, the time until it abandoned). This is the quantity for which Little's law gives
  E[W] = E[queue length] / lambda and for which P(abandon) = theta x E[W] holds exactly; it is
  the "mean wait" of Herzog's Erlang A example (9.91 s at N = 13, 56.62 s at N = 9) and the
  "ASA" of the pyworkforce Erlang A example (0.124817 min at N = 13). For Erlang C every arrival
  is answered, so it is also the mean wait of the answered contacts. The mean wait of the
  answered contacts under Erlang A is given separately (``mean_wait_served_seconds``).
* **Occupancy** is carried load / N: A / N for Erlang C (capped at 1 in overload) and
  A x (1 - P(abandon)) / N for Erlang A.
* **FTE** is agents / (1 - shrinkage), *not* rounded; ``positions`` is that figure rounded up to
  whole positions (pyworkforce ``required_positions``), computed with a tolerance so that
  14 / 0.7 = 20.000000000000004 gives 20, not 21.

Sources:

* Erlang B recursion and Erlang C from Erlang B: e.g. Cooper, *Introduction to Queueing Theory*
  (1981), section 3.4; C = N B / (N - A (1 - B)).
* Continuous (fractional-N) Erlang B, B(N, A) = A^N e^-A / Gamma(N + 1, A): Jagerman (1974),
  "Some properties of the Erlang loss function"; requested for fractional staffing in
  pyworkforce issue #41.
* Erlang A as a birth-death chain and its performance measures: Gans, Koole & Mandelbaum (2003),
  "Telephone call centers: tutorial, review, and research prospects", section 4.2.2; closed forms
  in incomplete gamma functions (used for fractional N): Riordan (1962), Palm (1957), and
  Mandelbaum & Zeltyn (2007), "Service engineering in action: the Palm/Erlang-A queue".
* Patience estimator theta = abandons / total queue time: Brown et al. (2005), "Statistical
  analysis of a telephone call center", and Mandelbaum & Zeltyn's P(Ab) = theta E[W] relation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import optimize, special

# Terms of the stationary distribution below exp(LOG_TAIL) relative to the largest term are
# dropped (exp(-40) is about 4e-18, well under the 1e-16 relative accuracy asked for).
LOG_TAIL = -40.0
# Largest Erlang A queue the chain will hold. Longer queues only occur when patience is very long
# and the queue overloaded; the (equally exact) incomplete-gamma closed form is used instead.
MAX_QUEUE_STATES = 1_000_000
# Most work (uniformisation steps x queue states) for the Erlang A service level by uniformisation
# (the steps grow like Lambda T, with N and T); beyond it the closed form gives
# P(answered within T | wait) instead.
MAX_UNIFORM_WORK = 20_000_000
# Largest agent count the requirement search will try.
MAX_AGENTS = 10_000_000
# Whole N up to this use the Erlang B recursion (O(N) steps); above it the log-space continuous
# formula, which agrees with the recursion to about 1e-12 and costs O(1).
RECURSION_MAX = 50_000
# Slack for comparing a metric with its limit, so that float noise does not flip an exact tie.
TIE = 1e-12


# --------------------------------------------------------------------------- validation


def _number(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if math.isnan(number):
        raise ValueError(f"{name} must be a number, got NaN")
    return number


def _non_negative(name: str, value: Any) -> float:
    number = _number(name, value)
    if not 0.0 <= number < math.inf:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return number


def _positive(name: str, value: Any) -> float:
    number = _number(name, value)
    if not 0.0 < number < math.inf:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return number


def _open_unit(name: str, value: Any) -> float:
    number = _number(name, value)
    if not 0.0 < number < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value!r}")
    return number


def _unit_upper(name: str, value: Any) -> float:
    number = _number(name, value)
    if not 0.0 < number <= 1.0:
        raise ValueError(f"{name} must be in (0, 1], got {value!r}")
    return number


def _shrinkage(value: Any) -> float:
    number = _number("shrinkage", value)
    if not 0.0 <= number < 1.0:
        raise ValueError(f"shrinkage must be in [0, 1), got {value!r}")
    return number


def _agent_count(value: Any) -> int:
    number = _non_negative("agents", value)
    if not number.is_integer():
        raise ValueError(f"agents must be a whole number, got {value!r}")
    return int(number)


# --------------------------------------------------------------------------- Erlang B


def erlang_b(servers: float, traffic: float) -> float:
    """Blocking probability of M/M/N/N (Erlang B) with N = ``servers`` and A = ``traffic`` erlangs.

    Whole N (up to RECURSION_MAX) uses the stable recursion B(0) = 1,
    B(n) = A B(n-1) / (n + A B(n-1)); fractional or larger N the continuous extension
    (``erlang_b_continuous``), which coincides with it at whole N.
    """
    n = _non_negative("servers", servers)
    a = _non_negative("traffic", traffic)
    if n.is_integer() and n <= RECURSION_MAX:
        return _erlang_b_recursion(int(n), a)
    return erlang_b_continuous(n, a)


def _erlang_b_recursion(n: int, a: float) -> float:
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def erlang_b_continuous(servers: float, traffic: float) -> float:
    """Continuous Erlang B, B(N, A) = A^N e^-A / Gamma(N + 1, A), for real N >= 0 (Jagerman 1974).

    Gamma(s, A) is the upper incomplete gamma function. It agrees with the recursion at whole N.
    Where the regularised Q(N + 1, A) cannot underflow (A < N + 2) it is evaluated in log space
    with ``scipy.special.gammaincc``/``gammaln`` (so A = 12,345 is fine); further into overload
    Gamma(N + 1, A) = e^-A A^(N+1) h, with h the Legendre continued fraction, gives B = 1 / (A h)
    without any underflow. This is the formula proposed for fractional staffing in pyworkforce #41.
    """
    n = _non_negative("servers", servers)
    a = _non_negative("traffic", traffic)
    if a == 0.0:
        return 1.0 if n == 0.0 else 0.0
    return math.exp(_log_erlang_b(n, a))


def _log_erlang_b(n: float, a: float) -> float:
    """log B(N, A) for real N >= 0 and A > 0 (see ``erlang_b_continuous``)."""
    s = n + 1.0
    if a >= s + 1.0:
        return -math.log(a * _upper_gamma_fraction(s, a))
    log_b = n * math.log(a) - a - float(special.gammaln(s)) - math.log(float(special.gammaincc(s, a)))
    return min(log_b, 0.0)


def _upper_gamma_fraction(s: float, x: float) -> float:
    """h such that Gamma(s, x) = e^-x x^s h, by the modified Lentz method; converges for x >= s + 1.

    Legendre's continued fraction, as in Numerical Recipes (``gcf``).
    """
    tiny = 1e-300
    b = x + 1.0 - s
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 1_000_000):
        an = -i * (i - s)
        b += 2.0
        d = an * d + b
        d = d if abs(d) > tiny else tiny
        c = b + an / c
        c = c if abs(c) > tiny else tiny
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 2e-16:
            break
    return h


def erlang_b_lines(traffic: float, max_blocking: float) -> int:
    """Fewest lines N with B(N, A) <= ``max_blocking`` (0 for no traffic)."""
    a = _non_negative("traffic", traffic)
    target = _open_unit("max_blocking", max_blocking)
    if a == 0.0:
        return 0
    n, b = 0, 1.0
    while b > target:
        n += 1
        b = a * b / (n + a * b)
    return n


# --------------------------------------------------------------------------- results


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


def _no_traffic(agents: float, erlang_a: bool) -> QueueMetrics:
    return QueueMetrics(agents, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0 if erlang_a else None, 0.0)


def workload(volume: float, interval_seconds: float, aht_seconds: float) -> float:
    """Offered load in erlangs (NICE CXone's "Req"): volume x AHT / interval length."""
    v = _non_negative("volume", volume)
    return v * _positive("aht_seconds", aht_seconds) / _positive("interval_seconds", interval_seconds)


# --------------------------------------------------------------------------- Erlang C


def erlang_c(servers: float, traffic: float) -> float:
    """P(wait) of M/M/N (Erlang C): C = N B / (N - A (1 - B)) for N > A, 1 when N <= A (overload).

    N may be fractional (continuous Erlang B). No traffic gives 0.
    """
    n = _non_negative("servers", servers)
    a = _non_negative("traffic", traffic)
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
    lam = _non_negative("arrival_rate", arrival_rate)
    aht = _positive("aht_seconds", aht_seconds)
    n = _non_negative("agents", agents)
    t = _non_negative("threshold_seconds", threshold_seconds)
    a = lam * aht
    if a == 0.0:
        return _no_traffic(n, erlang_a=False)
    if n <= a:
        return QueueMetrics(n, a, 1.0, 0.0, math.inf, 1.0, None, math.inf)
    c = erlang_c(n, a)
    asa = c * aht / (n - a)
    service_level = 1.0 - c * math.exp(-(n - a) * t / aht)
    return QueueMetrics(n, a, c, service_level, asa, min(1.0, a / n), None, asa)


# --------------------------------------------------------------------------- Erlang A: chain


def erlang_a_metrics(
    arrival_rate: float,
    aht_seconds: float,
    patience_seconds: float,
    agents: float,
    threshold_seconds: float = 0.0,
) -> QueueMetrics:
    """Erlang A (M/M/N+M: exponential service and patience, FCFS) at ``agents``.

    Whole N: the exact birth-death chain of Gans, Koole & Mandelbaum (2003): states k = 0..N with
    death rate k mu, then queue states N + j with death rate N mu + j theta, truncated where the
    terms fall below exp(-40) of the largest, all in log space so that large N works. By PASTA an
    arrival sees the stationary distribution; one that finds all N busy and j waiting:

    * is answered with probability N / (N + (j + 1) gamma), gamma = theta / mu (the product of the
      competing-rate ratios (N mu + m theta) / (N mu + (m + 1) theta), m = 0..j, telescopes);
    * is answered within T with probability P(S <= T, S < tau), S the hypoexponential time to
      reach an agent (rates N mu + m theta, m = j..0) and tau ~ Exp(theta) its patience. This is
      computed for all j at once by uniformisation of the pure-death chain "m waiting ahead"
      (Poisson-weighted absorption probabilities; all terms positive, so no cancellation).

    P(abandon) = sum_j p_j (j + 1) gamma / (N + (j + 1) gamma); ASA (mean wait of all arrivals) by
    Little's law, E[queue] / lambda. The two routes are independent and satisfy
    P(abandon) = theta x ASA, which the tests check. Fractional N uses ``erlang_a_continuous``,
    and so does a whole N whose queue would need more than MAX_QUEUE_STATES states (very long
    patience with N < A); where the uniformisation would need more than MAX_UNIFORM_WORK operations
    (large N or queue, long T) only P(answered within T | wait) comes from the closed form. Both routes
    are exact; they agree to about 1e-11 relative (the tests require 1e-8). No agents: P(wait) = P(abandon) = 1,
    SL = 0, ASA = mean patience.
    """
    lam = _non_negative("arrival_rate", arrival_rate)
    aht = _positive("aht_seconds", aht_seconds)
    patience = _positive("patience_seconds", patience_seconds)
    n = _non_negative("agents", agents)
    t = _non_negative("threshold_seconds", threshold_seconds)
    a = lam * aht
    if a == 0.0:
        return _no_traffic(n, erlang_a=True)
    if n == 0.0:  # nobody is answered; every arrival waits its whole patience
        return QueueMetrics(0.0, a, 1.0, 0.0, patience, 1.0, 1.0, None)
    if n.is_integer():
        metrics = _erlang_a_chain(a, int(n), aht, aht / patience, t)
        if metrics is not None:
            return metrics
    return erlang_a_continuous(lam, aht, patience, n, t)


def _log_queue_terms(a: float, n: int, gamma: float) -> np.ndarray | None:
    """log(pi_{N+j} / pi_N) for j = 0..J: cumulative sums of log(A / (N + i gamma)), i = 1..j.

    Grown until the remaining tail is below exp(LOG_TAIL) of the largest term (the ratios fall, so
    the tail after the last term is at most last x r / (1 - r)), then trimmed to the terms that matter.
    None when more than MAX_QUEUE_STATES terms would be needed.
    """
    peak = max(0.0, (a - n) / gamma)
    size = int(min(MAX_QUEUE_STATES, 2.0 * peak + 256))
    log_a = math.log(a)
    while True:
        i = np.arange(1, size + 1, dtype=float)
        logs = np.concatenate(([0.0], np.cumsum(log_a - np.log(n + i * gamma))))
        ratio = a / (n + (size + 1) * gamma)
        top = float(logs.max())
        if ratio < 1.0 and logs[-1] + math.log(ratio / (1.0 - ratio)) < top + LOG_TAIL:
            keep = int(np.nonzero(logs >= top + LOG_TAIL)[0][-1]) + 1
            return logs[: max(keep, 1)]
        if size >= MAX_QUEUE_STATES:
            return None
        size = min(MAX_QUEUE_STATES, 2 * size)


def _stationary(a: float, n: int, gamma: float) -> tuple[float, np.ndarray] | None:
    """(P(an arrival finds an idle agent), p_j = P(it finds all N busy and j waiting), j = 0..J)."""
    terms = _log_queue_terms(a, n, gamma)
    if terms is None:
        return None
    k = np.arange(n + 1, dtype=float)
    log_busy = k * math.log(a) - special.gammaln(k + 1.0)
    log_queue = log_busy[-1] + terms
    top = max(float(log_busy.max()), float(log_queue.max()))
    free = float(np.exp(log_busy[:-1] - top).sum())
    queue = np.exp(log_queue - top)
    total = free + float(queue.sum())
    return free / total, queue / total


def _poisson_weights(mean: float, count: int) -> np.ndarray:
    k = np.arange(count, dtype=float)
    return np.exp(k * math.log(mean) - mean - special.gammaln(k + 1.0))


def _served_within(n: int, gamma: float, mu: float, threshold: float, size: int) -> np.ndarray | None:
    """P(answered within ``threshold`` | arrival finds N busy and j waiting), j = 0..size-1.

    Uniformisation of the tagged contact's chain: with m contacts ahead it moves up at rate
    mu (N + m gamma) (reaching an agent from m = 0) and abandons at rate theta = mu gamma.
    h_s(m) = P(answered within s uniformised steps | m ahead); the answer is
    sum_s Poisson(s; Lambda T) h_s(m), Lambda the largest total rate, over steps up to
    Lambda T + 12 sqrt(Lambda T) + 40 (the Poisson tail beyond is negligible). None when steps x
    states exceeds MAX_UNIFORM_WORK.
    """
    if threshold == 0.0:
        return np.zeros(size)
    up = mu * (n + gamma * np.arange(size, dtype=float))
    theta = mu * gamma
    rate = float(up[-1]) + theta
    mean = rate * threshold
    steps = int(mean + 12.0 * math.sqrt(mean) + 40.0)
    if steps * size > MAX_UNIFORM_WORK:
        return None
    weights = _poisson_weights(mean, steps + 1)
    move = up / rate
    stay = 1.0 - (up + theta) / rate
    h = np.zeros(size)
    shifted = np.empty(size)
    shifted[0] = 1.0
    result = np.zeros(size)
    for step in range(1, steps + 1):
        shifted[1:] = h[:-1]
        h = move * shifted + stay * h
        result += weights[step] * h
    return np.minimum(result, 1.0)


def _erlang_a_chain(a: float, n: int, aht: float, gamma: float, threshold: float) -> QueueMetrics | None:
    """Erlang A measures from the truncated birth-death chain (N >= 1); None if the queue is too long."""
    stationary = _stationary(a, n, gamma)
    if stationary is None:
        return None
    p_free, queue = stationary
    j = np.arange(queue.size, dtype=float)
    mu = 1.0 / aht
    p_wait = float(queue.sum())
    answered = n / (n + (j + 1.0) * gamma)
    p_abandon = float(np.dot(queue, 1.0 - answered))
    mean_queue = float(np.dot(queue, j))
    asa = mean_queue * aht / a
    within = _served_within(n, gamma, mu, threshold, queue.size)
    if within is None:
        within_given_wait = _answered_given_wait(n / gamma, a / gamma, threshold * mu * gamma)[1]
        service_level = p_free + p_wait * within_given_wait
    else:
        service_level = p_free + float(np.dot(queue, within))
    # Mean wait of the answered: E[S e^(-theta S)] = P(answered) x E[S'], S' with rates + theta.
    tilted_mean = np.cumsum(aht / (n + (j + 1.0) * gamma))
    served = 1.0 - p_abandon
    wait_served = float(np.dot(queue, answered * tilted_mean)) / served
    occupancy = min(1.0, a * served / n)
    return QueueMetrics(float(n), a, p_wait, min(1.0, service_level), asa, occupancy, p_abandon, wait_served)


# --------------------------------------------------------------------------- Erlang A: closed form


def _log_a_function(x: float, z: float) -> tuple[float, float]:
    """(log A(x, z), log(A(x, z) - 1)) for A(x, z) = 1 + sum_{j>=1} z^j / prod_{k=1..j} (x + k).

    A(x, z) = x e^z z^-x gamma(x, z), gamma the lower incomplete gamma function. For z >= x the
    regularised ``gammainc`` is at least about 1/2 and is used in log space; below, the series
    (terms falling, summed in log space in growing chunks) is used, because ``gammainc`` underflows
    there once x is large (very long patience), while A stays moderate.
    """
    if z == 0.0:
        return 0.0, -math.inf
    if z >= x:
        log_a = math.log(x) + z - x * math.log(z) + float(special.gammaln(x)) + math.log(float(special.gammainc(x, z)))
        return log_a, log_a + math.log1p(-math.exp(-log_a))
    size = 256
    while True:
        k = np.arange(1, size + 1, dtype=float)
        logs = np.cumsum(math.log(z) - np.log(x + k))
        ratio = z / (x + size + 1.0)
        if logs[-1] + math.log(ratio / (1.0 - ratio)) < LOG_TAIL:
            break
        size *= 2
    top = float(logs.max())
    log_rest = top + math.log(float(np.exp(logs - top).sum()))
    return math.log1p(math.exp(log_rest)), log_rest


def _answered_given_wait(x: float, y: float, theta_t: float) -> tuple[float, float]:
    """(P(answered | wait), P(answered within T | wait)) in the Palm/Erlang-A closed form.

    With the virtual wait V, P(V > v | wait) = gamma(x, y e^(-theta v)) / gamma(x, y); integrating
    its density against the patience survival e^(-theta v) gives
    [gamma(x + 1, y) - gamma(x + 1, y e^(-theta T))] / (y gamma(x, y)). Using
    gamma(x + 1, z) = z^x e^-z (A(x, z) - 1) this is
    (x / y) [(A(x, y) - 1) - e^(-x theta T + y (1 - e^(-theta T))) (A(x, y e^(-theta T)) - 1)] / A(x, y),
    and P(answered | wait) is its limit T -> infinity, (x / y) (A(x, y) - 1) / A(x, y).
    ``theta_t`` is theta x T.
    """
    log_a, log_a1 = _log_a_function(x, y)
    scale = x / y
    answered = scale * math.exp(log_a1 - log_a)
    shrink = math.exp(-theta_t)
    _, log_a1_t = _log_a_function(x, y * shrink)
    log_factor = -x * theta_t + y * -math.expm1(-theta_t)
    late = scale * math.exp(log_factor + log_a1_t - log_a)
    return min(1.0, answered), min(1.0, max(0.0, answered - late))


def _p_wait_erlang_a(log_e: float, log_a: float) -> float:
    """P(wait) = A E / (1 + (A - 1) E) = 1 / (1 + (1/E - 1) / A), in log space (E may underflow)."""
    if log_e >= 0.0:
        return 1.0
    return float(special.expit(log_e + log_a - math.log(-math.expm1(log_e))))


def erlang_a_continuous(
    arrival_rate: float,
    aht_seconds: float,
    patience_seconds: float,
    agents: float,
    threshold_seconds: float = 0.0,
) -> QueueMetrics:
    """Erlang A for real N > 0 through its incomplete-gamma closed form (Riordan 1962; Palm 1957).

    With x = N mu / theta, y = lambda / theta, E = continuous Erlang B(N, A) and A(x, y) as in
    ``_log_a_function`` (Mandelbaum & Zeltyn 2007):

    * P(wait) = A E / (1 + (A - 1) E) = 1 / (1 + (1/E - 1) / A);
    * P(virtual wait > t | wait) = gamma(x, y e^(-theta t)) / gamma(x, y), which integrated against
      the patience survival function gives P(answered within T | wait) (``_answered_given_wait``);
    * P(abandon) = P(wait) (1 - P(answered | wait)); ASA (all arrivals) = P(abandon) / theta.

    Every function involved is analytic in N, and at whole N the values equal the birth-death
    chain's (the tests check this), so this is the natural continuous extension used for the
    fractional requirement. The mean wait of the answered is not computed here (None).
    """
    lam = _non_negative("arrival_rate", arrival_rate)
    aht = _positive("aht_seconds", aht_seconds)
    patience = _positive("patience_seconds", patience_seconds)
    n = _positive("agents", agents)
    t = _non_negative("threshold_seconds", threshold_seconds)
    a = lam * aht
    if a == 0.0:
        return _no_traffic(n, erlang_a=True)
    gamma = aht / patience
    x, y = n / gamma, a / gamma
    p_wait = _p_wait_erlang_a(_log_erlang_b(n, a), _log_a_function(x, y)[0])
    answered, within = _answered_given_wait(x, y, t / patience)
    p_abandon = p_wait * (1.0 - answered)
    service_level = 1.0 - p_wait + p_wait * within
    occupancy = min(1.0, a * (1.0 - p_abandon) / n)
    return QueueMetrics(n, a, p_wait, service_level, p_abandon * patience, occupancy, p_abandon, None)


# --------------------------------------------------------------------------- patience


def estimate_abandon_rate(abandoned: int, exposure_seconds: float) -> float | None:
    """theta-hat = abandons / total queue time of all queued contacts (per second).

    The maximum-likelihood estimate for exponential patience censored at answer (Brown et al.
    2005; Mandelbaum & Zeltyn's P(Ab) = theta E[W]). The exposure is the waiting time of every
    queued contact: answered ones until answer, abandoned ones until they hung up. No exposure
    gives None (nothing to estimate from); no abandons give 0.0.
    """
    count = _non_negative("abandoned", abandoned)
    if not count.is_integer():
        raise ValueError(f"abandoned must be a whole number, got {abandoned!r}")
    exposure = _non_negative("exposure_seconds", exposure_seconds)
    if exposure == 0.0:
        return None
    return count / exposure


def estimate_patience(abandoned: int, exposure_seconds: float) -> float | None:
    """Mean patience 1 / theta-hat in seconds: infinite when nobody abandoned, None without exposure.

    Anonymous Bank: 3,932 abandons over 1,367,207 s of queue time give 347.7 s.
    """
    rate = estimate_abandon_rate(abandoned, exposure_seconds)
    if rate is None:
        return None
    return math.inf if rate == 0.0 else 1.0 / rate


# --------------------------------------------------------------------------- requirement


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
    """Full-time equivalents: agents / (1 - shrinkage), not rounded."""
    return _non_negative("agents", agents) / (1.0 - _shrinkage(shrinkage))


def positions(agents: float, shrinkage: float) -> int:
    """Whole positions: ceil(agents / (1 - shrinkage)), with a 1e-9 tolerance (14 / 0.7 gives 20)."""
    return math.ceil(fte(agents, shrinkage) - 1e-9)


@dataclass(frozen=True)
class Requirement:
    """Required staffing. ``agents`` is the smallest whole N meeting every limit; ``agents_fractional``
    the continuous N where the last limit is just met (None when not available); ``fte`` is
    agents / (1 - shrinkage) unrounded and ``positions`` its ceiling; ``fte_fractional`` is
    agents_fractional / (1 - shrinkage). ``metrics`` are those at ``agents``.
    """

    agents: int
    agents_fractional: float | None
    fte: float
    fte_fractional: float | None
    positions: int
    metrics: QueueMetrics

    def as_dict(self) -> dict[str, Any]:
        """The CLI's ``required`` object: agents, agents_fractional, fte."""
        return {"agents": self.agents, "agents_fractional": self.agents_fractional, "fte": self.fte}


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
    lam = _non_negative("arrival_rate", arrival_rate)
    aht = _positive("aht_seconds", aht_seconds)
    t = _non_negative("threshold_seconds", threshold_seconds)
    limits = _limits(target, max_occupancy, max_abandon, max_asa_seconds)
    shrink = _shrinkage(shrinkage)
    a = lam * aht
    if patience_seconds is None:
        whole_model = continuous_model = _erlang_c_model(lam, aht, t)
        floor = a * (1.0 + 1e-12) + 1e-12
    else:
        patience = _positive("patience_seconds", patience_seconds)
        whole_model = _erlang_a_model(lam, aht, patience, t)
        continuous_model = _erlang_a_continuous_model(lam, aht, patience, t)
        floor = 1e-9
    whole = _smallest_agents(lambda n: limits.met(whole_model(float(n))), math.ceil(a) + 1)
    fractional = _fractional_agents(continuous_model, limits, whole, floor)
    return Requirement(
        agents=whole,
        agents_fractional=fractional,
        fte=whole / (1.0 - shrink),
        fte_fractional=fractional / (1.0 - shrink),
        positions=positions(whole, shrink),
        metrics=whole_model(float(whole)),
    )


def _limits(target: Any, max_occupancy: Any, max_abandon: Any, max_asa_seconds: Any) -> Limits:
    return Limits(
        target=_open_unit("target", target),
        max_occupancy=None if max_occupancy is None else _unit_upper("max_occupancy", max_occupancy),
        max_abandon=None if max_abandon is None else _unit_upper("max_abandon", max_abandon),
        max_asa_seconds=None if max_asa_seconds is None else _positive("max_asa_seconds", max_asa_seconds),
    )


def _erlang_c_model(lam: float, aht: float, t: float) -> Callable[[float], QueueMetrics]:
    return lambda n: erlang_c_metrics(lam, aht, n, t)


def _erlang_a_model(lam: float, aht: float, patience: float, t: float) -> Callable[[float], QueueMetrics]:
    return lambda n: erlang_a_metrics(lam, aht, patience, n, t)


def _erlang_a_continuous_model(lam: float, aht: float, patience: float, t: float) -> Callable[[float], QueueMetrics]:
    return lambda n: erlang_a_continuous(lam, aht, patience, n, t)


# --------------------------------------------------------------------------- table for the CLI


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
    v = _non_negative("volume", volume)
    interval = _positive("interval_seconds", interval_seconds)
    aht = _positive("aht_seconds", aht_seconds)
    t = _non_negative("threshold_seconds", threshold_seconds)
    patience = None if patience_seconds is None else _positive("patience_seconds", patience_seconds)
    counts = None if agents is None else [_agent_count(n) for n in agents]
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
