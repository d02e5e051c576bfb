"""Hand-computed cases for every queue and handling metric and every service-level variant.

The base case (all UTC, queue q, threshold 20 s, short abandon 5 s unless a test says otherwise):

  id  outcome      wait  talk  hold  acw  transferred
  1   answered     20    100   10    30   false      wait exactly at the threshold: within it
  2   answered     21    200   0     0    true       one second over the threshold
  3   answered     5     240*  60    -    (unknown)  *talk derived: 300 s connected - 60 s hold
  4   abandoned    4     -                             short abandon (4 < 5)
  5   abandoned    5     -                             wait exactly at the short-abandon limit: a real abandon
  6   abandoned    30    -                             abandoned after the threshold
  7   outbound answered                                excluded from every queue metric
  8   in progress (no answered_at, no ended_at)         excluded, counted

answered = 3, abandoned = 2 (#5, #6), short_abandoned = 1, offered = 5.
Answered within 20 s: #1, #3 = 2. Abandoned within 20 s: #5 = 1.
"""

from __future__ import annotations

import json

import pytest
from conftest import report_rows, run

BASE = """
interaction_id,offered_at,answered_at,ended_at,direction,queue,talk_seconds,hold_seconds,acw_seconds,transferred
1,2024-03-04T09:00:00Z,2024-03-04T09:00:20Z,2024-03-04T09:02:10Z,inbound,q,100,10,30,false
2,2024-03-04T09:10:00Z,2024-03-04T09:10:21Z,2024-03-04T09:13:41Z,inbound,q,200,0,0,true
3,2024-03-04T09:20:00Z,2024-03-04T09:20:05Z,2024-03-04T09:25:05Z,inbound,q,,60,,
4,2024-03-04T09:30:00Z,,2024-03-04T09:30:04Z,inbound,q,,,,
5,2024-03-04T09:40:00Z,,2024-03-04T09:40:05Z,inbound,q,,,,
6,2024-03-04T09:50:00Z,,2024-03-04T09:50:30Z,inbound,q,,,,
7,2024-03-04T10:00:00Z,2024-03-04T10:00:01Z,2024-03-04T10:05:00Z,outbound,q,,,,
8,2024-03-04T10:10:00Z,,,inbound,q,,,,
"""


@pytest.fixture
def base(write_csv):
    return write_csv(BASE)


def one(paths, **params):
    [row] = report_rows(paths, **params)
    return row


def test_volumes(base):
    row = one([base])
    assert (row["offered"], row["answered"], row["abandoned"], row["short_abandoned"]) == (5, 3, 2, 1)


@pytest.mark.parametrize(
    ("denominator", "expected"),
    [
        ("offered", 2 / 5),  # A<=T / (answered + abandoned)
        ("answered", 2 / 3),  # A<=T / answered
        ("exclude_early_abandons", 2 / 4),  # A<=T / (answered + abandoned with wait > T: #6 only)
        ("early_abandons_met", 3 / 5),  # (A<=T + abandoned within T: #5) / offered
    ],
)
def test_service_level_variants(base, denominator, expected):
    row = one([base], service_level__denominator=denominator)
    assert row["service_level"] == pytest.approx(expected)


def test_threshold_is_inclusive(base):
    # At 19 s contact #1 (20 s) is outside: only #3 is within -> 1/5; at 21 s #2 joins -> 3/5.
    assert one([base], service_level__threshold_seconds=19)["service_level"] == pytest.approx(1 / 5)
    assert one([base], service_level__threshold_seconds=21)["service_level"] == pytest.approx(3 / 5)


def test_waits(base):
    row = one([base])
    assert row["asa_seconds"] == pytest.approx((20 + 21 + 5) / 3)
    assert row["avg_wait_seconds"] == pytest.approx((20 + 21 + 5 + 5 + 30) / 5)
    assert row["abandon_rate"] == pytest.approx(2 / 5)


def test_handle_times(base):
    row = one([base])
    # handle = talk + hold + acw: 100+10+30=140, 200+0+0=200, 240+60+0=300
    assert row["aht_seconds"] == pytest.approx((140 + 200 + 300) / 3)
    assert row["avg_talk_seconds"] == pytest.approx((100 + 200 + 240) / 3)
    assert row["avg_hold_seconds"] == pytest.approx((10 + 0 + 60) / 3)
    assert row["acw_seconds"] == pytest.approx((30 + 0 + 0) / 3)


def test_aht_include_flags(base):
    # without hold: 130, 200, 240; without ACW: 110, 200, 300; neither: talk only.
    assert one([base], aht__include_hold=False)["aht_seconds"] == pytest.approx(570 / 3)
    assert one([base], aht__include_acw=False)["aht_seconds"] == pytest.approx(610 / 3)
    assert one([base], aht__include_hold=False, aht__include_acw=False)["aht_seconds"] == pytest.approx(540 / 3)


def test_transfer_rate_over_answered(base, write_csv):
    # #1 false, #2 true, #3 blank (unknown: left out) -> 1 / 2 answered contacts whose flag is known
    assert one([base])["transfer_rate"] == pytest.approx(1 / 2)
    # no transferred value at all: unknown, not 0
    path = write_csv(
        """
        interaction_id,offered_at,answered_at,ended_at
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:00Z
        """
    )
    assert one([path])["transfer_rate"] is None


