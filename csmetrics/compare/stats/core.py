"""What every comparison shares: the result type, input checks, and the t and z tests with their edge cases."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

Reference = Literal["t", "normal"]


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
class Inference:
    """The inferential part of a comparison (everything after the point estimates)."""

    se: float | None = None
    df: float | None = None
    statistic: float | None = None
    p_value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    note: str | None = None


def scipy_stats() -> Any:
    # Imported on first use: scipy.stats takes a noticeable fraction of a second to import.
    from scipy import stats

    return stats


def check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")


def finite(value: Any, what: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return number


def whole_count(value: Any, what: str) -> int:
    """A non-negative whole number (int, numpy integer or an integral float)."""
    number = float(value)
    if not math.isfinite(number) or number < 0 or number != math.floor(number):
        raise ValueError(f"{what} must be a non-negative whole number, got {value!r}")
    return int(number)


def relative_change(difference: float | None, before: float | None) -> float | None:
    if difference is None or before is None or before == 0:
        return None
    return difference / before


def difference_of(before: float | None, after: float | None) -> float | None:
    if before is None or after is None:
        return None
    return after - before


def zero_se_test(difference: float) -> Inference:
    """The documented limit when the SE of the difference is exactly 0 (see the module docstring)."""
    p_value = 1.0 if difference == 0 else 0.0
    return Inference(
        se=0.0,
        p_value=p_value,
        ci_low=difference,
        ci_high=difference,
        note=(
            "standard error of the difference is 0 (both sides have a zero variance estimate); statistic undefined, "
            f"p-value set to its limit {p_value:g}"
        ),
    )


def t_test(difference: float, se: float, df: float, confidence: float) -> Inference:
    stats = scipy_stats()
    statistic = difference / se
    p_value = float(2.0 * stats.t.sf(abs(statistic), df))
    half = float(stats.t.ppf(0.5 + confidence / 2.0, df)) * se
    return Inference(se, df, statistic, p_value, difference - half, difference + half)


def z_test(difference: float, se: float, confidence: float) -> Inference:
    if se == 0:
        return zero_se_test(difference)
    stats = scipy_stats()
    statistic = difference / se
    p_value = float(2.0 * stats.norm.sf(abs(statistic)))
    half = float(stats.norm.ppf(0.5 + confidence / 2.0)) * se
    return Inference(se, None, statistic, p_value, difference - half, difference + half)


def z_quantile(confidence: float) -> float:
    return float(scipy_stats().norm.ppf(0.5 + confidence / 2.0))


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


def welch_test(
    difference: float, var_before: float, n_before: int, var_after: float, n_after: int, confidence: float
) -> Inference:
    """Welch t on a difference whose two parts have estimated variances ``var_*`` from ``n_*`` units."""
    se = math.sqrt(var_before + var_after)
    if se == 0:
        return zero_se_test(difference)
    df = welch_satterthwaite_df(var_before, n_before, var_after, n_after)
    assert df is not None  # se > 0 means at least one variance is positive
    return t_test(difference, se, df, confidence)
