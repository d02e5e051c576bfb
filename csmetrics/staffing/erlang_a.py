"""Erlang A (M/M/N+M: exponential service and patience, FCFS): the exact birth-death chain for whole N,
and the incomplete-gamma closed form for fractional N.

Sources: the chain and its measures, Gans, Koole & Mandelbaum (2003), "Telephone call centers: tutorial,
review, and research prospects", section 4.2.2; the closed forms, Riordan (1962), Palm (1957) and
Mandelbaum & Zeltyn (2007), "Service engineering in action: the Palm/Erlang-A queue".
"""

from __future__ import annotations

import math

import numpy as np

from csmetrics.staffing.checks import non_negative, positive
from csmetrics.staffing.erlang_b import log_erlang_b
from csmetrics.staffing.lazy import LazyModule
from csmetrics.staffing.measures import QueueMetrics, no_traffic

special = LazyModule("scipy.special")

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
    lam = non_negative("arrival_rate", arrival_rate)
    aht = positive("aht_seconds", aht_seconds)
    patience = positive("patience_seconds", patience_seconds)
    n = non_negative("agents", agents)
    t = non_negative("threshold_seconds", threshold_seconds)
    a = lam * aht
    if a == 0.0:
        return no_traffic(n, erlang_a=True)
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
    lam = non_negative("arrival_rate", arrival_rate)
    aht = positive("aht_seconds", aht_seconds)
    patience = positive("patience_seconds", patience_seconds)
    n = positive("agents", agents)
    t = non_negative("threshold_seconds", threshold_seconds)
    a = lam * aht
    if a == 0.0:
        return no_traffic(n, erlang_a=True)
    gamma = aht / patience
    x, y = n / gamma, a / gamma
    p_wait = _p_wait_erlang_a(log_erlang_b(n, a), _log_a_function(x, y)[0])
    answered, within = _answered_given_wait(x, y, t / patience)
    p_abandon = p_wait * (1.0 - answered)
    service_level = 1.0 - p_wait + p_wait * within
    occupancy = min(1.0, a * (1.0 - p_abandon) / n)
    return QueueMetrics(n, a, p_wait, service_level, p_abandon * patience, occupancy, p_abandon, None)
