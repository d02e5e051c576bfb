"""Erlang B (M/M/N/N): blocking probability, whole and fractional N, and lines for a blocking target.

Sources: the recursion, e.g. Cooper, *Introduction to Queueing Theory* (1981), section 3.4; the
continuous extension B(N, A) = A^N e^-A / Gamma(N + 1, A), Jagerman (1974), "Some properties of the
Erlang loss function" (requested for fractional staffing in pyworkforce issue #41).
"""

from __future__ import annotations

import math

from csmetrics.staffing.checks import non_negative, open_unit
from csmetrics.staffing.lazy import LazyModule

optimize = LazyModule("scipy.optimize")
special = LazyModule("scipy.special")

# Whole N up to this use the Erlang B recursion (O(N) steps); above it the log-space continuous
# formula, which agrees with the recursion to about 1e-12 and costs O(1).
RECURSION_MAX = 50_000


def erlang_b(servers: float, traffic: float) -> float:
    """Blocking probability of M/M/N/N (Erlang B) with N = ``servers`` and A = ``traffic`` erlangs.

    Whole N (up to RECURSION_MAX) uses the stable recursion B(0) = 1,
    B(n) = A B(n-1) / (n + A B(n-1)); fractional or larger N the continuous extension
    (``erlang_b_continuous``), which coincides with it at whole N.
    """
    n = non_negative("servers", servers)
    a = non_negative("traffic", traffic)
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
    n = non_negative("servers", servers)
    a = non_negative("traffic", traffic)
    if a == 0.0:
        return 1.0 if n == 0.0 else 0.0
    return math.exp(log_erlang_b(n, a))


def log_erlang_b(n: float, a: float) -> float:
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
    a = non_negative("traffic", traffic)
    target = open_unit("max_blocking", max_blocking)
    if a == 0.0:
        return 0
    n, b = 0, 1.0
    while b > target:
        n += 1
        b = a * b / (n + a * b)
    return n


def erlang_b_lines_fractional(traffic: float, max_blocking: float) -> float:
    """The continuous N at which B(N, A) = ``max_blocking``, in (lines - 1, lines] (0 for no traffic).

    Continuous Erlang B falls strictly with N, so the root of log B(N, A) - log(max_blocking) between
    the whole requirement and one line fewer is found by Brent's method.
    """
    a = non_negative("traffic", traffic)
    target = open_unit("max_blocking", max_blocking)
    whole = erlang_b_lines(a, target)
    if whole == 0:
        return 0.0
    log_target = math.log(target)

    def gap(n: float) -> float:
        return log_erlang_b(n, a) - log_target

    if gap(float(whole)) >= 0.0:  # a tie at the whole number, within float noise
        return float(whole)
    return float(optimize.brentq(gap, float(whole - 1), float(whole), xtol=1e-12, rtol=1e-14))
