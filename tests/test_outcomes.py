"""Customer outcome metrics: FCR / repeats, complaints, CSAT, NPS. Every figure hand-computed."""

from __future__ import annotations

import csv
import datetime as dt
import math
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import REAL_DATA, ROOT, cli_json, report_rows, run, session_of

from csmetrics.definitions.config import resolve

H = "interaction_id,offered_at,answered_at,ended_at,customer_id,reason,queue,complaint,csat,nps"


def row(
    i: str,
    at: str,
    *,
    answered: bool = True,
    cust: str = "",
    reason: str = "",
    queue: str = "q",
    complaint: str = "",
    csat: str = "",
    nps: str = "",
) -> str:
    """One contact offered at 2024-03-`at` UTC; answered 10 s later, or abandoned after 60 s."""
    t = dt.datetime.fromisoformat(f"2024-03-{at.replace(' ', 'T')}+00:00")
    iso = lambda x: x.isoformat().replace("+00:00", "Z")  # noqa: E731
    ans = iso(t + dt.timedelta(seconds=10)) if answered else ""
    end = iso(t + dt.timedelta(seconds=60))
    return f"{i},{iso(t)},{ans},{end},{cust},{reason},{queue},{complaint},{csat},{nps}"


def csv_text(*rows: str) -> str:
    return H + "\n" + "\n".join(rows) + "\n"


# ---------------------------------------------------------------- FCR ----------------------------------------
# Span for most FCR tests: two "anchor" contacts of other customers at the very start and end of the data
# (01 00:00:00 and 10 00:00:00), so that customers in between are neither look-back nor look-ahead censored.
ANCHORS = (row("a0", "01 00:00:00", cust="anchor0"), row("a9", "10 00:00:00", cust="anchor9"))


def statuses(path: Path, **params: object) -> dict[str, str | None]:
    values = {k.replace("__", "."): v for k, v in params.items()}
    session = session_of([path], definitions=resolve(assignments=values))
    outcomes = session.registry.fragments["outcomes"]  # the relation contact_outcomes, a CTE of a report's pass
    return dict(
        session.con.execute(
            f"WITH contact_outcomes AS ({outcomes.sql}) "
            "SELECT c.interaction_id, o.fcr_status FROM contacts AS c LEFT JOIN contact_outcomes AS o USING (_seq)"
        ).fetchall()
    )


def test_repeat_exactly_at_window_edge_counts_as_repeat(write_csv):
    path = write_csv(
        csv_text(
            *ANCHORS,
            row("1", "04 09:00:00", cust="c1"),
            row("2", "05 09:00:00", cust="c1"),  # exactly 24 h later: a repeat (<=), so 1 is unresolved
            row("3", "06 09:00:00", cust="c2"),
            row("4", "07 09:00:01", cust="c2"),  # 24 h + 1 s later: not a repeat, so 3 is resolved, 4 resolved
        )
    )
    st = statuses(path)
    assert st == {
        "a0": "censored_before",  # its look-back starts 29 Feb 00:00, before the span
        "a9": "censored_after",  # its look-ahead ends 11 Mar 00:00, after the span
        "1": "unresolved",
        "2": "repeat",
        "3": "resolved",
        "4": "resolved",
    }
    [r] = report_rows([path])
    # first contacts known: 1 (unresolved), 3, 4 (resolved) -> fcr 2/3. Repeat rate: 1 repeat among the contacts
    # whose look-back is complete: 1, 2, 3, 4 and a9 -> 1/5
    assert r["fcr_first_contacts"] == 3
    assert r["fcr_rate"] == pytest.approx(2 / 3)
    assert r["fcr_censored"] == 2
    assert r["repeat_rate"] == pytest.approx(1 / 5)


def test_window_hours_changes_status(write_csv):
    path = write_csv(csv_text(*ANCHORS, row("1", "04 09:00:00", cust="c1"), row("2", "04 10:00:00", cust="c1")))
    # 1 h apart: with a 0.5 h window both are resolved first contacts; with 1 h, 1 unresolved and 2 a repeat
    assert statuses(path, fcr__window_hours=0.5)["2"] == "resolved"
    st = statuses(path, fcr__window_hours=1)
    assert (st["1"], st["2"]) == ("unresolved", "repeat")


