"""Proportions of survey answers (the CSAT share): Newcombe's hybrid score interval and the two-proportion z test."""

from __future__ import annotations

import math

from csmetrics.compare.stats.core import (
    Comparison,
    Inference,
    check_confidence,
    difference_of,
    relative_change,
    whole_count,
    z_quantile,
    z_test,
)


def wilson_interval(hits: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson (1927) score interval for a binomial proportion p = k/n, without continuity correction:
    (p + z²/2n ± z·√(p(1 - p)/n + z²/4n²)) / (1 + z²/n), with z the normal quantile for ``confidence``.
    """
    k = whole_count(hits, "hits")
    m = whole_count(n, "n")
    if m == 0 or k > m:
        raise ValueError(f"need 0 <= hits <= n and n > 0, got hits={k}, n={m}")
    check_confidence(confidence)
    z = z_quantile(confidence)
    p = k / m
    z2 = z * z
    centre = p + z2 / (2 * m)
    half = z * math.sqrt(p * (1 - p) / m + z2 / (4 * m * m))
    scale = 1 + z2 / m
    low = 0.0 if k == 0 else (centre - half) / scale
    high = 1.0 if k == m else (centre + half) / scale
    return low, high


def newcombe_interval(
    before_hits: int, before_n: int, after_hits: int, after_n: int, *, confidence: float = 0.95
) -> tuple[float, float]:
    """Newcombe's hybrid score interval (1998, method 10) for p_after - p_before.

    With p₁ = after, p₂ = before, (lᵢ, uᵢ) their Wilson intervals and d = p₁ - p₂::

        L = d - √((p₁ - l₁)² + (u₂ - p₂)²),   U = d + √((u₁ - p₁)² + (p₂ - l₂)²)
    """
    l1, u1 = wilson_interval(after_hits, after_n, confidence=confidence)
    l2, u2 = wilson_interval(before_hits, before_n, confidence=confidence)
    p1 = after_hits / after_n
    p2 = before_hits / before_n
    d = p1 - p2
    return d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2)


def _proportion_se(k_b: int, n_b: int, k_a: int, n_a: int, pooled: bool) -> float:
    if pooled:
        p = (k_b + k_a) / (n_b + n_a)
        return math.sqrt(p * (1 - p) * (1 / n_b + 1 / n_a))
    p_b, p_a = k_b / n_b, k_a / n_a
    return math.sqrt(p_b * (1 - p_b) / n_b + p_a * (1 - p_a) / n_a)


def _proportion_test(k_b: int, n_b: int, k_a: int, n_a: int, pooled: bool, confidence: float) -> Inference:
    if n_b == 0 or n_a == 0:
        empty = " and ".join(side for side, m in (("before", n_b), ("after", n_a)) if m == 0)
        return Inference(note=f"{empty} has no responses, so no interval or test")
    difference = k_a / n_a - k_b / n_b
    low, high = newcombe_interval(k_b, n_b, k_a, n_a, confidence=confidence)
    z = z_test(difference, _proportion_se(k_b, n_b, k_a, n_a, pooled), confidence)
    return Inference(z.se, None, z.statistic, z.p_value, low, high, z.note)


def compare_proportions(
    before_hits: int,
    before_n: int,
    after_hits: int,
    after_n: int,
    *,
    confidence: float = 0.95,
    pooled: bool = True,
) -> Comparison:
    """Compare two independent proportions (e.g. the CSAT top-box share of survey answers).

    Interval: Newcombe's hybrid score interval (:func:`newcombe_interval`). p-value and statistic: the pooled
    two-proportion z test, z = (p_a - p_b)/√(p̄(1 - p̄)(1/n_b + 1/n_a)), or with ``pooled=False`` the unpooled
    (Wald) z, (p_a - p_b)/√(Σ pᵢ(1 - pᵢ)/nᵢ). Method: ``"Newcombe hybrid score, pooled z"`` (or ``unpooled z``).
    """
    check_confidence(confidence)
    k_b, n_b = whole_count(before_hits, "before_hits"), whole_count(before_n, "before_n")
    k_a, n_a = whole_count(after_hits, "after_hits"), whole_count(after_n, "after_n")
    if k_b > n_b or k_a > n_a:
        raise ValueError("hits cannot exceed n")
    before = k_b / n_b if n_b else None
    after = k_a / n_a if n_a else None
    difference = difference_of(before, after)
    test = _proportion_test(k_b, n_b, k_a, n_a, pooled, confidence)
    return Comparison(
        before=before,
        after=after,
        difference=difference,
        relative_change=relative_change(difference, before),
        ci_low=test.ci_low,
        ci_high=test.ci_high,
        p_value=test.p_value,
        method=f"Newcombe hybrid score, {'pooled' if pooled else 'unpooled'} z",
        before_n=n_b,
        after_n=n_a,
        se=test.se,
        statistic=test.statistic,
        note=test.note,
        confidence=confidence,
    )
