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

Distributions come from ``scipy.stats`` (imported on first use, so importing this package stays cheap).

Modules: ``core`` (the :class:`Comparison` type, input checks, t and z tests), ``ratio``, ``proportions``, ``nps``
and ``means`` (means and counts), one per method above; this package re-exports their public names.
"""

from csmetrics.compare.stats.core import Comparison, Reference, welch_satterthwaite_df
from csmetrics.compare.stats.means import (
    METHOD_COUNT,
    METHOD_WELCH,
    compare_counts,
    compare_mean_summaries,
    compare_means,
)
from csmetrics.compare.stats.nps import METHOD_NPS, compare_nps, nps_counts
from csmetrics.compare.stats.proportions import compare_proportions, newcombe_interval, wilson_interval
from csmetrics.compare.stats.ratio import (
    RatioEstimate,
    compare_rate_per_contact,
    compare_ratio,
    compare_ratio_estimates,
    design_effect,
    ratio_estimate,
    ratio_estimate_from_counts,
    ratio_estimate_from_sums,
)

__all__ = [
    "METHOD_COUNT",
    "METHOD_NPS",
    "METHOD_WELCH",
    "Comparison",
    "RatioEstimate",
    "Reference",
    "compare_counts",
    "compare_mean_summaries",
    "compare_means",
    "compare_nps",
    "compare_proportions",
    "compare_rate_per_contact",
    "compare_ratio",
    "compare_ratio_estimates",
    "design_effect",
    "newcombe_interval",
    "nps_counts",
    "ratio_estimate",
    "ratio_estimate_from_counts",
    "ratio_estimate_from_sums",
    "welch_satterthwaite_df",
    "wilson_interval",
]