def test_censoring_at_both_ends(write_csv):
    # span 01 00:00 .. 03 00:00 (48 h). Window 24 h. A status is known only when the whole window is in the span.
    path = write_csv(
        csv_text(
            row("s", "01 00:00:00", cust="x"),  # look-back starts 29 Feb 00:00 < span start: censored
            row("b", "01 23:59:59", cust="y"),  # look-back starts before span: censored
            row("r", "01 23:59:59", cust="s2"),
            row("r2", "02 00:00:00", cust="s2"),  # look-back from 01 00:00 (exactly the span start): complete;
            # 1 s after r: a repeat
            row("c", "02 00:00:00", cust="z"),  # look-back starts exactly at span start, look-ahead ends exactly
            # at span end (03 00:00): both complete -> resolved
            row("d", "02 00:00:01", cust="w"),  # look-ahead ends 03 00:00:01 > span end: censored
            row("e", "02 12:00:00", cust="v"),  # look-ahead beyond the span: censored, although a repeat is seen
            row("f", "02 20:00:00", cust="v"),  # repeat of e (8 h), look-back complete: a repeat
            row("g", "03 00:00:00", cust="u"),  # last contact: censored
        )
    )
    st = statuses(path)
    assert st == {
        "s": "censored_before",
        "b": "censored_before",
        "r": "censored_before",
        "r2": "repeat",
        "c": "resolved",
        "d": "censored_after",
        "e": "censored_after",
        "f": "repeat",
        "g": "censored_after",
    }
    [r] = report_rows([path])
    assert (r["fcr_censored"], r["fcr_first_contacts"]) == (6, 1)
    assert r["fcr_rate"] == 1.0  # c resolved; e is censored, so its repeat f does not make it unresolved
    # repeats r2, f among the contacts with a complete look-back: r2, c, d, e, f, g
    assert r["repeat_rate"] == pytest.approx(2 / 6)


def test_a_repeat_whose_look_back_is_incomplete_is_censored(write_csv):
    # span 01 00:00 .. 10 00:00; contact 2 follows 1 by 1 h, but its own look-back (from 29 Feb 13:00) starts
    # before the span, whatever was observed: censored, not a repeat
    path = write_csv(csv_text(*ANCHORS, row("1", "01 12:00:00", cust="c1"), row("2", "01 13:00:00", cust="c1")))
    st = statuses(path)
    assert (st["1"], st["2"]) == ("censored_before", "censored_before")


def test_no_known_status_gives_null_not_zero(write_csv):
    # a 10-hour span and a 24 h window: no contact has a complete window
    path = write_csv(
        csv_text(row("1", "04 09:00:00", cust="c1"), row("2", "04 10:00:00", cust="c1"), row("3", "04 19:00:00"))
    )
    [r] = report_rows([path])
    assert (r["fcr_rate"], r["repeat_rate"], r["fcr_first_contacts"], r["fcr_censored"]) == (None, None, 0, 2)


def test_fcr_final_days_in_data_quality(write_csv, cli):
    # span 01 06:00 .. 05 18:00 UTC, window 24 h: complete windows for contacts offered 02 06:00 .. 04 18:00.
    # Local days (UTC): the first day starting at or after 02 06:00 is 03; the last ending at or before 04 18:00 is 03.
    path = write_csv(csv_text(row("1", "01 06:00:00", cust="a"), row("2", "05 18:00:00", cust="b")))
    doc = cli_json(cli("report", path, "--format", "json"))
    assert doc["data_quality"]["fcr_final"] == {"from": "2024-03-03", "through": "2024-03-03"}
    # a 12 h window: complete for 01 18:00 .. 05 06:00 -> days 02 .. 04
    doc = cli_json(cli("report", path, "--format", "json", "--set", "fcr.window_hours=12"))
    assert doc["data_quality"]["fcr_final"] == {"from": "2024-03-02", "through": "2024-03-04"}
    # a window ending exactly at midnight: span end 05 18:00 - 42 h = 04 00:00 -> the last final day is 03
    doc = cli_json(cli("report", path, "--format", "json", "--set", "fcr.window_hours=42"))
    assert doc["data_quality"]["fcr_final"]["through"] == "2024-03-03"
    # in New York (UTC-5), with 12 h: complete 01 13:00 .. 05 01:00 local -> days 02 .. 04
    doc = cli_json(cli("report", path, "--format", "json", "--set", "fcr.window_hours=12", "--tz", "America/New_York"))
    assert doc["data_quality"]["fcr_final"] == {"from": "2024-03-02", "through": "2024-03-04"}
    # a window longer than the span: no final day
    doc = cli_json(cli("report", path, "--format", "json", "--set", "fcr.window_hours=72"))
    assert doc["data_quality"]["fcr_final"] == {"from": None, "through": None}
    # fcr-windows: one entry per window
    doc = cli_json(cli("fcr-windows", path, "--windows", "12,72", "--format", "json"))
    assert doc["data_quality"]["fcr_final"] == {
        "12": {"from": "2024-03-02", "through": "2024-03-04"},
        "72": {"from": None, "through": None},
    }