def test_short_abandon_limit(base):
    # 0 turns short abandons off: #4 (4 s) is a real abandon, within the threshold.
    row = one([base], abandon__short_abandon_seconds=0)
    assert (row["offered"], row["abandoned"], row["short_abandoned"]) == (6, 3, 0)
    assert row["service_level"] == pytest.approx(2 / 6)
    assert row["avg_wait_seconds"] == pytest.approx((20 + 21 + 5 + 4 + 5 + 30) / 6)
    # 6 s: #5 (exactly 5 s) becomes short too.
    row = one([base], abandon__short_abandon_seconds=6)
    assert (row["offered"], row["abandoned"], row["short_abandoned"]) == (4, 1, 2)
    assert row["abandon_rate"] == pytest.approx(1 / 4)
    assert row["service_level"] == pytest.approx(2 / 4)


def test_sub_second_waits_are_exact(write_csv):
    # 20.000001 s is over a 20 s threshold; 19.999999 s is within it.
    path = write_csv(
        """
        interaction_id,offered_at,answered_at,ended_at
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:20.000001Z,2024-03-04T09:01:00Z
        2,2024-03-04T09:00:00Z,2024-03-04T09:00:19.999999Z,2024-03-04T09:01:00Z
        """
    )
    assert one([path])["service_level"] == pytest.approx(1 / 2)


def test_zero_volume_gives_nulls_not_errors(write_csv):
    # Only a short abandon: no offered contacts, so every ratio and mean is null.
    path = write_csv(
        """
        interaction_id,offered_at,answered_at,ended_at
        1,2024-03-04T09:00:00Z,,2024-03-04T09:00:02Z
        """
    )
    row = one([path])
    assert (row["offered"], row["answered"], row["abandoned"], row["short_abandoned"]) == (0, 0, 0, 1)
    for key in (
        "service_level",
        "asa_seconds",
        "avg_wait_seconds",
        "abandon_rate",
        "aht_seconds",
        "avg_talk_seconds",
        "avg_hold_seconds",
        "acw_seconds",
        "transfer_rate",
    ):
        assert row[key] is None, key


def test_empty_period_gives_one_row_of_zeros(base):
    import datetime as dt

    report = run([base], date_from=dt.date(2025, 1, 1), date_to=dt.date(2025, 1, 31))
    [row] = report.rows.to_dicts()
    assert row["offered"] == 0 and row["service_level"] is None
    assert report.data_quality["outside_period"] == 6  # 5 completed inbound + 1 short abandon
    assert report.period == {"from": "2025-01-01", "to": "2025-01-31"}


def test_groups_with_only_short_abandons_have_null_rates(write_csv):
    path = write_csv(
        """
        interaction_id,offered_at,answered_at,ended_at,queue
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:00Z,a
        2,2024-03-04T09:00:00Z,,2024-03-04T09:00:01Z,b
        """
    )
    rows = {r["queue"]: r for r in report_rows([path], by="queue")}
    assert rows["a"]["service_level"] == 1.0
    assert rows["b"]["offered"] == 0 and rows["b"]["short_abandoned"] == 1
    assert rows["b"]["service_level"] is None and rows["b"]["abandon_rate"] is None


def test_answered_contact_not_yet_ended_counts_in_queue_metrics_only(write_csv):
    path = write_csv(
        """
        interaction_id,offered_at,answered_at,ended_at
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:10Z
        2,2024-03-04T09:00:00Z,2024-03-04T09:00:30Z,
        """
    )
    row = one([path])
    assert row["answered"] == 2 and row["asa_seconds"] == pytest.approx(20.0)
    assert row["aht_seconds"] == pytest.approx(60.0)  # only #1 has a handle time


def test_contacts_without_agent_form_the_no_agent_group(write_csv, cli):
    path = write_csv(
        """
        interaction_id,offered_at,answered_at,ended_at,agent_id
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:00Z,a1
        2,2024-03-04T09:00:00Z,,2024-03-04T09:01:00Z,
        3,2024-03-04T09:00:00Z,,2024-03-04T09:02:00Z,
        """
    )
    rows = report_rows([path], by="agent")
    assert [(r["agent"], r["offered"], r["abandoned"]) for r in rows] == [("a1", 1, 0), ("(no agent)", 2, 2)]
    result = cli("report", path, "--by", "agent", "-f", "json")
    assert json.loads(result.stdout)["data_quality"]["without_agent"] == 2
    assert "note: 2 contact(s) no agent handled (abandoned, mostly) are in the (no agent) row" in " ".join(
        result.stderr.split()
    )
    # without an agent grouping there is nothing to explain
    assert "(no agent)" not in cli("report", path, "-f", "json").stderr


def test_a_state_metric_asked_for_without_states_exits_2(write_csv, cli):
    path = write_csv("interaction_id,offered_at,answered_at,ended_at\n1,2024-03-04T09:00:00Z,,2024-03-04T09:01:00Z\n")
    result = cli("report", path, "--metrics", "offered,occupancy")
    assert result.exit_code == 2
    assert "occupancy need(s) an agent state log: give --states FILE" in " ".join(result.stderr.split())
