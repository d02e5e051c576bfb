"""Means (Welch's two-sample t, from samples or summaries) and counts (difference only, no test)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from csmetrics.compare.stats.core import (
    Comparison,
    Inference,
    check_confidence,
    difference_of,
    finite,
    relative_change,
    welch_test,
    whole_count,
)

METHOD_WELCH = "Welch t"
METHOD_COUNT = "count, no test"


def _mean_variance(sample: Iterable[float], side: str) -> tuple[float | None, float | None, int]:
    values = [finite(v, f"{side} sample value") for v in sample]
    n = len(values)
    if n == 0:
        return None, None, 0
    mean = math.fsum(values) / n
    if n < 2:
        return mean, None, n
    return mean, math.fsum((v - mean) ** 2 for v in values) / (n - 1), n


def compare_means(before: Iterable[float], after: Iterable[float], *, confidence: float = 0.95) -> Comparison:
    """Welch's two-sample t test (Welch 1947; Satterthwaite 1946 df) for mean(after) - mean(before) from raw
    samples (e.g. per-contact handle seconds). Sample variances use the n - 1 divisor. Method: ``"Welch t"``."""
    mean_b, var_b, n_b = _mean_variance(before, "before")
    mean_a, var_a, n_a = _mean_variance(after, "after")
    return _compare_mean_parts(mean_b, var_b, n_b, mean_a, var_a, n_a, confidence)


def compare_mean_summaries(
    before_mean: float,
    before_variance: float,
    before_n: int,
    after_mean: float,
    after_variance: float,
    after_n: int,
    *,
    confidence: float = 0.95,
) -> Comparison:
    """Welch's t from summaries: each side's mean, sample variance s² (n - 1 divisor) and size n.

    SE = √(s_b²/n_b + s_a²/n_a); df = (s_b²/n_b + s_a²/n_a)² / ((s_b²/n_b)²/(n_b - 1) + (s_a²/n_a)²/(n_a - 1)).
    """
    mean_b, var_b, n_b = _summary_side(before_mean, before_variance, before_n, "before")
    mean_a, var_a, n_a = _summary_side(after_mean, after_variance, after_n, "after")
    return _compare_mean_parts(mean_b, var_b, n_b, mean_a, var_a, n_a, confidence)


def _summary_side(mean: float, variance: float, n: int, side: str) -> tuple[float | None, float | None, int]:
    """Validated (mean, variance, n); the mean is ``None`` when n = 0 and the variance when n < 2."""
    m = whole_count(n, f"{side}_n")
    mean_f = finite(mean, f"{side}_mean") if m else None
    var_f = finite(variance, f"{side}_variance") if m >= 2 else None
    if var_f is not None and var_f < 0:
        raise ValueError(f"{side}_variance must be >= 0, got {variance!r}")
    return mean_f, var_f, m


def _compare_mean_parts(
    mean_b: float | None,
    var_b: float | None,
    n_b: int,
    mean_a: float | None,
    var_a: float | None,
    n_a: int,
    confidence: float,
) -> Comparison:
    check_confidence(confidence)
    difference = difference_of(mean_b, mean_a)
    if var_b is None or var_a is None or difference is None:
        test = Inference(note=f"need at least 2 observations per side (before {n_b}, after {n_a}), so no test")
    else:
        test = welch_test(difference, var_b / n_b, n_b, var_a / n_a, n_a, confidence)
    return Comparison(
        before=mean_b,
        after=mean_a,
        difference=difference,
        relative_change=relative_change(difference, mean_b),
        ci_low=test.ci_low,
        ci_high=test.ci_high,
        p_value=test.p_value,
        method=METHOD_WELCH,
        before_n=n_b,
        after_n=n_a,
        se=test.se,
        df=test.df,
        statistic=test.statistic,
        note=test.note,
        confidence=confidence,
    )


def _plain_number(value: Any, what: str) -> float:
    """A finite number, kept as ``int`` when it is an integer (numpy integers included)."""
    number = finite(value, what)
    if isinstance(value, int) or (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in ("i", "u")):
        return int(value)
    return number


def compare_counts(before: float, after: float) -> Comparison:
    """Difference and relative change of two counts (offered, answered, ...), with no test: a count over a
    period is not a sample estimate of anything the caller asked about. Method: ``"count, no test"``."""
    before_f = _plain_number(before, "before")
    after_f = _plain_number(after, "after")
    difference = after_f - before_f
    return Comparison(
        before=before_f,
        after=after_f,
        difference=difference,
        relative_change=relative_change(difference, before_f),
        ci_low=None,
        ci_high=None,
        p_value=None,
        method=METHOD_COUNT,
        note="counts are reported without a test",
    )
