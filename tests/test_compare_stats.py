"""The statistics behind ``csmetrics compare`` (csmetrics.compare.stats) against published and hand-computed values.

Published reference values are those listed in ../shared/reference/staffing-comparison-calendars.md §2. The real-data
tests read ../shared/real_data and are skipped when it is absent.
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path

import duckdb
import numpy as np
import pytest
from scipy import special

from csmetrics.compare.stats import (
    Comparison,
    compare_counts,
    compare_mean_summaries,
    compare_means,
    compare_nps,
    compare_proportions,
    compare_rate_per_contact,
    compare_ratio,
    design_effect,
    newcombe_interval,
    nps_counts,
    ratio_estimate,
    ratio_estimate_from_counts,
    welch_satterthwaite_df,
    wilson_interval,
)

REAL_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "real_data"
BANK = REAL_DATA / "anonymous_bank_feb1999" / "data_anonymous_bank_february.txt"
NPS_DIR = REAL_DATA / "preppin_data_nps"
NPS_QUESTION = "How likely are you to recommend this airline?"


def close(value: float | None, expected: float, digits: int) -> bool:
    """``value`` equals ``expected`` as printed with ``digits`` decimals (half a unit in the last place)."""
    return value is not None and abs(value - expected) <= 0.5 * 10.0**-digits + 1e-12


# ----------------------------------------------------------------------------------------------------------------
# 1. Ratio of sums with cluster variances


def test_ratio_two_days_vs_three_days_by_hand() -> None:
    # before, 2 days (y_d answered in 20 s, x_d offered): (8, 10), (12, 20)
    #   R_b = 20/30 = 2/3; residuals y - R x: 8 - 20/3 = 4/3, 12 - 40/3 = -4/3; sum of squares 32/9
    #   v_b = n/(n-1) * SS / (sum x)^2 = 2/1 * (32/9) / 900 = 64/8100 = 16/2025 = 0.0079012346
    # after, 3 days: (9, 10), (18, 20), (6, 10)
    #   R_a = 33/40 = 0.825; residuals 9 - 8.25 = 0.75, 18 - 16.5 = 1.5, 6 - 8.25 = -2.25
    #   SS = 0.5625 + 2.25 + 5.0625 = 7.875; v_a = 3/2 * 7.875 / 1600 = 189/25600 = 0.0073828125
    # difference = 33/40 - 2/3 = 19/120 = 0.1583333; relative change = (19/120) / (2/3) = 0.2375
    # se = sqrt(0.0079012346 + 0.0073828125) = sqrt(0.0152840471) = 0.1236287
    # t = 0.1583333 / 0.1236287 = 1.280717
    # df = 0.0152840471^2 / (0.0079012346^2 / 1 + 0.0073828125^2 / 2)
    #    = 2.33602e-4 / (6.24295e-5 + 2.72530e-5) = 2.604769
    # two-sided p = I_{df/(df+t^2)}(df/2, 1/2) (regularised incomplete beta) = 0.302432
    # 97.5 % t quantile with 2.604769 df = 3.473856 -> interval 0.1583333 -/+ 3.473856 * 0.1236287
    #    = (-0.271135, 0.587802)
    c = compare_ratio([8, 12], [10, 20], [9, 18, 6], [10, 20, 10])
    assert c.method == "ratio, day clusters, Welch t"
    assert (c.before_clusters, c.after_clusters, c.before_n, c.after_n) == (2, 3, 30, 40)
    assert c.before == pytest.approx(2 / 3) and c.after == pytest.approx(0.825)
    assert c.difference == pytest.approx(19 / 120) and c.relative_change == pytest.approx(0.2375)
    assert ratio_estimate([8, 12], [10, 20]).variance == pytest.approx(16 / 2025, rel=1e-12)
    assert ratio_estimate([9, 18, 6], [10, 20, 10]).variance == pytest.approx(189 / 25600, rel=1e-12)
    assert close(c.se, 0.1236287, 7)
    assert close(c.statistic, 1.280717, 6)
    assert close(c.df, 2.604769, 6)
    assert close(c.p_value, 0.302432, 6)
    assert close(c.ci_low, -0.271135, 6) and close(c.ci_high, 0.587802, 6)
    assert c.note is None
    # the p-value through an independent route: the incomplete beta function, not scipy.stats.t
    assert c.p_value == pytest.approx(special.betainc(c.df / 2, 0.5, c.df / (c.df + c.statistic**2)), rel=1e-9)


def test_ratio_with_integer_df_against_closed_form_t() -> None:
    # before, 2 days with the same ratio on both: (5, 10), (10, 20) -> R_b = 0.5, residuals 0, v_b = 0
    # after, the 3 days above: R_a = 0.825, v_a = 189/25600, se = sqrt(189)/160 = 0.08592329
    # df = v_a^2 / (v_a^2 / (3 - 1)) = 2 exactly; t = 0.325 / 0.08592329 = 3.782443
    # Student t with 2 df has a closed form: two-sided p = 1 - |t| / sqrt(2 + t^2) = 0.063329
    # and quantile t_u = (2u - 1) / sqrt(2u(1 - u)); u = 0.975 -> 4.302653
    c = compare_ratio([5, 10], [10, 20], [9, 18, 6], [10, 20, 10])
    t = 0.325 / (math.sqrt(189) / 160)
    q = (2 * 0.975 - 1) / math.sqrt(2 * 0.975 * 0.025)
    assert c.df == pytest.approx(2.0, rel=1e-12)
    assert c.statistic == pytest.approx(t, rel=1e-9) and close(c.statistic, 3.782443, 6)
    assert c.p_value == pytest.approx(1 - t / math.sqrt(2 + t * t), rel=1e-9) and close(c.p_value, 0.063329, 6)
    assert c.ci_low == pytest.approx(0.325 - q * math.sqrt(189) / 160, rel=1e-9)
    assert c.ci_high == pytest.approx(0.325 + q * math.sqrt(189) / 160, rel=1e-9)


def test_ratio_single_cluster_gives_point_estimates_and_no_test() -> None:
    c = compare_ratio([5], [10], [9, 18], [10, 20])
    assert c.before == 0.5 and c.after == pytest.approx(0.9) and c.difference == pytest.approx(0.4)
    assert c.relative_change == pytest.approx(0.8)
    assert (c.before_clusters, c.after_clusters) == (1, 2)
    assert all(v is None for v in (c.se, c.df, c.statistic, c.p_value, c.ci_low, c.ci_high))
    assert c.note is not None and "before has 1 day cluster" in c.note and "at least 2" in c.note


def test_ratio_empty_side_and_zero_denominator_clusters() -> None:
    c = compare_ratio([0, 0], [0, 0], [9, 18], [10, 20])
    assert c.before is None and c.difference is None and c.relative_change is None and c.p_value is None
    assert c.before_clusters == 0 and c.note is not None
    # a day with nothing offered is not a cluster
    with_empty_day = compare_ratio([8, 0, 12], [10, 0, 20], [9, 18, 6], [10, 20, 10])
    assert with_empty_day.before_clusters == 2
    assert with_empty_day.p_value == compare_ratio([8, 12], [10, 20], [9, 18, 6], [10, 20, 10]).p_value


def test_ratio_zero_variance_both_sides() -> None:
    # every day on each side has the same ratio: se = 0, statistic and df undefined, p at its limit
    differ = compare_ratio([5, 10], [10, 20], [6, 12], [10, 20])
    assert differ.se == 0.0 and differ.statistic is None and differ.df is None
    assert differ.p_value == 0.0
    assert differ.ci_low == differ.ci_high == pytest.approx(0.1)
    assert differ.note is not None and "standard error of the difference is 0" in differ.note
    same = compare_ratio([5, 10], [10, 20], [1, 3], [2, 6])
    assert same.difference == 0.0 and same.p_value == 1.0 and same.statistic is None
    # floating-point residuals of identical ratios (1/3 of 3, 6 and 9) count as zero
    thirds = ratio_estimate([1.0, 2.0, 3.0], [3.0, 6.0, 9.0])
    assert thirds.variance == 0.0


def test_ratio_other_units_and_normal_reference() -> None:
    hourly = compare_ratio([8, 12], [10, 20], [9, 18, 6], [10, 20, 10], unit="interval:60m")
    assert hourly.method == "ratio, interval:60m clusters, Welch t"
    z = compare_ratio([8, 12], [10, 20], [9, 18, 6], [10, 20, 10], reference="normal")
    assert z.method == "ratio, day clusters, z" and z.df is None
    # normal two-sided p for z = 1.280717: erfc(1.280717 / sqrt 2) = 0.200293
    assert z.p_value == pytest.approx(math.erfc(z.statistic / math.sqrt(2)), rel=1e-9)
    assert close(z.p_value, 0.200293, 6)
    with pytest.raises(ValueError, match="cluster unit"):
        compare_ratio([1, 2], [2, 3], [1, 2], [2, 3], unit="week")


def test_ratio_input_validation() -> None:
    with pytest.raises(ValueError, match="same length"):
        ratio_estimate([1, 2], [3])
    with pytest.raises(ValueError, match=">= 0"):
        ratio_estimate([1, 2], [3, -1])
    with pytest.raises(ValueError, match="x = 0 must have y = 0"):
        ratio_estimate([1, 2], [3, 0])
    with pytest.raises(ValueError, match="finite"):
        ratio_estimate([1, float("nan")], [3, 4])


def test_contact_clusters_closed_form_matches_per_contact_arrays() -> None:
    # k = 7 ones in n = 20 contacts: R = 0.35, var = R(1 - R)/(n - 1) = 0.2275/19 = 0.011973684
    est = ratio_estimate_from_counts(7, 20)
    assert est.ratio == 0.35 and est.clusters == 20
    assert est.variance == pytest.approx(0.2275 / 19, rel=1e-12)
    before = [1] * 7 + [0] * 13
    after = [1] * 12 + [0] * 13
    from_arrays = compare_ratio(before, [1] * 20, after, [1] * 25, unit="contact")
    from_counts = compare_rate_per_contact(7, 20, 12, 25)
    assert from_counts.method == from_arrays.method == "ratio, contact clusters, Welch t"
    for field in ("before", "after", "difference", "se", "df", "statistic", "p_value", "ci_low", "ci_high"):
        assert getattr(from_counts, field) == pytest.approx(getattr(from_arrays, field), rel=1e-9), field
    assert ratio_estimate_from_counts(1, 1).variance is None
    assert ratio_estimate_from_counts(0, 0).ratio is None
    with pytest.raises(ValueError):
        ratio_estimate_from_counts(3, 2)


def test_welch_satterthwaite_df_edges() -> None:
    assert welch_satterthwaite_df(0.0, 5, 0.0, 7) is None
    assert welch_satterthwaite_df(0.0, 5, 2.0, 7) == pytest.approx(6.0)
    with pytest.raises(ValueError):
        welch_satterthwaite_df(1.0, 1, 1.0, 5)


def test_day_effects_make_the_clustered_p_value_larger() -> None:
    # 14 + 14 days, ~500 calls a day, daily SL drawn around 0.78 / 0.75 with a day-to-day sd of 0.08
    rng = np.random.default_rng(20260214)
    sides = []
    for mean in (0.78, 0.75):
        offered = rng.integers(400, 600, size=14)
        day_sl = np.clip(rng.normal(mean, 0.08, size=14), 0.0, 1.0)
        met = rng.binomial(offered, day_sl)
        sides.append((met, offered))
    (met_b, off_b), (met_a, off_a) = sides
    clustered = compare_ratio(met_b, off_b, met_a, off_a)
    per_contact = compare_rate_per_contact(int(met_b.sum()), int(off_b.sum()), int(met_a.sum()), int(off_a.sum()))
    assert clustered.difference == pytest.approx(per_contact.difference)
    assert clustered.p_value is not None and per_contact.p_value is not None
    assert clustered.p_value > per_contact.p_value
    deff = design_effect(clustered, per_contact)
    assert deff is not None and deff > 5


# ----------------------------------------------------------------------------------------------------------------
# Real data: Anonymous Bank, February 1999


BANK_DAYS = """
    SELECT date,
           count(*) FILTER (WHERE outcome = 'AGENT' AND q_time <= 20) AS y,  -- answered in 20 s, never-queued too
           count(*) AS x                                                     -- offered = answered + abandoned
    FROM read_csv($path, delim = '\t', header = true)
    WHERE outcome IN ('AGENT', 'HANG')                                       -- PHANTOM calls are not calls
    GROUP BY date
    ORDER BY date
