"""One output row per group and metric: the two sides' figures, the comparison by the metric's method, a verdict.

The point estimates (``before``, ``after``) are the report's own figures for each side; the tests come from the sums
of :mod:`csmetrics.compare.sums`. The two must agree (Σ numerator / Σ denominator is the metric): a declaration
whose parts give another figure is a definition error naming its file, never a silently different number.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from csmetrics.compare.declared import Declared
from csmetrics.compare.stats import (
    METHOD_COUNT,
    METHOD_NPS,
    METHOD_WELCH,
    Comparison,
    RatioEstimate,
    compare_counts,
    compare_mean_summaries,
    compare_nps,
    compare_proportions,
    compare_ratio_estimates,
    ratio_estimate_from_sums,
)
from csmetrics.errors import DefinitionError

CONFIDENCE = 0.95
SIGNIFICANCE = 0.05  # a difference is marked significant when its two-sided p-value is below this
METHOD_NONE = "no test"
_AGREE = 1e-9  # relative tolerance between the report's figure and Σ numerator / Σ denominator

Parts = dict[str, Any]


def method_name(d: Declared, cluster: str) -> str:
    """The ``method`` of a metric's rows (as the statistics name it)."""
    names = {
        "ratio": f"ratio, {cluster} clusters, Welch t",
        "proportion": "Newcombe hybrid score, pooled z",
        "nps": METHOD_NPS,
        "mean": METHOD_WELCH,
        "count": METHOD_COUNT,
    }
    return names.get(d.method, METHOD_NONE)


def _no_test(before: Any, after: Any, note: str, method: str = METHOD_NONE) -> Comparison:
    difference = after - before if before is not None and after is not None else None
    relative = difference / before if difference is not None and before else None
    return Comparison(before, after, difference, relative, None, None, None, method, note=note)


def _ratio_side(parts: Parts | None) -> RatioEstimate:
    if not parts or not parts.get("clusters"):
        return RatioEstimate(None, None, 0, 0.0, 0.0)
    return ratio_estimate_from_sums(parts["total_y"], parts["total_x"], parts["clusters"], parts["squares"] or 0.0)


def _ratio(d: Declared, cluster: str, before: Parts | None, after: Parts | None) -> Comparison | str:
    """The ratio test, or why there is none."""
    if d.metric.source != "contacts" and cluster == "contact":
        return "agent time has no contacts to cluster by: set compare.cluster to day or an interval for a test"
    if any(p is not None and p.get("rows") and not p.get("defined") for p in (before, after)):
        return "the declared numerator and denominator are not sums over contacts under these definitions"
    return compare_ratio_estimates(_ratio_side(before), _ratio_side(after), unit=cluster, confidence=CONFIDENCE)


def _count(parts: Parts | None, name: str) -> int:
    value = (parts or {}).get(name)
    return int(value) if value is not None else 0


def _survey(d: Declared, before: Parts | None, after: Parts | None) -> Comparison:
    if d.method == "proportion":
        return compare_proportions(
            _count(before, "numerator"),
            _count(before, "denominator"),
            _count(after, "numerator"),
            _count(after, "denominator"),
            confidence=CONFIDENCE,
        )
    if d.method == "nps":
        return compare_nps(
            *(_count(before, k) for k in ("promoters", "detractors", "responses")),
            *(_count(after, k) for k in ("promoters", "detractors", "responses")),
            confidence=CONFIDENCE,
        )

    def summary(parts: Parts | None) -> tuple[float, float, int]:
        parts = parts or {}
        return float(parts.get("mean") or 0.0), float(parts.get("variance") or 0.0), _count(parts, "n")

    return compare_mean_summaries(*summary(before), *summary(after), confidence=CONFIDENCE)


def compare_metric(
    d: Declared, cluster: str, values: tuple[Any, Any], parts: tuple[Parts | None, Parts | None]
) -> Comparison:
    """The comparison of one metric in one group: ``values`` are the report's figures (before, after), ``parts``
    the sums of each side (None when the group is absent on that side)."""
    before, after = values
    if before is None and after is None:
        return _no_test(None, None, "no value on either side", method_name(d, cluster))
    if d.method == "count":
        return compare_counts(before or 0, after or 0)
    if d.method == "none":
        return _no_test(before, after, "no comparison method is declared for this metric")
    if d.method == "ratio":
        result = _ratio(d, cluster, *parts)
        if isinstance(result, str):
            return _no_test(before, after, result, method_name(d, cluster))
    else:
        result = _survey(d, *parts)
    _check_agrees(d, result.before, before)
    _check_agrees(d, result.after, after)
    return _with_figures(result, before, after)


def _check_agrees(d: Declared, estimate: float | None, figure: Any) -> None:
    if estimate is None or figure is None:
        return
    if not math.isclose(estimate, float(figure), rel_tol=_AGREE, abs_tol=_AGREE):
        msg = (
            f"{d.where}: the [compare] parts give {estimate!r} but the metric gives {figure!r}; "
            "the numerator and denominator must be the metric's own"
        )
        raise DefinitionError(msg)


def _with_figures(c: Comparison, before: Any, after: Any) -> Comparison:
    """The comparison with the report's figures as its point estimates."""
    if before is None or after is None:
        return c
    difference = after - before
    return replace(
        c, before=before, after=after, difference=difference, relative_change=difference / before if before else None
    )


def significant(c: Comparison) -> bool | None:
    """Two-sided p below 5 %; None without a test."""
    return None if c.p_value is None else c.p_value < SIGNIFICANCE


def verdict(c: Comparison, better: str | None) -> str:
    """In words: ``better`` / ``worse`` for a significant change of a metric with a better direction, ``higher`` /
    ``lower`` for one without, ``no clear change`` when not significant, ``no test`` when there is none."""
    if c.p_value is None or c.difference is None:
        return "no test"
    if c.p_value >= SIGNIFICANCE or c.difference == 0:
        return "no clear change"
    up = c.difference > 0
    if better is None:
        return "higher" if up else "lower"
    return "better" if up == (better == "higher") else "worse"
