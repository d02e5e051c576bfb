"""Staffing models (csmetrics.staffing): Erlang B, C and A, required agents, patience.

Reference values are written out literally; their sources are listed in
../shared/reference/staffing-comparison-calendars.md section 1 (pyworkforce docs and #41, Herzog's
Erlang A example, jonesthenet, callcentrevoice, Anonymous Bank). Each is checked to the digits
quoted: ``digits(value, "0.6821182")`` means value rounds to 0.6821182.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from queue_simulation import simulate_erlang_a
from scipy import linalg

from csmetrics.staffing import (
    erlang_a_continuous,
    erlang_a_metrics,
    erlang_b,
    erlang_b_continuous,
    erlang_b_lines,
    erlang_b_lines_fractional,
    erlang_c,
    erlang_c_metrics,
    estimate_abandon_rate,
    estimate_patience,
    fte,
    lines_table,
    parse_agents,
    parse_interval,
    required_agents,
    staffing_table,
    whole_fte,
    workload,
)

# 100 calls per 30 minutes, AHT 3 minutes: A = 10 erlangs. Herzog: 3.5 calls a minute, AHT 3 min.
LAM = 100 / 1800
AHT = 180.0
PATIENCE = 300.0
HERZOG_LAM = 3.5 / 60


def digits(value: float, quoted: str) -> bool:
    """True when ``value`` agrees with the quoted reference to the decimals it was quoted with."""
    decimals = len(quoted.split(".")[1]) if "." in quoted else 0
    return abs(value - float(quoted)) <= 0.5 * 10.0**-decimals + 1e-12


# ----------------------------------------------------------------------------- Erlang B


def test_erlang_b_reference_values():
    assert erlang_b(1, 1) == pytest.approx(0.5, abs=1e-15)
    assert erlang_b(2, 1) == pytest.approx(0.2, abs=1e-15)
    assert digits(erlang_b(30, 25), "0.0526")
    assert digits(erlang_b(117, 100), "0.00979")


def test_erlang_b_lines_for_a_blocking_target():
    assert erlang_b_lines(10, 0.02) == 17
    # The pld.cs.luc.edu table says 118 and 526; the exact answers are 117 and 527.
    assert erlang_b_lines(100, 0.01) == 117
    assert erlang_b(116, 100) > 0.01 >= erlang_b(117, 100)
    assert erlang_b_lines(500, 0.01) == 527
    assert erlang_b_lines(0, 0.01) == 0


def test_fractional_lines_solve_the_continuous_blocking():
    # B(16, 10) > 0.02 >= B(17, 10): the continuous N with B = 0.02 lies between.
    n = erlang_b_lines_fractional(10, 0.02)
    assert 16 < n < 17
    assert erlang_b_continuous(n, 10) == pytest.approx(0.02, rel=1e-10)
    assert erlang_b_lines_fractional(0, 0.02) == 0.0
    # at a whole number of lines that meets the target exactly, the answer is that number: B(1, 1) = 0.5
    assert erlang_b_lines_fractional(1, 0.5) == 1.0


def test_lines_table_shape():
    table = lines_table(10, 3600, 3600, 0.02, shrinkage=0.2, agents=[16, 17])
    assert table["model"] == "erlang-b"
    assert table["inputs"]["max_blocking"] == 0.02
    assert table["inputs"]["target"] is None
    sixteen, seventeen = table["rows"]
    assert sixteen["p_block"] > 0.02 >= seventeen["p_block"]
    assert seventeen["occupancy"] == pytest.approx(10 * (1 - seventeen["p_block"]) / 17)
    assert (seventeen["p_wait"], seventeen["service_level"], seventeen["p_abandon"]) == (None, None, None)
    assert table["required"]["agents"] == 17
    assert table["required"]["fte"] == 22  # 17 / 0.8 = 21.25, rounded up to whole positions
    assert table["required"]["fte_fractional"] == pytest.approx(table["required"]["agents_fractional"] / 0.8)
    assert [r["agents"] for r in lines_table(10, 3600, 3600, 0.02)["rows"]] == list(range(14, 21))
    assert lines_table(0, 3600, 3600, 0.02, agents=[0])["rows"][0]["occupancy"] is None


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30m", 1800), ("15min", 900), ("1h", 3600), ("90s", 90), ("1800", 1800), (" 60M ", 3600), ("0.5h", 1800)],
)
def test_parse_interval(text, seconds):
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "30x", "-5m", "0", "m30", "1h30m"])
def test_parse_interval_refuses(text):
    with pytest.raises(ValueError, match="interval"):
        parse_interval(text)


def test_parse_agents():
    assert parse_agents("11,12,13,14") == [11, 12, 13, 14]
    assert parse_agents("10-12, 20") == [10, 11, 12, 20]
    assert parse_agents("0") == [0]
    for bad in ("", "a", "12-10", "-1", "1.5", "0-20000"):
        with pytest.raises(ValueError, match="agents"):
            parse_agents(bad)


@pytest.mark.parametrize(
    ("servers", "traffic"),
    [(1, 1), (10, 20), (10, 11), (3, 200), (30, 25), (100, 12345), (11000, 12345), (12421, 12345), (50, 10)],
)
def test_continuous_erlang_b_agrees_with_the_recursion_at_whole_n(servers, traffic):
    assert erlang_b_continuous(servers, traffic) == pytest.approx(erlang_b(servers, traffic), rel=1e-10)


def test_continuous_erlang_b_falls_between_whole_n():
    values = np.array([erlang_b_continuous(n, 10.0) for n in np.arange(5.0, 15.01, 0.25)])
    assert (np.diff(values) < 0).all()
    # Deep overload (continued-fraction branch) and a huge load stay finite and ordered.
    assert 1.0 > erlang_b_continuous(10.5, 12345) > erlang_b_continuous(11, 12345) > 0.99
    assert erlang_b_continuous(0, 5) == 1.0


# ----------------------------------------------------------------------------- Erlang C


@pytest.mark.parametrize(
    ("agents", "p_wait", "service_level", "asa"),
    [
        (11, "0.6821182", "0.3896138", "122.78"),
        (12, "0.4493882", "0.640158", "40.445"),
        (13, "0.2852705", "0.7955948", "17.116"),
        (14, "0.1741319", "0.88835", "7.836"),
    ],
)
def test_erlang_c_reference_table(agents, p_wait, service_level, asa):
    metrics = erlang_c_metrics(LAM, AHT, agents, 20)
    assert metrics.traffic == pytest.approx(10.0)
    assert digits(metrics.p_wait, p_wait)
    assert digits(metrics.service_level, service_level)
    assert digits(metrics.asa_seconds, asa)
    assert metrics.p_abandon is None
    assert metrics.mean_wait_served_seconds == metrics.asa_seconds


def test_erlang_c_occupancy():
    assert digits(erlang_c_metrics(LAM, AHT, 11, 20).occupancy, "0.90909")
    assert digits(erlang_c_metrics(LAM, AHT, 14, 20).occupancy, "0.7142857")


def test_erlang_c_large_n_and_overload():
    assert digits(erlang_c(132, 123), "0.3211")
    assert digits(erlang_c(12421, 12345), "0.3812")
    assert erlang_c(900, 1000) == 1.0


def test_erlang_c_herzog_mean_wait():
    assert digits(erlang_c_metrics(HERZOG_LAM, AHT, 13, 20).asa_seconds, "26.56")


@pytest.mark.parametrize("agents", [10, 9, 5, 0, 9.5])
def test_erlang_c_overload_when_agents_do_not_exceed_traffic(agents):
    metrics = erlang_c_metrics(LAM, AHT, agents, 20)
    assert metrics.p_wait == 1.0
    assert metrics.service_level == 0.0
    assert metrics.asa_seconds == math.inf
    assert metrics.occupancy == 1.0
    assert metrics.as_row()["asa_seconds"] is None


def test_erlang_c_fractional_agents_interpolate():
    low, mid, high = (erlang_c_metrics(LAM, AHT, n, 20) for n in (13, 13.5, 14))
    assert low.service_level < mid.service_level < high.service_level
    assert low.p_wait > mid.p_wait > high.p_wait


def test_threshold_zero_counts_only_contacts_answered_at_once():
    c = erlang_c_metrics(LAM, AHT, 13, 0)
    assert c.service_level == pytest.approx(1 - c.p_wait, abs=1e-15)
    a = erlang_a_metrics(LAM, AHT, PATIENCE, 13, 0)
    assert a.service_level == pytest.approx(1 - a.p_wait, abs=1e-15)
    assert digits(a.p_wait, "0.225797")


@pytest.mark.parametrize("patience", [None, PATIENCE])
def test_no_volume_means_no_wait(patience):
    for agents in (0, 1, 5):
        if patience is None:
            metrics = erlang_c_metrics(0, AHT, agents, 20)
        else:
            metrics = erlang_a_metrics(0, AHT, patience, agents, 20)
        assert metrics.p_wait == 0.0
        assert metrics.service_level == 1.0
        assert metrics.asa_seconds == 0.0
        assert metrics.occupancy == 0.0
    requirement = required_agents(0, AHT, 20, 0.8, patience_seconds=patience)
    assert (requirement.agents, requirement.agents_fractional, requirement.fte) == (0, 0.0, 0)


# ----------------------------------------------------------------------------- Erlang A


@pytest.mark.parametrize(
    ("agents", "service_level", "p_abandon", "occupancy"),
    [
        (11, "0.6569", "0.0699", "0.846"),
        (12, "0.7723", "0.0427", "0.798"),
        (13, "0.8582", "0.0250", "0.750"),
        (14, "0.9168", "0.0140", "0.704"),
    ],
)
def test_erlang_a_worked_example(agents, service_level, p_abandon, occupancy):
    metrics = erlang_a_metrics(LAM, AHT, PATIENCE, agents, 20)
    assert digits(metrics.service_level, service_level)
    assert digits(metrics.p_abandon, p_abandon)
    assert digits(metrics.occupancy, occupancy)


def test_erlang_a_fourteen_agents():
    metrics = erlang_a_metrics(LAM, AHT, PATIENCE, 14, 20)
    assert digits(metrics.service_level, "0.916792")  # peers.md row 6
    assert digits(metrics.p_wait, "0.14526")
    assert digits(metrics.p_abandon, "0.013984")
    assert digits(metrics.occupancy, "0.704297")
    assert digits(metrics.asa_seconds / 60, "0.069919")


def test_erlang_a_pyworkforce_example():
    metrics = erlang_a_metrics(LAM, AHT, PATIENCE, 13, 20)
    assert digits(metrics.service_level, "0.858178")
    assert digits(metrics.occupancy, "0.750028")
    assert digits(metrics.p_abandon, "0.024963")
    assert digits(metrics.p_wait, "0.225797")
    assert digits(metrics.asa_seconds / 60, "0.124817")  # the mean wait of ALL arrivals, in minutes
    requirement = required_agents(
        LAM, AHT, 20, 0.8, patience_seconds=PATIENCE, max_occupancy=0.85, max_abandon=0.05, shrinkage=0.3
    )
    assert requirement.agents == 13
    assert requirement.fte == 19  # pyworkforce's 19 positions: 13 / 0.7 = 18.57, rounded up


def test_erlang_a_herzog_case():
    at_13 = erlang_a_metrics(HERZOG_LAM, AHT, PATIENCE, 13, 20)
    at_9 = erlang_a_metrics(HERZOG_LAM, AHT, PATIENCE, 9, 20)
    assert digits(at_13.p_abandon, "0.0330")
    assert digits(at_9.p_abandon, "0.1887")
    # Herzog's mean waits are those of all arrivals; the answered contacts wait less.
    assert digits(at_13.asa_seconds, "9.91")
    assert digits(at_9.asa_seconds, "56.62")
    assert at_13.mean_wait_served_seconds < at_13.asa_seconds
    assert not digits(at_13.mean_wait_served_seconds, "9.91")


@pytest.mark.parametrize(("agents", "patience"), [(9, 300.0), (11, 300.0), (14, 300.0), (12, 60.0), (8, 1000.0)])
def test_abandonment_equals_theta_times_mean_wait_of_all_arrivals(agents, patience):
    # The chain gets P(abandon) from the per-position abandon probabilities and ASA from Little's law.
    metrics = erlang_a_metrics(LAM, AHT, patience, agents, 20)
    assert metrics.p_abandon == pytest.approx(metrics.asa_seconds / patience, rel=1e-12)
    # Occupancy = carried load / N.
    assert metrics.occupancy == pytest.approx(10 * (1 - metrics.p_abandon) / agents, rel=1e-12)


def test_erlang_a_approaches_erlang_c_as_patience_grows():
    for agents in (11, 14):
        c = erlang_c_metrics(LAM, AHT, agents, 20)
        a = erlang_a_metrics(LAM, AHT, 1e11, agents, 20)
        assert a.p_wait == pytest.approx(c.p_wait, rel=1e-7)
        assert a.service_level == pytest.approx(c.service_level, rel=1e-7)
        assert a.asa_seconds == pytest.approx(c.asa_seconds, rel=1e-7)
        assert a.p_abandon < 1e-8
    # The gap to Erlang C shrinks like 1 / patience: tenfold per decade.
    c = erlang_c_metrics(LAM, AHT, 11, 20)
    gaps = [erlang_a_metrics(LAM, AHT, p, 11, 20).service_level - c.service_level for p in (1e6, 1e7, 1e8, 1e9)]
    assert all(g > 0 for g in gaps)
    assert [gaps[i] / gaps[i + 1] for i in range(3)] == pytest.approx([10, 10, 10], rel=0.01)


def test_erlang_a_with_very_long_patience_in_overload():
    # N < A: the queue grows until abandonment carries the excess, so P(abandon) -> 1 - N / A.
    metrics = erlang_a_metrics(LAM, AHT, 1e12, 5, 20)
    assert metrics.p_abandon == pytest.approx(0.5, abs=1e-9)
    assert metrics.occupancy == pytest.approx(1.0, abs=1e-9)
    assert metrics.service_level < 1e-9
    assert metrics.asa_seconds == pytest.approx(0.5e12, rel=1e-9)


def test_erlang_a_without_agents_everyone_abandons():
    metrics = erlang_a_metrics(LAM, AHT, PATIENCE, 0, 20)
    assert (metrics.p_wait, metrics.service_level, metrics.p_abandon) == (1.0, 0.0, 1.0)
    assert metrics.asa_seconds == PATIENCE


@pytest.mark.parametrize(
    ("lam", "patience", "agents", "threshold"),
    [
        (LAM, PATIENCE, 11, 20),
        (LAM, PATIENCE, 14, 20),
        (LAM, PATIENCE, 5, 20),
        (LAM, 60.0, 12, 0),
        (LAM, 30.0, 3, 45),
        (LAM, 1e6, 12, 20),
        (HERZOG_LAM, PATIENCE, 9, 600),
        (12345 / 180, PATIENCE, 12421, 20),
        (12345 / 180, PATIENCE, 12000, 20),
        (12345 / 180, PATIENCE, 12421, 3600),
    ],
)
def test_closed_form_equals_the_chain_at_whole_n(lam, patience, agents, threshold):
    chain = erlang_a_metrics(lam, AHT, patience, agents, threshold)
    closed = erlang_a_continuous(lam, AHT, patience, agents, threshold)
    for name in ("p_wait", "service_level", "p_abandon", "occupancy", "asa_seconds"):
        assert getattr(closed, name) == pytest.approx(getattr(chain, name), rel=1e-8, abs=1e-13), name


def test_erlang_a_service_level_against_an_independent_matrix_exponential():
    """Truncated generator solved for its stationary law; per-position SL by scipy.linalg.expm."""
    agents, cap, mu, theta, threshold = 12, 120, 1 / AHT, 1 / PATIENCE, 20.0
    states = agents + cap + 1
    generator = np.zeros((states, states))
    for k in range(states - 1):
        generator[k, k + 1] = LAM
        generator[k + 1, k] = min(k + 1, agents) * mu + max(k + 1 - agents, 0) * theta
    np.fill_diagonal(generator, -generator.sum(axis=1))
    system = np.vstack([generator.T, np.ones(states)])
    pi = np.linalg.lstsq(system, np.r_[np.zeros(states), 1.0], rcond=None)[0]
    # Tagged contact with m ahead: m -> m - 1 at N mu + m theta, answered from m = 0, abandons at theta.
    size = cap + 2  # positions 0..cap, then the absorbing "answered" state
    tagged = np.zeros((size, size))
    for m in range(cap + 1):
        tagged[m, m - 1 if m else cap + 1] = agents * mu + m * theta
        tagged[m, m] = -(agents * mu + m * theta + theta)
    answered_by_t = linalg.expm(tagged * threshold)[: cap + 1, cap + 1]
    service_level = pi[:agents].sum() + pi[agents:] @ answered_by_t
    metrics = erlang_a_metrics(LAM, AHT, PATIENCE, agents, threshold)
    assert metrics.service_level == pytest.approx(service_level, abs=1e-12)
    assert metrics.p_wait == pytest.approx(pi[agents:].sum(), abs=1e-12)


# ----------------------------------------------------------------------------- requirements


def test_required_agents_with_occupancy_cap_and_shrinkage():
    requirement = required_agents(LAM, AHT, 20, 0.8, max_occupancy=0.85, shrinkage=0.3)
    assert requirement.agents == 14
    assert requirement.fte == 20  # 14 / 0.7 is 20.000000000000004 in floats: still 20

    tighter = required_agents(LAM, AHT, 20, 0.8, max_occupancy=0.70, shrinkage=0.3)
    assert tighter.agents == 15
    assert tighter.fte == 22  # 15 / 0.7 = 21.43, rounded up to whole positions, as the issue quotes
    assert digits(tighter.metrics.service_level, "0.941")
    assert tighter.agents_fractional == pytest.approx(10 / 0.7)  # the occupancy cap binds


def test_fractional_requirement_from_continuous_erlang_c():
    requirement = required_agents(LAM, AHT, 20, 0.8, shrinkage=0.3)
    assert requirement.agents == 14
    assert digits(requirement.agents_fractional, "13.037")
    assert digits(requirement.agents_fractional, "13.0372")
    assert digits(requirement.fte_fractional, "18.62")  # 13.037 / 0.7, not rounded
    assert digits(requirement.fte_fractional, "18.6246")
    assert requirement.fte == 20  # rounding first: 14 agents -> 20 FTE
    at_root = erlang_c_metrics(LAM, AHT, requirement.agents_fractional, 20)
    assert at_root.service_level == pytest.approx(0.8, abs=1e-9)


def test_fractional_requirement_for_erlang_a_meets_the_target_exactly():
    requirement = required_agents(LAM, AHT, 20, 0.8, patience_seconds=PATIENCE)
    assert requirement.agents == 13
    assert 12 < requirement.agents_fractional < 13
    at_root = erlang_a_continuous(LAM, AHT, PATIENCE, requirement.agents_fractional, 20)
    assert at_root.service_level == pytest.approx(0.8, abs=1e-9)


def test_required_agents_with_asa_and_abandon_caps():
    by_asa = required_agents(LAM, AHT, 20, 0.5, max_asa_seconds=10)
    assert by_asa.agents == 14  # ASA 17.1 s at 13, 7.8 s at 14
    assert erlang_c_metrics(LAM, AHT, by_asa.agents_fractional, 20).asa_seconds == pytest.approx(10, rel=1e-9)
    by_abandon = required_agents(LAM, AHT, 20, 0.5, patience_seconds=PATIENCE, max_abandon=0.02)
    assert by_abandon.agents == 14  # P(ab) 0.0250 at 13, 0.0140 at 14


@pytest.mark.parametrize(
    ("calls_per_hour", "aht", "agents", "occupancy"),
    [(250, 330, 28, None), (15, 500, 4, "0.52"), (30, 500, 7, "0.60")],
)
def test_practitioner_anchors(calls_per_hour, aht, agents, occupancy):
    requirement = required_agents(calls_per_hour / 3600, aht, 30, 0.8)
    assert requirement.agents == agents
    if occupancy is not None:
        assert digits(requirement.metrics.occupancy, occupancy)


def test_workload_and_fte_helpers():
    assert digits(workload(250, 3600, 330), "22.9")
    assert workload(6, 900, 600) == pytest.approx(4.0)
    assert digits(workload(7, 900, 600), "4.67")
    assert fte(13.0372, 0.3) == pytest.approx(18.624571, rel=1e-6)
    assert fte(15, 0.3) == pytest.approx(21.428571428571)
    assert whole_fte(14, 0.3) == 20
    assert whole_fte(15, 0.3) == 22
    assert whole_fte(13, 0.3) == 19
    assert whole_fte(0, 0.3) == 0


def test_large_erlang_a_requirement_is_fast_and_consistent():
    requirement = required_agents(12345 / 180, AHT, 20, 0.8, patience_seconds=PATIENCE)
    below = erlang_a_metrics(12345 / 180, AHT, PATIENCE, requirement.agents - 1, 20)
    assert requirement.metrics.service_level >= 0.8 > below.service_level
    assert requirement.agents - 1 < requirement.agents_fractional <= requirement.agents


# ----------------------------------------------------------------------------- patience


def test_patience_estimator():
    assert digits(estimate_patience(3932, 1_367_207), "347.7")  # Anonymous Bank
    assert estimate_abandon_rate(3932, 1_367_207) == pytest.approx(3932 / 1_367_207)
    assert estimate_patience(0, 5000) == math.inf
    assert estimate_abandon_rate(0, 5000) == 0.0
    assert estimate_patience(0, 0) is None
    assert estimate_abandon_rate(3, 0) is None
    for bad in [(-1, 10), (1, -10), (1.5, 10), (float("nan"), 10)]:
        with pytest.raises(ValueError):
            estimate_patience(*bad)


# ----------------------------------------------------------------------------- CLI table


def test_staffing_table_shape_erlang_c():
    table = staffing_table(100, 1800, 180, 20, 0.8, max_occupancy=0.85, shrinkage=0.3, agents=[10, 11, 14])
    assert set(table) == {"model", "inputs", "rows", "required"}
    assert table["model"] == "erlang-c"
    assert table["inputs"] == {
        "volume": 100.0,
        "interval_seconds": 1800.0,
        "aht_seconds": 180.0,
        "threshold_seconds": 20.0,
        "target": 0.8,
        "patience_seconds": None,
        "max_occupancy": 0.85,
        "shrinkage": 0.3,
        "max_abandon": None,
        "max_asa_seconds": None,
        "max_blocking": None,
    }
    assert [row["agents"] for row in table["rows"]] == [10, 11, 14]
    overload, eleven, fourteen = table["rows"]
    assert set(eleven) == {"agents", "p_wait", "service_level", "asa_seconds", "occupancy", "p_abandon"}
    assert overload == {
        "agents": 10,
        "p_wait": 1.0,
        "service_level": 0.0,
        "asa_seconds": None,
        "occupancy": 1.0,
        "p_abandon": None,
    }
    assert digits(eleven["service_level"], "0.3896138")
    assert digits(fourteen["asa_seconds"], "7.836")
    assert set(table["required"]) == {"agents", "agents_fractional", "fte", "fte_fractional"}
    assert table["required"]["agents"] == 14
    assert digits(table["required"]["agents_fractional"], "13.037")
    assert table["required"]["fte"] == 20
    assert digits(table["required"]["fte_fractional"], "18.62")  # 13.037 / 0.7
    json.dumps(table, allow_nan=False)


def test_staffing_table_shape_erlang_a_default_rows():
    table = staffing_table(100, 1800, 180, 20, 0.8, patience_seconds=300, shrinkage=0.3)
    assert table["model"] == "erlang-a"
    assert table["inputs"]["patience_seconds"] == 300.0
    assert table["required"]["agents"] == 13
    assert table["required"]["fte"] == 19  # 13 / 0.7 = 18.57, rounded up
    assert [row["agents"] for row in table["rows"]] == list(range(10, 17))
    row = {r["agents"]: r for r in table["rows"]}[14]
    assert digits(row["service_level"], "0.9168")
    assert digits(row["p_abandon"], "0.013984")
    json.dumps(table, allow_nan=False)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"volume": -1}, "volume"),
        ({"aht_seconds": 0}, "aht_seconds"),
        ({"aht_seconds": -180}, "aht_seconds"),
        ({"interval_seconds": 0}, "interval_seconds"),
        ({"threshold_seconds": -1}, "threshold_seconds"),
        ({"target": 0}, "target"),
        ({"target": 1}, "target"),
        ({"target": 1.2}, "target"),
        ({"shrinkage": 1}, "shrinkage"),
        ({"shrinkage": -0.1}, "shrinkage"),
        ({"patience_seconds": 0}, "patience_seconds"),
        ({"patience_seconds": -300}, "patience_seconds"),
        ({"max_occupancy": 0}, "max_occupancy"),
        ({"max_occupancy": 1.5}, "max_occupancy"),
        ({"agents": [12, 2.5]}, "agents"),
        ({"agents": [-1]}, "agents"),
        ({"volume": float("nan")}, "volume"),
        ({"volume": "many"}, "volume"),
    ],
)
def test_invalid_inputs_raise_value_error(kwargs, message):
    arguments = {
        "volume": 100,
        "interval_seconds": 1800,
        "aht_seconds": 180,
        "threshold_seconds": 20,
        "target": 0.8,
    } | kwargs
    with pytest.raises(ValueError, match=message):
        staffing_table(**arguments)


def test_invalid_model_inputs_raise_value_error():
    with pytest.raises(ValueError, match="traffic"):
        erlang_b(3, -1)
    with pytest.raises(ValueError, match="max_blocking"):
        erlang_b_lines(10, 0)
    with pytest.raises(ValueError, match="agents"):
        erlang_c_metrics(LAM, AHT, -1, 20)
    with pytest.raises(ValueError, match="patience_seconds"):
        erlang_a_metrics(LAM, AHT, 0, 12, 20)
    with pytest.raises(ValueError, match="aht_seconds"):
        required_agents(LAM, 0, 20, 0.8)


# ----------------------------------------------------------------------------- simulation


def batch_mean_and_se(values: np.ndarray, batches: int) -> tuple[float, float]:
    means = values[: len(values) // batches * batches].reshape(batches, -1).mean(axis=1)
    return float(values.mean()), float(means.std(ddof=1) / math.sqrt(batches))


def test_simulated_queue_converges_to_erlang_a():
    agents, threshold, warm_up, batches = 12, 20.0, 2_000, 40
    sim = simulate_erlang_a(20261104, LAM, AHT, PATIENCE, agents, 122_000)
    waits, answered = sim.waits, sim.answered
    waits, answered = waits[warm_up:], answered[warm_up:]
    predicted = erlang_a_metrics(LAM, AHT, PATIENCE, agents, threshold)

    # Batch means: successive contacts are correlated, so a binomial SE would be too small.
    service_level, se_sl = batch_mean_and_se((answered & (waits <= threshold)).astype(float), batches)
    abandon, se_ab = batch_mean_and_se((~answered).astype(float), batches)
    mean_wait, se_wait = batch_mean_and_se(waits, batches)
    assert abs(service_level - predicted.service_level) < 4 * se_sl
    assert abs(abandon - predicted.p_abandon) < 4 * se_ab
    assert abs(mean_wait - predicted.asa_seconds) < 4 * se_wait
    assert 0 < se_sl < 0.01
    # Erlang C (no abandonment) predicts a service level the simulation clearly rejects.
    assert abs(service_level - erlang_c_metrics(LAM, AHT, agents, threshold).service_level) > 10 * se_sl

    # Patience from the log: abandons / total queue time of all queued contacts (ratio estimator,
    # SE from batch totals).
    theta_hat = estimate_abandon_rate(int((~answered).sum()), float(waits.sum()))
    size = len(waits) // batches
    counts = (~answered)[: size * batches].reshape(batches, -1).sum(axis=1)
    exposure = waits[: size * batches].reshape(batches, -1).sum(axis=1)
    ratio = counts.sum() / exposure.sum()
    se_theta = math.sqrt(batches / (batches - 1) * ((counts - ratio * exposure) ** 2).sum()) / exposure.sum()
    assert abs(theta_hat - 1 / PATIENCE) < 4 * se_theta
    assert se_theta < 0.05 / PATIENCE
    assert abs(estimate_patience(int((~answered).sum()), float(waits.sum())) - PATIENCE) < 4 * se_theta * PATIENCE**2