"""


@pytest.mark.real_data
@pytest.mark.skipif(not BANK.exists(), reason="../shared/real_data/anonymous_bank_feb1999 is absent")
def test_anonymous_bank_service_level_day_clusters_vs_per_call() -> None:
    # SL variant V2 (metric-definitions.md): A<=20 / (A + B), every abandon a miss, IVR abandons included,
    # no short-abandon exclusion, "within" inclusive; 1-14 Feb against 15-28 Feb.
    rows = duckdb.connect().execute(BANK_DAYS, {"path": str(BANK)}).fetchall()
    assert len(rows) == 28
    before = [(y, x) for day, y, x in rows if day <= 990214]
    after = [(y, x) for day, y, x in rows if day > 990214]
    y_b, x_b = zip(*before, strict=True)
    y_a, x_a = zip(*after, strict=True)

    day = compare_ratio(y_b, x_b, y_a, x_a)
    assert close(day.before, 0.5293, 4) and close(day.after, 0.4473, 4)
    assert (day.before_clusters, day.after_clusters) == (14, 14)
    assert close(abs(day.statistic), 1.79, 2)
    # the reference p = 0.073 is the normal reference; with Welch t (df about 26) it is larger
    day_z = compare_ratio(y_b, x_b, y_a, x_a, reference="normal")
    assert close(day_z.p_value, 0.073, 3)
    assert day.p_value > day_z.p_value and close(day.df, 26.0, 1)

    per_call = compare_rate_per_contact(sum(y_b), sum(x_b), sum(y_a), sum(x_a))
    assert close(abs(per_call.statistic), 14.95, 2)
    wald = compare_proportions(sum(y_b), sum(x_b), sum(y_a), sum(x_a), pooled=False)
    assert close(abs(wald.statistic), 14.95, 2)
    assert close(design_effect(day, per_call), 70, 0)


# ----------------------------------------------------------------------------------------------------------------
# 2. Proportions: Newcombe hybrid score interval, pooled / unpooled z


def test_newcombe_contingencytables_7_of_34_vs_1_of_34() -> None:
    c = compare_proportions(1, 34, 7, 34)  # difference = after - before = 7/34 - 1/34
    assert c.method == "Newcombe hybrid score, pooled z"
    assert close(c.difference, 0.1765, 4)
    assert close(c.ci_low, 0.0189, 4) and close(c.ci_high, 0.3404, 4)


def test_newcombe_1998_56_of_70_minus_48_of_80() -> None:
    low, high = newcombe_interval(48, 80, 56, 70)
    assert close(low, 0.0524, 4) and close(high, 0.3339, 4)


def test_wilson_interval_by_hand() -> None:
    # k = 0, n = 10: lower 0; upper = z^2/n / (1 + z^2/n) = 0.384146/1.384146 = 0.277533 (z = 1.959964)
    z2n = 1.959963984540054**2 / 10
    assert wilson_interval(0, 10) == (0.0, pytest.approx(z2n / (1 + z2n)))
    assert close(wilson_interval(0, 10)[1], 0.277533, 6)
    low, high = wilson_interval(5, 10)  # symmetric around 0.5
    assert low + high == pytest.approx(1.0)


def test_pooled_z_tea_3_of_4_vs_1_of_4() -> None:
    c = compare_proportions(1, 4, 3, 4)
    # the reference "T = 2.000" is the Pearson chi-square statistic, the square of the pooled z
    assert close(c.statistic**2, 2.000, 3)
    assert c.statistic == pytest.approx(math.sqrt(2))
    assert close(c.p_value, 0.15730, 5)


def test_unpooled_z_ritland_0_of_16_vs_15_of_72() -> None:
    c = compare_proportions(15, 72, 0, 16, pooled=False)
    assert c.method == "Newcombe hybrid score, unpooled z"
    assert close(c.statistic, -4.353, 3)


def test_proportions_edge_cases() -> None:
    nobody = compare_proportions(0, 0, 3, 10)
    assert nobody.before is None and nobody.p_value is None and nobody.ci_low is None and nobody.note
    all_zero = compare_proportions(0, 10, 0, 12)  # pooled share 0: se 0, difference 0
    assert all_zero.p_value == 1.0 and all_zero.statistic is None and all_zero.se == 0.0
    assert all_zero.ci_low is not None and all_zero.ci_low < 0 < all_zero.ci_high  # Newcombe is still defined
    assert all_zero.relative_change is None  # before is 0
    with pytest.raises(ValueError):
        compare_proportions(5, 4, 1, 4)


# ----------------------------------------------------------------------------------------------------------------
# 3. NPS


def test_nps_synthetic_by_hand() -> None:
    # before: 10 responses, 5 promoters, 2 detractors -> P = 0.5, D = 0.2, NPS 30, v = 0.7 - 0.3^2 = 0.61
    # after: 20 responses, 8 promoters, 8 detractors -> P = D = 0.4, NPS 0, v = 0.8 - 0 = 0.8
    # se = 100 * sqrt(0.61/10 + 0.8/20) = 100 * sqrt(0.101) = 31.780497
    # z = (0 - 30) / 31.780497 = -0.943975; p = erfc(0.943975 / sqrt 2) = 0.345182
    # interval -30 -/+ 1.959964 * 31.780497 = (-92.288630, 32.288630)
    c = compare_nps(5, 2, 10, 8, 8, 20)
    assert c.method == "NPS Wald z"
    assert c.before == pytest.approx(30.0) and c.after == pytest.approx(0.0)
    assert c.difference == pytest.approx(-30.0) and c.relative_change == pytest.approx(-1.0)
    assert close(c.se, 31.780497, 6)
    assert close(c.statistic, -0.943975, 6)
    assert close(c.p_value, 0.345182, 6)
    assert close(c.ci_low, -92.288630, 6) and close(c.ci_high, 32.288630, 6)
    assert c.df is None and (c.before_n, c.after_n) == (10, 20)


def test_nps_counts_and_edges() -> None:
    assert nps_counts([0, 6, 7, 8, 9, 10, 10]) == (3, 2, 7)
    with pytest.raises(ValueError):
        nps_counts([11])
    with pytest.raises(ValueError):
        compare_nps(6, 5, 10, 1, 1, 10)  # promoters + detractors > n
    empty = compare_nps(0, 0, 0, 1, 1, 10)
    assert empty.before is None and empty.p_value is None and empty.note
    all_promoters = compare_nps(10, 0, 10, 5, 0, 5)  # v = 1 - 1 = 0 on both sides
    assert all_promoters.difference == 0.0 and all_promoters.p_value == 1.0 and all_promoters.statistic is None


@pytest.mark.real_data
@pytest.mark.skipif(not NPS_DIR.exists(), reason="../shared/real_data/preppin_data_nps is absent")
def test_nps_prep_air_against_other_airlines() -> None:
    con = duckdb.connect()
    counts = {}
    for name in ("prep_air_responses.csv", "prep_air_other_airlines_responses.csv"):
        scores = [
            row[0]
            for row in con.execute(
                f'SELECT "{NPS_QUESTION}" FROM read_csv($path, header = true)', {"path": str(NPS_DIR / name)}
            ).fetchall()
        ]
        counts[name] = nps_counts(scores)
    prep_air = counts["prep_air_responses.csv"]
    others = counts["prep_air_other_airlines_responses.csv"]
    assert prep_air[2] == 184 and others[2] == 5723
    c = compare_nps(*others, *prep_air)  # before = the other airlines, after = Prep Air
    assert close(c.after / 100, 0.21196, 5) and close(c.before / 100, 0.08929, 5)
    assert close(c.difference / 100, 0.12267, 5)
    assert close(c.se / 100, 0.05554, 5)
    assert close(c.statistic, 2.2086, 4)
    assert close(c.p_value, 0.02720, 5)


# ----------------------------------------------------------------------------------------------------------------
# 4. Means: Welch t

SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def _check_sleep(c: Comparison) -> None:
    assert c.method == "Welch t"
    assert c.difference == pytest.approx(0.75 - 2.33)
    assert close(c.statistic, -1.8608, 4)
    assert close(c.df, 17.776, 3)
    assert close(c.p_value, 0.07939, 5)
    # R's t.test(extra ~ group, data = sleep) also prints the interval -3.3654832 0.2054832
    assert close(c.ci_low, -3.3654832, 7) and close(c.ci_high, 0.2054832, 7)


def test_welch_sleep_from_samples() -> None:
    _check_sleep(compare_means(SLEEP_2, SLEEP_1))  # group 1 minus group 2 = after minus before
    _check_sleep(compare_means(np.array(SLEEP_2), np.array(SLEEP_1)))


def test_welch_sleep_from_summaries() -> None:
    c = compare_mean_summaries(
        statistics.fmean(SLEEP_2), statistics.variance(SLEEP_2), 10,
        statistics.fmean(SLEEP_1), statistics.variance(SLEEP_1), 10,
    )  # fmt: skip
    _check_sleep(c)


def test_welch_edges() -> None:
    one = compare_means([1.0], [2.0, 3.0])
    assert one.difference == pytest.approx(1.5) and one.p_value is None and one.note
    flat = compare_means([2.0, 2.0, 2.0], [3.0, 3.0])
    assert flat.p_value == 0.0 and flat.se == 0.0 and flat.statistic is None and flat.df is None
    with pytest.raises(ValueError):
        compare_mean_summaries(1.0, -1.0, 5, 2.0, 1.0, 5)


# ----------------------------------------------------------------------------------------------------------------
# 5. Counts


def test_counts_have_no_test() -> None:
    c = compare_counts(100, 120)
    assert c.method == "count, no test"
    assert (c.before, c.after, c.difference, c.relative_change) == (100, 120, 20, pytest.approx(0.2))
    assert isinstance(c.difference, int)
    assert c.p_value is None and c.ci_low is None and c.se is None
    assert compare_counts(0, 5).relative_change is None
    assert compare_counts(np.int64(4), np.int64(6)).difference == 2


def test_comparison_is_frozen() -> None:
    c = compare_counts(1, 2)
    with pytest.raises(AttributeError):
        c.before = 3  # type: ignore[misc]