def test_ties_at_the_same_instant_ordered_by_interaction_id(write_csv):
    path = write_csv(csv_text(*ANCHORS, row("t2", "04 09:00:00", cust="c1"), row("t1", "04 09:00:00", cust="c1")))
    st = statuses(path)
    # same instant: t1 sorts first -> unresolved first contact, t2 is its repeat (difference 0 <= window)
    assert (st["t1"], st["t2"]) == ("unresolved", "repeat")


def test_only_answered_inbound_with_customer_take_part(write_csv):
    path = write_csv(
        csv_text(
            *ANCHORS,
            row("1", "04 09:00:00", cust="c1"),
            row("2", "04 10:00:00", cust="c1", answered=False),  # abandoned: does not make 1 unresolved
            row("3", "04 11:00:00"),  # no customer: not participating
        )
    )
    st = statuses(path)
    assert (st["1"], st["2"], st["3"]) == ("resolved", None, None)


def test_fcr_match_with_reasons(write_csv):
    path = write_csv(
        csv_text(
            *ANCHORS,
            row("1", "04 09:00:00", cust="c1", reason="billing"),
            row("2", "04 10:00:00", cust="c1", reason="tech"),
            row("3", "04 11:00:00", cust="c1", reason="billing"),
            row("4", "04 12:00:00", cust="c1"),  # no reason
        )
    )
    by_customer = statuses(path)
    assert [by_customer[i] for i in "1234"] == ["unresolved", "repeat", "repeat", "repeat"]
    by_reason = statuses(path, fcr__match="customer_id,reason")
    # billing: 1 then 3 (2 h) -> 1 unresolved, 3 repeat; tech: 2 alone -> resolved; 4 has no reason: out
    assert [by_reason[i] for i in "1234"] == ["unresolved", "resolved", "repeat", None]
    [r] = report_rows([path], fcr__match="customer_id,reason")
    assert r["fcr_rate"] == pytest.approx(1 / 2)
    assert r["repeat_rate"] == pytest.approx(1 / 3)


def test_from_to_report_uses_contacts_outside_the_range(write_csv, cli):
    path = write_csv(
        csv_text(
            *ANCHORS,
            row("1", "04 20:00:00", cust="c1"),
            row("2", "05 08:00:00", cust="c1"),  # next day, 12 h later: 1 is unresolved even in a report of day 04
            row("3", "04 21:00:00", cust="c2"),
            row("4", "03 22:00:00", cust="c3"),
            row("5", "04 08:00:00", cust="c3"),  # 10 h after 4 (outside the range): a repeat
        )
    )
    doc = cli_json(cli("report", path, "--from", "2024-03-04", "--to", "2024-03-04", "--format", "json"))
    [r] = doc["rows"]
    # in range: 1 unresolved, 3 resolved, 5 repeat -> fcr 1/2, repeat 1/3
    assert (r["fcr_first_contacts"], r["fcr_censored"]) == (2, 0)
    assert r["fcr_rate"] == pytest.approx(0.5)
    assert r["repeat_rate"] == pytest.approx(1 / 3)


def test_no_participants_gives_null(write_csv):
    [r] = report_rows([write_csv(csv_text(row("1", "04 09:00:00")))])
    assert (r["fcr_rate"], r["repeat_rate"], r["fcr_first_contacts"], r["fcr_censored"]) == (None, None, 0, 0)


def test_fcr_windows_command(write_csv, cli):
    path = write_csv(csv_text(*ANCHORS, row("1", "04 09:00:00", cust="c1"), row("2", "04 11:00:00", cust="c1")))
    doc = cli_json(cli("fcr-windows", path, "--windows", "1,2,24,168", "--format", "json"))
    got = {
        r["window_hours"]: (r["fcr_rate"], r["repeat_rate"], r["fcr_first_contacts"], r["fcr_censored"])
        for r in doc["rows"]
    }
    # 2 h apart; anchors at 01 00:00 (look-back censored) and 10 00:00 (look-ahead censored, look-back complete).
    # 1 h: 1 and 2 both resolved (fcr 2/2), no repeat among 1, 2, a9. 2 h and 24 h: 1 unresolved, 2 a repeat:
    # fcr 0/1, repeats 1 of 1, 2, a9. 168 h: 1 and 2 have look-backs before the span: no known first contact
    # (fcr null, not 0 %); only a9 has a complete look-back (not a repeat).
    assert got == {
        1.0: (1.0, 0.0, 2, 2),
        2.0: (0.0, pytest.approx(1 / 3), 1, 2),
        24.0: (0.0, pytest.approx(1 / 3), 1, 2),
        168.0: (None, 0.0, 0, 4),
    }
    assert doc["group_by"] == ["window_hours"]


@pytest.mark.parametrize("windows", ["1,x", "", "-1", "1,1"])
def test_fcr_windows_bad_input_exit_2(write_csv, cli, windows):
    path = write_csv(csv_text(row("1", "04 09:00:00", cust="c1")))
    result = cli("fcr-windows", path, "--windows", windows)
    assert result.exit_code == 2, result.stderr
    assert "--windows" in result.stderr


