"""Ratio-of-sums metrics (service level, ASA, AHT, ...): R = Σy/Σx over clusters, with the linearisation variance.

Cochran, *Sampling Techniques*, 3rd ed. (1977), ch. 6, applied to whole clusters (days, intervals or contacts) as the
sampled units; the two sides are compared with Welch's t on the cluster counts (see the package docstring).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from csmetrics.compare.stats.core import (
    Comparison,
    Inference,
    Reference,
    check_confidence,
    difference_of,
    finite,
    relative_change,
    welch_test,
    whole_count,
    z_test,
)

# A residual y_d - R·x_d this small relative to its terms is rounding noise from computing R, not variation.
RESIDUAL_REL_TOL = 1e-12
_UNIT_RE = re.compile(r"day|contact|interval:[1-9][0-9]*m")


@dataclass(frozen=True)
class RatioEstimate:
    """One side of a ratio comparison: R = Σy/Σx and its linearisation variance over ``clusters`` clusters.

    ``ratio`` is ``None`` when Σx = 0 (no cluster); ``variance`` is ``None`` with fewer than 2 clusters.
    """

    ratio: float | None
    variance: float | None
    clusters: int
    total_y: float
    total_x: float


def ratio_estimate(y: Iterable[float], x: Iterable[float]) -> RatioEstimate:
    """R = Σy/Σx over clusters, with the linearisation variance of a ratio estimator (Cochran 1977, ch. 6).

    ``y`` and ``x`` are per-cluster sums (e.g. per day: calls answered within T and calls offered; or handle
    seconds and handled calls). Only clusters with x_d > 0 count; a cluster with x_d = 0 must have y_d = 0. With n
    such clusters::

        var(R) = n/(n - 1) · Σ_d (y_d - R·x_d)² / (Σ_d x_d)²

    the usual with-replacement (ultimate cluster) approximation. ``variance`` is ``None`` when n < 2.
    """
    ys = [finite(v, "y") for v in y]
    xs = [finite(v, "x") for v in x]
    if len(ys) != len(xs):
        raise ValueError(f"y and x must have the same length, got {len(ys)} and {len(xs)}")
    pairs = _positive_clusters(ys, xs)
    total_y = math.fsum(p[0] for p in pairs)
    total_x = math.fsum(p[1] for p in pairs)
    ratio = total_y / total_x if pairs else 0.0
    squares = math.fsum(_residual(yd, xd, ratio) ** 2 for yd, xd in pairs)
    return ratio_estimate_from_sums(total_y, total_x, len(pairs), squares)


def ratio_estimate_from_sums(total_y: float, total_x: float, clusters: int, squares: float) -> RatioEstimate:
    """The estimate of :func:`ratio_estimate` from the four sums a database computes over the ``clusters``
    clusters with x_d > 0: Σy, Σx and the residual sum of squares Σ_d (y_d - R·x_d)² with R = Σy/Σx.

    ``csmetrics compare`` gets them from one set-based query (residuals within a relative 1e-12 of their terms
    count as 0, as in :func:`ratio_estimate`), so no per-cluster data reaches Python.
    """
    n = whole_count(clusters, "clusters")
    total_y = finite(total_y, "total_y")
    total_x = finite(total_x, "total_x")
    squares = finite(squares, "squares")
    if n == 0:
        return RatioEstimate(None, None, 0, total_y, total_x)
    if total_x <= 0 or squares < 0:
        raise ValueError(f"need total_x > 0 and squares >= 0 over {n} cluster(s), got {total_x!r} and {squares!r}")
    ratio = total_y / total_x
    variance = n / (n - 1) * squares / total_x**2 if n >= 2 else None
    return RatioEstimate(ratio, variance, n, total_y, total_x)


def _positive_clusters(ys: list[float], xs: list[float]) -> list[tuple[float, float]]:
    pairs = []
    for yd, xd in zip(ys, xs, strict=True):
        if xd < 0:
            raise ValueError(f"cluster denominators x must be >= 0, got {xd!r}")
        if xd == 0:
            if yd != 0:
                raise ValueError(f"a cluster with x = 0 must have y = 0, got y = {yd!r}")
            continue
        pairs.append((yd, xd))
    return pairs


def _residual(yd: float, xd: float, ratio: float) -> float:
    fitted = ratio * xd
    residual = yd - fitted
    if abs(residual) <= RESIDUAL_REL_TOL * max(abs(yd), abs(fitted)):
        return 0.0
    return residual


def ratio_estimate_from_counts(hits: int, n: int) -> RatioEstimate:
    """The contact-cluster ratio estimate of a 0/1 rate from counts, without per-contact arrays.

    Each of the ``n`` contacts is a cluster with x_d = 1 and y_d ∈ {0, 1}; ``hits`` of them have y_d = 1, so
    R = k/n (k = hits). The residuals are 1 - R for the k ones and -R for the n - k zeros::

        Σ_d (y_d - R)² = k(1 - R)² + (n - k)R² = nR(1 - R)² + n(1 - R)R² = nR(1 - R)

        var(R) = n/(n - 1) · nR(1 - R) / n² = R(1 - R)/(n - 1)

    i.e. the independent-contacts (binomial) variance with the unbiased n - 1 divisor.
    """
    k = whole_count(hits, "hits")
    m = whole_count(n, "n")
    if k > m:
        raise ValueError(f"hits ({k}) cannot exceed n ({m})")
    if m == 0:
        return RatioEstimate(None, None, 0, 0.0, 0.0)
    ratio = k / m
    variance = ratio * (1.0 - ratio) / (m - 1) if m >= 2 else None
    return RatioEstimate(ratio, variance, m, float(k), float(m))


def _check_unit(unit: str) -> None:
    if not _UNIT_RE.fullmatch(unit):
        raise ValueError(f"cluster unit must be 'day', 'contact' or 'interval:<N>m', got {unit!r}")


def _too_few_clusters(before: RatioEstimate, after: RatioEstimate, unit: str) -> str | None:
    short = [
        f"{side} has {est.clusters} {unit} cluster(s) with x > 0"
        for side, est in (("before", before), ("after", after))
        if est.clusters < 2
    ]
    if not short:
        return None
    return "; ".join(short) + "; at least 2 per side are needed to estimate a variance, so no test"


def compare_ratio_estimates(
    before: RatioEstimate,
    after: RatioEstimate,
    *,
    unit: str = "day",
    confidence: float = 0.95,
    reference: Reference = "t",
) -> Comparison:
    """Compare two :class:`RatioEstimate` sides: SE = √(var_b + var_a), Welch-Satterthwaite df on the cluster
    counts and Student's t (``reference="t"``, the default), or the normal distribution (``reference="normal"``).

    With fewer than 2 clusters on a side the point estimates are still returned, the test fields are ``None`` and
    ``note`` says why.
    """
    _check_unit(unit)
    check_confidence(confidence)
    if reference not in ("t", "normal"):
        raise ValueError(f"reference must be 't' or 'normal', got {reference!r}")
    difference = difference_of(before.ratio, after.ratio)
    test = _ratio_test(before, after, difference, unit, confidence, reference)
    return Comparison(
        before=before.ratio,
        after=after.ratio,
        difference=difference,
        relative_change=relative_change(difference, before.ratio),
        ci_low=test.ci_low,
        ci_high=test.ci_high,
        p_value=test.p_value,
        method=f"ratio, {unit} clusters, {'Welch t' if reference == 't' else 'z'}",
        before_n=before.total_x,
        after_n=after.total_x,
        before_clusters=before.clusters,
        after_clusters=after.clusters,
        se=test.se,
        df=test.df,
        statistic=test.statistic,
        note=test.note,
        confidence=confidence,
    )


def _ratio_test(
    before: RatioEstimate,
    after: RatioEstimate,
    difference: float | None,
    unit: str,
    confidence: float,
    reference: Reference,
) -> Inference:
    note = _too_few_clusters(before, after, unit)
    if note is not None:
        return Inference(note=note)
    assert difference is not None and before.variance is not None and after.variance is not None
    if reference == "normal":
        return z_test(difference, math.sqrt(before.variance + after.variance), confidence)
    return welch_test(difference, before.variance, before.clusters, after.variance, after.clusters, confidence)


def compare_ratio(
    before_y: Sequence[float],
    before_x: Sequence[float],
    after_y: Sequence[float],
    after_x: Sequence[float],
    *,
    unit: str = "day",
    confidence: float = 0.95,
    reference: Reference = "t",
) -> Comparison:
    """Compare a ratio-of-sums metric between two periods from per-cluster sums (y_d, x_d) on each side.

    ``unit`` names the cluster: ``"day"`` (default), ``"interval:<N>m"`` or ``"contact"`` (one cluster per contact,
    which gives the independent-contacts variance). Method: ``"ratio, <unit> clusters, Welch t"``. See
    :func:`ratio_estimate` for the variance and :func:`compare_ratio_estimates` for the test.
    """
    return compare_ratio_estimates(
        ratio_estimate(before_y, before_x),
        ratio_estimate(after_y, after_x),
        unit=unit,
        confidence=confidence,
        reference=reference,
    )


def compare_rate_per_contact(
    before_hits: int,
    before_n: int,
    after_hits: int,
    after_n: int,
    *,
    confidence: float = 0.95,
    reference: Reference = "t",
) -> Comparison:
    """A 0/1 rate (e.g. answered within T over offered) with contact clusters, from counts alone.

    Same result as :func:`compare_ratio` with ``unit="contact"`` on per-contact 0/1 arrays (see
    :func:`ratio_estimate_from_counts` for the closed form); this ignores any day-to-day correlation, so it is
    the baseline against which the design effect of day clustering is measured.
    """
    return compare_ratio_estimates(
        ratio_estimate_from_counts(before_hits, before_n),
        ratio_estimate_from_counts(after_hits, after_n),
        unit="contact",
        confidence=confidence,
        reference=reference,
    )


def design_effect(clustered: Comparison, independent: Comparison) -> float | None:
    """Kish's design effect of the difference: (SE clustered / SE independent)². ``None`` if either SE is
    missing or the independent SE is 0."""
    if clustered.se is None or independent.se is None or independent.se == 0:
        return None
    return (clustered.se / independent.se) ** 2
