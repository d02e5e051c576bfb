"""Before/after comparisons for ``csmetrics compare``: estimates, standard errors, intervals and p-values.

Every public ``compare_*`` function returns a :class:`Comparison`. Conventions shared by all of them:

* ``difference`` is always **after - before** (sign kept), in the metric's own unit (a share for ratios and
  proportions, NPS points for NPS, the sample unit for means, a count for counts).
* ``relative_change`` is ``difference / before``; ``None`` when ``before`` is ``None`` or 0.
* Undefined values are ``None``, never NaN, and ``note`` says why.
* p-values are two-sided; intervals are two-sided at ``confidence`` (default 0.95).
* **Zero standard error.** When the estimated standard error of the difference is exactly 0 (for example every
  day-cluster on both sides has the same ratio), the test statistic would be ±∞ or 0/0. Then ``statistic`` (and
  for t tests ``df``) is ``None``, ``se`` is 0.0, the interval collapses to ``(difference, difference)`` and the
  p-value is the limit of the test as the standard error goes to 0: **1.0 when the difference is 0, else 0.0**.
  ``note`` flags this; such a p-value reflects a degenerate variance estimate, not certainty.

Methods and sources:

* Ratio-of-sums metrics (service level, abandon rate, ASA, AHT, ...): R = Σy/Σx over clusters, with the
  linearisation (Taylor) variance of the ratio estimator, Cochran, *Sampling Techniques*, 3rd ed. (1977), ch. 6,
  applied to whole clusters (days, intervals or contacts) as the sampled units, in the with-replacement
  "ultimate cluster" form n/(n-1) that survey software uses: var(R) = n/(n-1) · Σ_d (y_d - R·x_d)² / (Σ_d x_d)².
  The two sides are compared with Welch's approximate t, degrees of freedom by Welch (1947, Biometrika 34:28-35)
  and Satterthwaite (1946, Biometrics Bulletin 2:110-114), with the cluster counts as sample sizes.
* Survey proportions (CSAT share): Newcombe's hybrid score interval for a difference of proportions (Newcombe 1998,
  Statistics in Medicine 17:873-890, method 10), built from Wilson (1927) score intervals; p-value from the pooled
  (optionally unpooled) two-proportion z test.
* NPS: the Wald test of the R package ``NPS`` (``nps.var``/``nps.test``): v = (P + D) - (P - D)², with P and D the
  promoter and detractor shares, se = √(v₁/n₁ + v₂/n₂); here in NPS points and with the sign of the difference kept.
* Means (e.g. AHT from per-contact handle times): Welch's two-sample t (Welch 1947; Satterthwaite 1946).
* Counts: difference and relative change only.

Distributions come from ``scipy.stats`` (imported on first use, so importing this module stays cheap).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Reference = Literal["t", "normal"]

METHOD_NPS = "NPS Wald z"
METHOD_WELCH = "Welch t"
METHOD_COUNT = "count, no test"

# A residual y_d - R·x_d this small relative to its terms is rounding noise from computing R, not variation.
_RESIDUAL_REL_TOL = 1e-12
_UNIT_RE = re.compile(r"day|contact|interval:[1-9][0-9]*m")


@dataclass(frozen=True)
class Comparison:
    """One before/after comparison. ``difference`` = after - before; see the module docstring for conventions.

    ``before_n``/``after_n`` are the denominators: Σx for ratios, contacts or responses for proportions and NPS,
    observations for means; ``None`` for counts. ``before_clusters``/``after_clusters`` are the number of
    clusters behind a ratio (``None`` for the other methods). ``se`` is the standard error the statistic uses
    (for proportions: the pooled or unpooled z-test SE, not the Newcombe interval's). ``df`` is ``None`` for
    normal-reference tests.
    """

    before: float | None
    after: float | None
    difference: float | None
    relative_change: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    method: str
    before_n: float | None = None
    after_n: float | None = None
    before_clusters: int | None = None
    after_clusters: int | None = None
    se: float | None = None
    df: float | None = None
    statistic: float | None = None
    note: str | None = None
    confidence: float = 0.95


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


@dataclass(frozen=True)
class _Test:
    """The inferential part of a comparison (everything after the point estimates)."""

    se: float | None = None
    df: float | None = None
    statistic: float | None = None
    p_value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    note: str | None = None


# --------------------------------------------------------------------------------------------------------------
# Small shared helpers


def _stats() -> Any:
    # Imported on first use: scipy.stats takes a noticeable fraction of a second to import.
    from scipy import stats

    return stats


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")


def _finite(value: Any, what: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return number


def _count(value: Any, what: str) -> int:
    """A non-negative whole number (int, numpy integer or an integral float)."""
    number = float(value)
    if not math.isfinite(number) or number < 0 or number != math.floor(number):
        raise ValueError(f"{what} must be a non-negative whole number, got {value!r}")
    return int(number)


def _relative_change(difference: float | None, before: float | None) -> float | None:
    if difference is None or before is None or before == 0:
        return None
    return difference / before


def _difference(before: float | None, after: float | None) -> float | None:
    if before is None or after is None:
        return None
    return after - before


def _zero_se_test(difference: float) -> _Test:
    """The documented limit when the SE of the difference is exactly 0 (see the module docstring)."""
    p_value = 1.0 if difference == 0 else 0.0
    return _Test(
        se=0.0,
        p_value=p_value,
        ci_low=difference,
        ci_high=difference,
        note=(
            "standard error of the difference is 0 (both sides have a zero variance estimate); statistic undefined, "
            f"p-value set to its limit {p_value:g}"
        ),
    )


def _t_test(difference: float, se: float, df: float, confidence: float) -> _Test:
    stats = _stats()
    statistic = difference / se
    p_value = float(2.0 * stats.t.sf(abs(statistic), df))
    half = float(stats.t.ppf(0.5 + confidence / 2.0, df)) * se
    return _Test(se, df, statistic, p_value, difference - half, difference + half)


def _z_test(difference: float, se: float, confidence: float) -> _Test:
    if se == 0:
        return _zero_se_test(difference)
    stats = _stats()
    statistic = difference / se
    p_value = float(2.0 * stats.norm.sf(abs(statistic)))
    half = float(stats.norm.ppf(0.5 + confidence / 2.0)) * se
    return _Test(se, None, statistic, p_value, difference - half, difference + half)


def _z_quantile(confidence: float) -> float:
    return float(_stats().norm.ppf(0.5 + confidence / 2.0))


def welch_satterthwaite_df(var_before: float, n_before: int, var_after: float, n_after: int) -> float | None:
    """Welch-Satterthwaite degrees of freedom for the sum of two variance estimates.

    ``var_*`` are the variances *of the two estimates* (for means s²/n, for ratios var(R)) and ``n_*`` the numbers
    of independent units behind them (observations or clusters, each ≥ 2):
    df = (v_b + v_a)² / (v_b²/(n_b - 1) + v_a²/(n_a - 1)). ``None`` when both variances are 0 (0/0).
    """
    if n_before < 2 or n_after < 2:
        raise ValueError("Welch-Satterthwaite df needs at least 2 units per side")
    denominator = var_before**2 / (n_before - 1) + var_after**2 / (n_after - 1)
    if denominator == 0:
        return None
    return (var_before + var_after) ** 2 / denominator


def _welch_test(
    difference: float, var_before: float, n_before: int, var_after: float, n_after: int, confidence: float
) -> _Test:
    """Welch t on a difference whose two parts have estimated variances ``var_*`` from ``n_*`` units."""
    se = math.sqrt(var_before + var_after)
    if se == 0:
        return _zero_se_test(difference)
    df = welch_satterthwaite_df(var_before, n_before, var_after, n_after)
    assert df is not None  # se > 0 means at least one variance is positive
    return _t_test(difference, se, df, confidence)


# --------------------------------------------------------------------------------------------------------------
# 1. Ratio-of-sums metrics with cluster (day / interval / contact) variances


def ratio_estimate(y: Iterable[float], x: Iterable[float]) -> RatioEstimate:
    """R = Σy/Σx over clusters, with the linearisation variance of a ratio estimator (Cochran 1977, ch. 6).

    ``y`` and ``x`` are per-cluster sums (e.g. per day: calls answered within T and calls offered; or handle
    seconds and handled calls). Only clusters with x_d > 0 count; a cluster with x_d = 0 must have y_d = 0. With n
    such clusters::

        var(R) = n/(n - 1) · Σ_d (y_d - R·x_d)² / (Σ_d x_d)²

    the usual with-replacement (ultimate cluster) approximation. ``variance`` is ``None`` when n < 2.
    """
    ys = [_finite(v, "y") for v in y]
    xs = [_finite(v, "x") for v in x]
    if len(ys) != len(xs):
        raise ValueError(f"y and x must have the same length, got {len(ys)} and {len(xs)}")
    pairs = _positive_clusters(ys, xs)
    n = len(pairs)
    total_y = math.fsum(p[0] for p in pairs)
    total_x = math.fsum(p[1] for p in pairs)
    if n == 0:
        return RatioEstimate(None, None, 0, total_y, total_x)
    ratio = total_y / total_x
    if n < 2:
        return RatioEstimate(ratio, None, n, total_y, total_x)
    squares = math.fsum(_residual(yd, xd, ratio) ** 2 for yd, xd in pairs)
    variance = n / (n - 1) * squares / total_x**2
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
    if abs(residual) <= _RESIDUAL_REL_TOL * max(abs(yd), abs(fitted)):
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
    k = _count(hits, "hits")
    m = _count(n, "n")
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
    _check_confidence(confidence)
    if reference not in ("t", "normal"):
        raise ValueError(f"reference must be 't' or 'normal', got {reference!r}")
    difference = _difference(before.ratio, after.ratio)
    test = _ratio_test(before, after, difference, unit, confidence, reference)
    return Comparison(
        before=before.ratio,
        after=after.ratio,
        difference=difference,
        relative_change=_relative_change(difference, before.ratio),
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
) -> _Test:
    note = _too_few_clusters(before, after, unit)
    if note is not None:
        return _Test(note=note)
    assert difference is not None and before.variance is not None and after.variance is not None
    if reference == "normal":
        return _z_test(difference, math.sqrt(before.variance + after.variance), confidence)
    return _welch_test(difference, before.variance, before.clusters, after.variance, after.clusters, confidence)


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


# --------------------------------------------------------------------------------------------------------------
# 2. Proportions of survey answers: Newcombe hybrid score interval and two-proportion z test


def wilson_interval(hits: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson (1927) score interval for a binomial proportion p = k/n, without continuity correction:
    (p + z²/2n ± z·√(p(1 - p)/n + z²/4n²)) / (1 + z²/n), with z the normal quantile for ``confidence``.
    """
    k = _count(hits, "hits")
    m = _count(n, "n")
    if m == 0 or k > m:
        raise ValueError(f"need 0 <= hits <= n and n > 0, got hits={k}, n={m}")
    _check_confidence(confidence)
    z = _z_quantile(confidence)
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


def _proportion_test(k_b: int, n_b: int, k_a: int, n_a: int, pooled: bool, confidence: float) -> _Test:
    if n_b == 0 or n_a == 0:
        empty = " and ".join(side for side, m in (("before", n_b), ("after", n_a)) if m == 0)
        return _Test(note=f"{empty} has no responses, so no interval or test")
    difference = k_a / n_a - k_b / n_b
    low, high = newcombe_interval(k_b, n_b, k_a, n_a, confidence=confidence)
    z = _z_test(difference, _proportion_se(k_b, n_b, k_a, n_a, pooled), confidence)
    return _Test(z.se, None, z.statistic, z.p_value, low, high, z.note)


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
    _check_confidence(confidence)
    k_b, n_b = _count(before_hits, "before_hits"), _count(before_n, "before_n")
    k_a, n_a = _count(after_hits, "after_hits"), _count(after_n, "after_n")
    if k_b > n_b or k_a > n_a:
        raise ValueError("hits cannot exceed n")
    before = k_b / n_b if n_b else None
    after = k_a / n_a if n_a else None
    difference = _difference(before, after)
    test = _proportion_test(k_b, n_b, k_a, n_a, pooled, confidence)
    return Comparison(
        before=before,
        after=after,
        difference=difference,
        relative_change=_relative_change(difference, before),
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


# --------------------------------------------------------------------------------------------------------------
# 3. NPS


def nps_counts(scores: Iterable[float]) -> tuple[int, int, int]:
    """(promoters, detractors, responses) from 0-10 likelihood-to-recommend scores: promoters 9-10, detractors
    0-6. Scores must be whole numbers in 0..10 (filter out missing answers first)."""
    promoters = detractors = n = 0
    for value in scores:
        score = _count(value, "score")
        if score > 10:
            raise ValueError(f"NPS scores must be in 0..10, got {value!r}")
        n += 1
        promoters += score >= 9
        detractors += score <= 6
    return promoters, detractors, n


def _nps_side(promoters: int, detractors: int, n: int, side: str) -> tuple[float | None, float | None]:
    """(NPS in points, variance v of one response's score in share units) or (None, None) when n = 0."""
    p_count = _count(promoters, f"{side} promoters")
    d_count = _count(detractors, f"{side} detractors")
    m = _count(n, f"{side} n")
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
    _check_confidence(confidence)
    before, v_b = _nps_side(before_promoters, before_detractors, before_n, "before")
    after, v_a = _nps_side(after_promoters, after_detractors, after_n, "after")
    difference = _difference(before, after)
    if difference is None or v_b is None or v_a is None:
        test = _Test(note="a side has no responses, so no test")
    else:
        test = _z_test(difference, 100.0 * math.sqrt(v_b / before_n + v_a / after_n), confidence)
    return Comparison(
        before=before,
        after=after,
        difference=difference,
        relative_change=_relative_change(difference, before),
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


# --------------------------------------------------------------------------------------------------------------
# 4. Means: Welch two-sample t


def _mean_variance(sample: Iterable[float], side: str) -> tuple[float | None, float | None, int]:
    values = [_finite(v, f"{side} sample value") for v in sample]
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
    m = _count(n, f"{side}_n")
    mean_f = _finite(mean, f"{side}_mean") if m else None
    var_f = _finite(variance, f"{side}_variance") if m >= 2 else None
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
    _check_confidence(confidence)
    difference = _difference(mean_b, mean_a)
    if var_b is None or var_a is None or difference is None:
        test = _Test(note=f"need at least 2 observations per side (before {n_b}, after {n_a}), so no test")
    else:
        test = _welch_test(difference, var_b / n_b, n_b, var_a / n_a, n_a, confidence)
    return Comparison(
        before=mean_b,
        after=mean_a,
        difference=difference,
        relative_change=_relative_change(difference, mean_b),
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


# --------------------------------------------------------------------------------------------------------------
# 5. Counts


def _plain_number(value: Any, what: str) -> float:
    """A finite number, kept as ``int`` when it is an integer (numpy integers included)."""
    number = _finite(value, what)
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
        relative_change=_relative_change(difference, before_f),
        ci_low=None,
        ci_high=None,
        p_value=None,
        method=METHOD_COUNT,
        note="counts are reported without a test",
    )