def test_bad_fcr_parameters_exit_2(write_csv, cli):
    path = write_csv(csv_text(row("1", "04 09:00:00", cust="c1")))
    assert cli("report", path, "--set", "fcr.window_hours=-1").exit_code == 2
    assert cli("report", path, "--set", "fcr.match=reason").exit_code == 2


# ---------------------------------------------------------------- complaints ----------------------------------
COMPLAINTS = csv_text(
    row("1", "04 09:00:00", cust="c1", complaint="true", queue="qa"),
    row("2", "04 10:00:00", cust="c1", complaint="true", queue="qa"),
    row("3", "04 11:00:00", cust="c2", complaint="false", queue="qb"),
    row("4", "04 12:00:00", cust="c3", complaint="yes", queue="qb", answered=False),  # abandoned complaint
    row("5", "05 09:00:00", cust="c4", queue="qa"),
)


@pytest.mark.parametrize(
    ("denominator", "expected"),
    [
        ("offered", 3 / 5),  # 3 complaints among 5 offered
        ("answered", 2 / 4),  # complaints among answered: 1, 2 -> 2 / 4 answered
        ("customers", 2 / 4),  # complaining customers c1, c3 / customers c1..c4
    ],
)
def test_complaint_denominators(write_csv, denominator, expected):
    [r] = report_rows([write_csv(COMPLAINTS)], complaint__denominator=denominator)
    assert r["complaints"] == 3
    assert r["complaint_rate"] == pytest.approx(expected)


def test_complaint_per_scales_and_groups(write_csv):
    rows = report_rows([write_csv(COMPLAINTS)], by="day", complaint__per=10000)
    by_day = {r["day"]: r["complaint_rate"] for r in rows}
    assert by_day == {"2024-03-04": pytest.approx(10000 * 3 / 4), "2024-03-05": 0.0}


def test_external_denominator_by_day_and_queue(write_csv, cli):
    data = write_csv(COMPLAINTS)
    denom = write_csv("date,queue,count\n2024-03-04,qa,400\n2024-03-04,qb,100\n2024-03-05,qa,0\n", "orders.csv")
    doc = cli_json(
        cli(
            "report",
            data,
            "--by",
            "day,queue",
            "--set",
            "complaint.denominator=external",
            "--set",
            "complaint.per=1000",
            "--denominator",
            denom,
            "--format",
            "json",
        )
    )
    got = {(r["day"], r["queue"]): r["complaint_rate"] for r in doc["rows"]}
    # 04/qa: 2 complaints / 400 * 1000 = 5; 04/qb: 1 / 100 * 1000 = 10; 05/qa: count 0 -> null
    assert got == {
        ("2024-03-04", "qa"): pytest.approx(5.0),
        ("2024-03-04", "qb"): pytest.approx(10.0),
        ("2024-03-05", "qa"): None,
    }
    # no grouping: 3 complaints / (400 + 100 + 0) over the data's days
    doc = cli_json(
        cli("report", data, "--set", "complaint.denominator=external", "--denominator", denom, "--format", "json")
    )
    assert doc["rows"][0]["complaint_rate"] == pytest.approx(3 / 500)
    # --from/--to: only that day's counts
    doc = cli_json(
        cli(
            "report",
            data,
            "--set",
            "complaint.denominator=external",
            "--denominator",
            denom,
            "--from",
            "2024-03-04",
            "--to",
            "2024-03-04",
            "--format",
            "json",
        )
    )
    assert doc["rows"][0]["complaint_rate"] == pytest.approx(3 / 500)


def test_external_denominator_per_day_without_queue_by_week(write_csv, cli):
    data = write_csv(COMPLAINTS)
    denom = write_csv("date,count\n2024-03-04,50\n2024-03-05,10\n2024-03-20,999\n", "orders.csv")
    doc = cli_json(
        cli(
            "report",
            data,
            "--by",
            "week",
            "--set",
            "complaint.denominator=external",
            "--denominator",
            denom,
            "--format",
            "json",
        )
    )
    # week of Monday 2024-03-04: 3 complaints / (50 + 10); the 20th is outside the data's days
    assert doc["rows"][0]["complaint_rate"] == pytest.approx(3 / 60)
    result = cli("report", data, "--by", "queue", "--set", "complaint.denominator=external", "--denominator", denom)
    assert result.exit_code == 2
    assert "queue column" in result.stderr


