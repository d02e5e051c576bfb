"""NPS: the Wald test of the R package ``NPS`` (``nps.var``/``nps.test``), in NPS points and with the sign kept."""

from __future__ import annotations

import math
from collections.abc import Iterable

from csmetrics.compare.stats.core import (
    Comparison,
    Inference,
    check_confidence,
    difference_of,
    relative_change,
    whole_count,
    z_test,
)

METHOD_NPS = "NPS Wald z"


def nps_counts(scores: Iterable[float]) -> tuple[int, int, int]:
    """(promoters, detractors, responses) from 0-10 likelihood-to-recommend scores: promoters 9-10, detractors
    0-6. Scores must be whole numbers in 0..10 (filter out missing answers first)."""
    promoters = detractors = n = 0
    for value in scores:
        score = whole_count(value, "score")
        if score > 10:
            raise ValueError(f"NPS scores must be in 0..10, got {value!r}")
        n += 1
        promoters += score >= 9
        detractors += score <= 6
    return promoters, detractors, n


def _nps_side(promoters: int, detractors: int, n: int, side: str) -> tuple[float | None, float | None]:
    """(NPS in points, variance v of one response's score in share units) or (None, None) when n = 0."""
    p_count = whole_count(promoters, f"{side} promoters")
    d_count = whole_count(detractors, f"{side} detractors")
    m = whole_count(n, f"{side} n")
    if p_count + d_count > m:
        raise ValueError(f"{side}: promoters + detractors ({p_count + d_count}) cannot exceed n ({m})")
    if m == 0:
        return None, None
    p, d = p_count / m, d_count / m
    return 100.0 * (p - d), (p + d) - (p - d) ** 2


def compare_nps(
    before_promoters: int,
    before_detractors: int,
    before_n: int,
    after_promoters: int,
    after_detractors: int,
    after_n: int,
    *,
    confidence: float = 0.95,
) -> Comparison:
    """Compare NPS between two independent sets of survey responses (Wald z, as ``nps.test`` in R's ``NPS``).

    Per side, with P and D the promoter and detractor shares of n responses, v = (P + D) - (P - D)² (the variance
    of one response scored +1/0/-1). se = 100·√(v_b/n_b + v_a/n_a) in NPS points, z = difference/se with the
    sign kept (``nps.test`` reports |Δ|), normal two-sided p-value and interval. Method: ``"NPS Wald z"``.
    ``relative_change`` follows the general rule (difference / before NPS), so it flips sign for a negative
    baseline NPS.
    """
    check_confidence(confidence)
    before, v_b = _nps_side(before_promoters, before_detractors, before_n, "before")
    after, v_a = _nps_side(after_promoters, after_detractors, after_n, "after")
    difference = difference_of(before, after)
    if difference is None or v_b is None or v_a is None:
        test = Inference(note="a side has no responses, so no test")
    else:
        test = z_test(difference, 100.0 * math.sqrt(v_b / before_n + v_a / after_n), confidence)
    return Comparison(
        before=before,
        after=after,
        difference=difference,
        relative_change=relative_change(difference, before),
        ci_low=test.ci_low,
        ci_high=test.ci_high,
        p_value=test.p_value,
        method=METHOD_NPS,
        before_n=int(before_n),
        after_n=int(after_n),
        se=test.se,
        statistic=test.statistic,
        note=test.note,
        confidence=confidence,
    )