def test_external_denominator_errors(write_csv, cli):
    data = write_csv(COMPLAINTS)
    result = cli("report", data, "--set", "complaint.denominator=external")
    assert result.exit_code == 2
    assert "--denominator" in result.stderr
    good = write_csv("date,count\n2024-03-04,5\n", "good.csv")
    result = cli("report", data, "--denominator", good)
    assert result.exit_code == 2
    assert "complaint.denominator=external" in result.stderr
    result = cli("report", data, "--by", "hour", "--set", "complaint.denominator=external", "--denominator", good)
    assert result.exit_code == 2
    bad = write_csv("date,count\n2024-03-04,5\n2024-03-05,-2\n", "bad.csv")
    result = cli("report", data, "--set", "complaint.denominator=external", "--denominator", bad)
    assert result.exit_code == 3
    assert "bad.csv, line 3, column count" in result.stderr
    bad_date = write_csv("date,count\n04/03/2024,5\n", "bad_date.csv")
    result = cli("report", data, "--set", "complaint.denominator=external", "--denominator", bad_date)
    assert result.exit_code == 3
    assert "bad_date.csv, line 2, column date" in result.stderr
    dup = write_csv("date,count\n2024-03-04,5\n2024-03-04,6\n", "dup.csv")
    result = cli("report", data, "--set", "complaint.denominator=external", "--denominator", dup)
    assert result.exit_code == 3
    assert "dup.csv, line 3" in result.stderr
    missing = cli("report", data, "--set", "complaint.denominator=external", "--denominator", "nope.csv")
    assert missing.exit_code == 3


# ---------------------------------------------------------------- CSAT -----------------------------------------
def test_csat_default_scale_and_good_bad(write_csv):
    path = write_csv(
        csv_text(
            row("1", "04 09:00:00", csat="5"),
            row("2", "04 09:01:00", csat="4"),  # satisfied_min 4: satisfied (>=)
            row("3", "04 09:02:00", csat="3"),
            row("4", "04 09:03:00", csat="Good"),
            row("5", "04 09:04:00", csat="bad"),
            row("6", "04 09:05:00", csat="1", answered=False),  # abandoned: its answer does not count
            row("7", "04 09:06:00"),
        )
    )
    [r] = report_rows([path])
    assert r["csat_responses"] == 5
    assert r["csat"] == pytest.approx(3 / 5)  # 5, 4, good
    assert r["csat_mean"] == pytest.approx((5 + 4 + 3) / 3)  # numeric answers only


def test_csat_other_scales(write_csv):
    path = write_csv(
        csv_text(
            row("1", "04 09:00:00", csat="10"),
            row("2", "04 09:01:00", csat="8"),
            row("3", "04 09:02:00", csat="7"),
            row("4", "04 09:03:00", csat="0"),
        )
    )
    [r] = report_rows([path], csat__scale_min=0, csat__scale_max=10, csat__satisfied_min=8)
    assert r["csat"] == pytest.approx(2 / 4)  # 10, 8
    assert r["csat_mean"] == pytest.approx(25 / 4)
    # on the default 1-5 scale the same data is out of range: 10, 8, 7, 0 are all rejected, never clipped
    report = run([path])
    assert report.data_quality["rejected"]["by_reason"] == {"csat_out_of_range": 4}
    assert report.rows["csat_responses"][0] == 0
    assert report.rows["csat"][0] is None
    # binary scale 1..2 with satisfied_min 2 (thumbs up = 2)
    path2 = write_csv(csv_text(row("1", "04 09:00:00", csat="2"), row("2", "04 09:01:00", csat="1")))
    [r2] = report_rows([path2], csat__scale_max=2, csat__satisfied_min=2)
    assert r2["csat"] == pytest.approx(1 / 2)


@pytest.mark.parametrize("value", ["6", "0", "4.5", "-1", "inf"])
def test_csat_out_of_range_rejected(write_csv, value):
    path = write_csv(csv_text(row("1", "04 09:00:00", csat="4"), row("2", "04 09:01:00", csat=value)))
    report = run([path])
    assert report.data_quality["rejected"]["by_reason"] == {"csat_out_of_range": 1}
    assert report.rows["csat_responses"][0] == 1
    # only the answer is rejected: the contact stays in every other figure
    assert report.rows["offered"][0] == 2
    assert report.data_quality["rejected"]["contacts"] == 0
    assert report.data_quality["rejected"]["answers"] == 1


def test_bad_csat_parameters_exit_2(write_csv, cli):
    path = write_csv(csv_text(row("1", "04 09:00:00", csat="4")))
    result = cli("report", path, "--set", "csat.satisfied_min=6")
    assert result.exit_code == 2
    assert "satisfied_min" in result.stderr
    assert cli("report", path, "--set", "csat.scale_min=5").exit_code == 2


def test_unreadable_score_exit_3(write_csv, cli):
    path = write_csv(csv_text(row("1", "04 09:00:00", csat="4"), row("2", "04 09:01:00", nps="good")))
    result = cli("report", path)
    assert result.exit_code == 3
    assert "line 3, column nps: cannot read 'good'" in result.stderr


# ---------------------------------------------------------------- NPS ------------------------------------------
def test_nps_boundaries_and_margin(write_csv):
    answers = ["6", "7", "8", "9", "10", "0"]
    path = write_csv(csv_text(*[row(str(i), f"04 09:{i:02d}:00", nps=a) for i, a in enumerate(answers)]))
    [r] = report_rows([path])
    # promoters 9, 10 = 2; passives 7, 8 = 2; detractors 6, 0 = 2; n = 6
    assert (r["promoters"], r["passives"], r["detractors"], r["nps_responses"]) == (2, 2, 2, 6)
    assert r["nps"] == pytest.approx(0.0)
    # p = d = 1/3: 1.96 * 100 * sqrt((2/3 - 0) / 6) = 196 * 1/3 = 65.333...
    assert r["nps_margin_of_error"] == pytest.approx(196 / 3)


def test_nps_unrounded_and_only_answered(write_csv):
    path = write_csv(
        csv_text(
            row("1", "04 09:00:00", nps="9"),
            row("2", "04 09:01:00", nps="9"),
            row("3", "04 09:02:00", nps="3"),
            row("4", "04 09:03:00", nps="0", answered=False),
        )
    )
    [r] = report_rows([path])
    assert r["nps"] == pytest.approx(100 / 3)  # (2 - 1) / 3 * 100 = 33.333..., not rounded
    # p = 2/3, d = 1/3: var = 1 - (1/3)^2 = 8/9; 196 * sqrt(8/27)
    assert r["nps_margin_of_error"] == pytest.approx(196 * math.sqrt(8 / 27))


@pytest.mark.parametrize("value", ["11", "-1", "7.5"])
def test_nps_out_of_range_rejected(write_csv, cli, value, tmp_path):
    path = write_csv(csv_text(row("1", "04 09:00:00", nps="10"), row("2", "04 09:01:00", nps=value)))
    out = tmp_path / "rejects.csv"
    doc = cli_json(cli("report", path, "--format", "json", "--rejects", out))
    assert doc["data_quality"]["rejected"]["by_reason"] == {"nps_out_of_range": 1}
    assert doc["rows"][0]["nps_responses"] == 1
    assert doc["rows"][0]["nps"] == 100.0
    assert "nps_out_of_range" in out.read_text()


def test_no_responses_null(write_csv):
    [r] = report_rows([write_csv(csv_text(row("1", "04 09:00:00")))])
    assert (r["nps"], r["nps_margin_of_error"], r["csat"], r["csat_mean"]) == (None, None, None, None)
    assert (r["nps_responses"], r["csat_responses"], r["complaints"]) == (0, 0, 0)


# ---------------------------------------------------------------- surveys ----------------------------------------
def test_surveys_file_joined_on_interaction_id(write_csv, cli, tmp_path):
    data = write_csv(
        csv_text(
            row("1", "04 09:00:00", csat="1"),
            row("2", "04 09:01:00"),
            row("3", "04 09:02:00"),
            row("4", "04 09:03:00", answered=False),
            row("5", "05 09:00:00"),
        )
    )
    surveys = write_csv(
        "Interaction_ID,CSAT,NPS\n"
        "1,5,10\n"  # overrides the interaction's csat 1
        "2,bad,6\n"
        "4,5,10\n"  # abandoned contact: does not count
        "5,4,\n"  # day 05
        "9,5,9\n"  # no such contact: rejected
        "3,12,8\n"  # csat out of range: that answer rejected, the nps 8 still counts
        "2,2,0\n",  # second answer for 2 is read later and wins; first answer for 2 rejected as duplicate
        "surveys.csv",
    )
    rej = tmp_path / "rej.csv"
    doc = cli_json(cli("report", data, "--surveys", surveys, "--by", "day", "--format", "json", "--rejects", rej))
    d4, d5 = doc["rows"]
    # day 04 answered: 1 (5, 10), 2 (2, 0), 3 (nps 8 only) -> csat 1/2, mean 3.5;
    # nps: promoter 10, detractor 0, passive 8 -> (1 - 1) / 3 * 100 = 0
    assert (d4["csat_responses"], d4["csat"], d4["csat_mean"]) == (2, 0.5, 3.5)
    assert (d4["nps_responses"], d4["nps"], d4["passives"]) == (3, 0.0, 1)
    assert (d5["csat_responses"], d5["csat"], d5["nps_responses"]) == (1, 1.0, 0)
    assert doc["data_quality"]["rejected"]["by_reason"] == {
        "csat_out_of_range": 1,
        "survey_duplicate": 1,
        "survey_without_contact": 1,
    }
    assert "surveys.csv" in rej.read_text()


def test_surveys_file_errors(write_csv, cli):
    data = write_csv(csv_text(row("1", "04 09:00:00")))
    no_cols = write_csv("interaction_id,score\n1,5\n", "s1.csv")
    result = cli("report", data, "--surveys", no_cols)
    assert result.exit_code == 3
    assert "csat and/or nps" in result.stderr
    unreadable = write_csv("interaction_id,nps\n1,10\n1,ten\n", "s2.csv")
    result = cli("report", data, "--surveys", unreadable)
    assert result.exit_code == 3
    assert "s2.csv, line 3, column nps: cannot read 'ten'" in result.stderr
    assert cli("report", data, "--surveys", "missing.csv").exit_code == 3


# ---------------------------------------------------------------- end to end ---------------------------------------
def test_outcome_metrics_by_day_and_queue_at_a_72h_window(write_csv, cli):
    path = write_csv(
        csv_text(
            row("a", "01 00:00:00", cust="z", queue="q1"),
            row("1", "04 09:00:00", cust="c1", queue="q1", complaint="true", csat="5", nps="10"),
            row("2", "06 08:00:00", cust="c1", queue="q1", csat="2", nps="3"),  # 47 h later: repeat at 72 h
            row("3", "04 10:00:00", cust="c2", queue="q2", csat="4", nps="8"),
            row("b", "10 00:00:00", cust="y", queue="q1"),
        )
    )
    doc = cli_json(
        cli(
            "report",
            path,
            "--by",
            "day,queue",
            "--tz",
            "Europe/Paris",
            "--set",
            "fcr.window_hours=72",
            "--format",
            "json",
        )
    )
    got = {(r["day"], r["queue"]): r for r in doc["rows"]}
    d4q1, d4q2, d6q1 = got[("2024-03-04", "q1")], got[("2024-03-04", "q2")], got[("2024-03-06", "q1")]
    assert (d4q1["fcr_rate"], d4q1["repeat_rate"], d4q1["complaint_rate"]) == (0.0, 0.0, 1.0)
    assert (d4q1["csat"], d4q1["nps"]) == (1.0, 100.0)
    assert (d4q2["fcr_rate"], d4q2["csat"], d4q2["nps"], d4q2["passives"]) == (1.0, 1.0, 0.0, 1)
    assert (d6q1["repeat_rate"], d6q1["fcr_first_contacts"], d6q1["csat"], d6q1["detractors"]) == (1.0, 0, 0.0, 1)
    assert doc["definitions"]["parameters"]["fcr.window_hours"] == 72


# ---------------------------------------------------------------- real data -------------------------------------
PREP_AIR = REAL_DATA / "preppin_data_nps" / "prep_air_responses.csv"


@pytest.mark.skipif(not PREP_AIR.is_file(), reason="shared real data not present")
def test_prep_air_nps_matches_independent_count(tmp_path, cli):
    with PREP_AIR.open(newline="", encoding="utf-8") as f:
        answers = [int(r["How likely are you to recommend this airline?"]) for r in csv.DictReader(f)]
    # independent figure: plain Python counting, as the Preppin' Data task defines NPS
    n = len(answers)
    promoters = sum(a >= 9 for a in answers)
    detractors = sum(a <= 6 for a in answers)
    expected = 100 * (promoters - detractors) / n
    # csmetrics: one answered contact per response, the answers given as a --surveys file
    contacts = tmp_path / "contacts.csv"
    surveys = tmp_path / "surveys.csv"
    contacts.write_text(
        "interaction_id,offered_at,answered_at\n"
        + "".join(f"r{i},2021-01-01T00:00:00Z,2021-01-01T00:00:01Z\n" for i in range(n)),
        encoding="utf-8",
    )
    surveys.write_text("interaction_id,nps\n" + "".join(f"r{i},{a}\n" for i, a in enumerate(answers)), encoding="utf-8")
    doc = cli_json(cli("report", contacts, "--surveys", surveys, "--format", "json"))
    [r] = doc["rows"]
    assert n == 184
    assert (r["nps_responses"], r["promoters"], r["detractors"]) == (n, promoters, detractors)
    assert r["nps"] == pytest.approx(expected)


# ------------------------------------------------- FCR against an independent computation -----------------------
def _independent_fcr(path: Path, window_hours: float, tz: str = "America/New_York") -> dict[str, tuple]:
    """The censoring rule of docs/definitions.md written again in polars, from the file itself (a clean export:
    no duplicates, no rejected rows): per local day, (fcr_rate, repeat_rate, fcr_first_contacts, fcr_censored)."""
    import polars as pl

    df = pl.read_csv(path, try_parse_dates=False, infer_schema_length=0).with_columns(
        pl.col("offered_at").str.to_datetime(time_zone="UTC"),
        pl.col("answered_at").str.len_chars().fill_null(0).gt(0).alias("answered"),
    )
    first, last = df["offered_at"].min(), df["offered_at"].max()
    window = dt.timedelta(hours=window_hours)
    part = (
        df.filter(
            pl.col("answered")
            & pl.col("customer_id").is_not_null()
            & (pl.col("direction").fill_null("inbound").str.to_lowercase() != "outbound")
        )
        .sort("customer_id", "offered_at", "interaction_id")
        .with_columns(
            pl.col("offered_at").shift(1).over("customer_id").alias("prev"),
            pl.col("offered_at").shift(-1).over("customer_id").alias("next"),
        )
    )
    rows: dict[str, list[str]] = {}
    for r in part.iter_rows(named=True):
        at = r["offered_at"]
        if at - window < first:
            status = "censored_before"
        elif r["prev"] is not None and at - r["prev"] <= window:
            status = "repeat"
        elif at + window > last:
            status = "censored_after"
        elif r["next"] is not None and r["next"] - at <= window:
            status = "unresolved"
        else:
            status = "resolved"
        day = at.astimezone(ZoneInfo(tz)).date().isoformat()
        rows.setdefault(day, []).append(status)
    out = {}
    for day, st in rows.items():
        n = {k: st.count(k) for k in ("repeat", "resolved", "unresolved", "censored_before", "censored_after")}
        first_contacts = n["resolved"] + n["unresolved"]
        looked_back = n["repeat"] + first_contacts + n["censored_after"]
        out[day] = (
            n["resolved"] / first_contacts if first_contacts else None,
            n["repeat"] / looked_back if looked_back else None,
            first_contacts,
            n["censored_before"] + n["censored_after"],
        )
    return out


@pytest.fixture(scope="module")
def clean_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate", ROOT / "sample_data" / "generate.py")
    assert spec and spec.loader
    generate = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("generate", generate)  # its dataclasses look their module up
    spec.loader.exec_module(generate)
    path = tmp_path_factory.mktemp("fcr") / "clean.csv"
    generate.write(path, days=21, volume=60, clean=True, seed=7)
    return path


def test_fcr_agrees_with_an_independent_computation_at_every_window(clean_export, cli):
    windows = (1, 12, 24, 72, 168)
    doc = cli_json(
        cli(
            "fcr-windows", clean_export, "--windows", ",".join(map(str, windows)), "--by", "day",
            "--tz", "America/New_York", "--format", "json",
        )
    )  # fmt: skip
    for hours in windows:
        expected = _independent_fcr(clean_export, hours)
        if hours == 24:  # the data exercise every status
            assert sum(v[2] for v in expected.values()) > 500
            assert any(v[0] is not None and v[0] < 1 for v in expected.values())
            assert sum(v[3] for v in expected.values()) > 50
        got = {
            r["day"]: (r["fcr_rate"], r["repeat_rate"], r["fcr_first_contacts"], r["fcr_censored"])
            for r in doc["rows"]
            if r["window_hours"] == hours and (r["fcr_first_contacts"] or r["fcr_censored"] or r["repeat_rate"])
        }
        assert got.keys() == expected.keys(), hours
        for day, values in expected.items():
            assert got[day] == pytest.approx(values), (hours, day)


def test_fcr_of_a_period_uses_the_data_outside_it(clean_export, cli):
    """--from/--to keeps the days, not the windows: each day's figures are those of the whole-data report."""
    expected = _independent_fcr(clean_export, 24)
    doc = cli_json(
        cli(
            "report", clean_export, "--by", "day", "--tz", "America/New_York", "--from", "2024-03-10",
            "--to", "2024-03-12", "--metrics", "fcr_rate,repeat_rate,fcr_first_contacts,fcr_censored",
            "--format", "json",
        )
    )  # fmt: skip
    got = {r["day"]: (r["fcr_rate"], r["repeat_rate"], r["fcr_first_contacts"], r["fcr_censored"]) for r in doc["rows"]}
    assert list(got) == ["2024-03-10", "2024-03-11", "2024-03-12"]
    for day, values in got.items():
        assert values == pytest.approx(expected[day])
    # the first day is all look-back censored, so its FCR is unknown (null), never 0 %
    assert expected["2024-03-04"][0] is None and expected["2024-03-04"][2] == 0


def test_sample_fcr_over_complete_windows(cli):
    """Over the contacts with a complete 24 h window the shipped sample's FCR is 87.58 %."""
    doc = cli_json(cli("report", ROOT / "sample_data" / "interactions.csv", "--format", "json"))
    assert 0.8758 <= doc["rows"][0]["fcr_rate"] < 0.8759  # 87.58 %, to the digits given (87.5857 %)
