"""``csmetrics staffing``: the model alone (every reference value of the staffing issue through the command's
JSON), and from data (hand-computed measured figures, the model called on them, the comparison and summary,
the patience estimate on the Anonymous Bank log, and a simulated Erlang A queue end to end).
"""

from __future__ import annotations

import datetime as dt
import json
import math

import duckdb
import numpy as np
import polars as pl
import pytest
from conftest import HEADER, REAL_DATA, ROOT
from queue_simulation import simulate_erlang_a, write_log
from test_json_contract import validate

from csmetrics import api
from csmetrics.render.table import layout
from csmetrics.staffing import erlang_a_metrics, erlang_c_metrics, required_agents
from csmetrics.staffing.queries import staffing_query


def digits(value: float, quoted: str) -> bool:
    """True when ``value`` agrees with the quoted reference to the decimals it was quoted with."""
    decimals = len(quoted.split(".")[1]) if "." in quoted else 0
    return abs(value - float(quoted)) <= 0.5 * 10.0**-decimals + 1e-12


def model(cli, *args: str) -> dict:
    result = cli("staffing", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    validate(document, "commands.schema.json", "staffing_model")
    return document


def by_agents(document: dict) -> dict[int, dict]:
    return {row["agents"]: row for row in document["rows"]}


# ----------------------------------------------------------------------------- model only: reference values


ERLANG_C = ("--volume", "100", "--interval", "30m", "--aht", "180", "--target", "0.8", "--threshold", "20")


def test_erlang_c_reference_table_through_the_command(cli):
    document = model(cli, *ERLANG_C, "--agents", "11,12,13,14")
    assert document["model"] == "erlang-c"
    assert document["inputs"]["interval_seconds"] == 1800
    rows = by_agents(document)
    for agents, p_wait, sl, asa in (
        (11, "0.6821182", "0.3896138", "122.78"),
        (12, "0.4493882", "0.640158", "40.445"),
        (13, "0.2852705", "0.7955948", "17.116"),
        (14, "0.1741319", "0.88835", "7.836"),
    ):
        assert digits(rows[agents]["p_wait"], p_wait)
        assert digits(rows[agents]["service_level"], sl)
        assert digits(rows[agents]["asa_seconds"], asa)
        assert rows[agents]["p_abandon"] is None
    assert digits(rows[11]["occupancy"], "0.90909")
    assert digits(rows[14]["occupancy"], "0.7142857")


def test_requirement_with_occupancy_caps_and_shrinkage(cli):
    capped = model(cli, *ERLANG_C, "--max-occupancy", "0.85", "--shrinkage", "0.3")
    assert capped["required"]["agents"] == 14
    assert capped["required"]["fte"] == 20
    tighter = model(cli, *ERLANG_C, "--max-occupancy", "0.70", "--shrinkage", "0.3")
    assert tighter["required"]["agents"] == 15
    assert tighter["required"]["fte"] == 22  # 15 / 0.7 = 21.43, rounded up to whole positions
    assert digits(by_agents(tighter)[15]["service_level"], "0.941")
    assert tighter["inputs"]["max_occupancy"] == 0.70


def test_fractional_requirement_through_the_command(cli):
    document = model(cli, *ERLANG_C, "--shrinkage", "0.3")
    assert digits(document["required"]["agents_fractional"], "13.037")
    assert digits(document["required"]["fte_fractional"], "18.62")  # 13.037 / 0.7, not rounded
    # without --agents the rows are the requirement +/- 3
    assert [r["agents"] for r in document["rows"]] == list(range(11, 18))


@pytest.mark.parametrize(
    ("volume", "agents", "p_wait"), [("123", "132", "0.3211"), ("12345", "12421", "0.3812"), ("1000", "900", "1")]
)
def test_large_traffic(cli, volume, agents, p_wait):
    # A erlangs = volume contacts per hour of 3600 s each
    document = model(cli, "--volume", volume, "--interval", "1h", "--aht", "3600", "--agents", agents)
    assert digits(document["rows"][0]["p_wait"], p_wait)


def test_overload_row_has_no_finite_asa(cli):
    row = model(cli, "--volume", "1000", "--interval", "1h", "--aht", "3600", "--agents", "900")["rows"][0]
    assert (row["service_level"], row["asa_seconds"], row["occupancy"]) == (0.0, None, 1.0)


def test_herzog_mean_waits(cli):
    herzog = ("--volume", "3.5", "--interval", "60s", "--aht", "180")
    assert digits(by_agents(model(cli, *herzog, "--agents", "13"))[13]["asa_seconds"], "26.56")
    erlang_a = by_agents(model(cli, *herzog, "--patience", "300", "--agents", "9,13"))
    assert digits(erlang_a[13]["asa_seconds"], "9.91")
    assert digits(erlang_a[9]["asa_seconds"], "56.62")


def test_erlang_a_reference_values_through_the_command(cli):
    document = model(cli, *ERLANG_C, "--patience", "300", "--agents", "11-14")
    assert document["model"] == "erlang-a"
    assert document["inputs"]["patience_seconds"] == 300
    rows = by_agents(document)
    for agents, sl in ((11, "0.6569"), (12, "0.7723"), (13, "0.8582"), (14, "0.9168")):
        assert digits(rows[agents]["service_level"], sl)
    fourteen = rows[14]
    assert digits(fourteen["p_wait"], "0.14526")
    assert digits(fourteen["p_abandon"], "0.013984")
    assert digits(fourteen["occupancy"], "0.704297")
    assert digits(fourteen["asa_seconds"] / 60, "0.069919")
    for row in document["rows"]:  # P(abandon) = theta x mean wait of all arrivals
        assert row["p_abandon"] == pytest.approx(row["asa_seconds"] / 300, rel=1e-12)


def test_erlang_b_through_the_command(cli):
    one_erlang = ("--model", "erlang-b", "--volume", "1", "--interval", "1h", "--aht", "3600")
    rows = by_agents(model(cli, *one_erlang, "--agents", "1,2"))
    assert rows[1]["p_block"] == pytest.approx(0.5, abs=1e-15)
    assert rows[2]["p_block"] == pytest.approx(0.2, abs=1e-15)
    ten = model(
        cli, "--model", "erlang-b", "--volume", "10", "--interval", "1h", "--aht", "3600", "--max-blocking", "0.02"
    )
    assert ten["required"]["agents"] == 17
    assert ten["inputs"]["max_blocking"] == 0.02
    hundred = model(cli, "--model", "erlang-b", "--volume", "100", "--interval", "1h", "--aht", "3600")
    assert hundred["required"]["agents"] == 117  # not the 118 of a widely copied table
    assert hundred["inputs"]["max_blocking"] == 0.01  # the default


def test_model_table_output(cli):
    result = cli("staffing", *ERLANG_C, "--max-occupancy", "0.85", "--shrinkage", "0.3")
    assert result.exit_code == 0, result.stderr
    assert "required: 14 agents (13.037 unrounded), occupancy <= 0.85" in result.stdout
    assert "FTE at 30% shrinkage: 20 (18.62 unrounded)" in result.stdout
    assert result.stderr == ""


def test_threshold_defaults_to_the_definitions(cli, tmp_path):
    config = tmp_path / "csmetrics.toml"
    config.write_text("[service_level]\nthreshold_seconds = 30\n", encoding="utf-8")
    document = model(cli, "--volume", "100", "--aht", "180", "--config", str(config))
    assert document["inputs"]["threshold_seconds"] == 30
    assert document["inputs"]["interval_seconds"] == 1800  # --interval defaults to 30m
    assert model(cli, "--volume", "100", "--aht", "180")["inputs"]["threshold_seconds"] == 20


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--volume", "100"), "--aht"),
        (("--volume", "100", "--aht", "180", "--target", "1.2"), "target"),
        (("--volume", "100", "--aht", "180", "--interval", "half an hour"), "interval"),
        (("--volume", "100", "--aht", "180", "--model", "erlang-a"), "--patience"),
        (("--volume", "100", "--aht", "180", "--model", "erlang-c", "--patience", "300"), "--patience"),
        (("--volume", "100", "--aht", "180", "--model", "erlang-x"), "--model"),
        (("--volume", "100", "--aht", "180", "--max-blocking", "0.01"), "erlang-b"),
        (("--volume", "100", "--aht", "180", "--agents", "12,x"), "agents"),
        (("--volume", "100", "--aht", "180", "--shrinkage", "1"), "shrinkage"),
        (("--volume", "100", "--aht", "180", "--by", "interval:30m"), "--by"),
        (("--volume", "100", "--aht", "180", "--format", "csv"), "--format"),
        (("--volume", "100", "--aht", "0"), "aht_seconds"),
        (("--volume", "100", "--aht", "180", "--max-abandon", "0.05"), "--max-abandon"),
    ],
)
def test_model_only_usage_errors_exit_2(cli, args, message):
    result = cli("staffing", *args)
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_no_inputs_names_both_modes(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CSMETRICS_DB", raising=False)
    result = cli("staffing")
    assert result.exit_code == 2
    assert "--volume and --aht" in result.stderr and "input files" in result.stderr


def test_model_only_refuses_input_files(cli, write_csv):
    path = write_csv(f"{HEADER}\n")
    result = cli("staffing", path, "--volume", "100", "--aht", "180")
    assert result.exit_code == 2
    assert "INPUTS" in result.stderr


# ----------------------------------------------------------------------------- from data: hand-computed

# Two queues. 09:00-09:30: billing c1 (wait 10 s), c2 (30 s), c3 abandoned after 60 s, c4 answered at once
# (wait 0), c5 a short abandon (2 s, left out of everything); handle 300 s each. 09:30-10:00: sales c6, c7,
# wait 5 s, handle 600 s. Offered 4 then 2; SL(20 s) 2/4 and 2/2; AHT 300 and 600.
# Patience: queued = offered with wait > 0 = c1, c2, c3, c6, c7; waits 10 + 30 + 60 + 5 + 5 = 110 s; 1 abandon.
CONTACTS = f"""
{HEADER}
c1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:05:10Z,voice,inbound,billing,A1,,,300,0,0,
c2,2024-03-04T09:05:00Z,2024-03-04T09:05:30Z,2024-03-04T09:10:30Z,voice,inbound,billing,A2,,,300,0,0,
c3,2024-03-04T09:10:00Z,,2024-03-04T09:11:00Z,voice,inbound,billing,,,,,,,
c4,2024-03-04T09:20:00Z,2024-03-04T09:20:00Z,2024-03-04T09:25:00Z,voice,inbound,billing,A1,,,300,0,0,
c5,2024-03-04T09:25:00Z,,2024-03-04T09:25:02Z,voice,inbound,billing,,,,,,,
c6,2024-03-04T09:30:00Z,2024-03-04T09:30:05Z,2024-03-04T09:40:05Z,voice,inbound,sales,A2,,,600,0,0,
c7,2024-03-04T09:40:00Z,2024-03-04T09:40:05Z,2024-03-04T09:50:05Z,voice,inbound,sales,A2,,,600,0,0,
"""
# 09:00: A1 on contact 20 min + available 10, A2 available 30: staffed (handling + available) 60 min = 2.0
# agents, on contact 0.667, logged in 2.0. 09:30: A1 break 15 + available 15, A2 available 30: staffed 45 min =
# 1.5, logged in 2.0. 10:00: A2 available 30 (A1 logged out): 1.0, no contacts.
STATES = """
agent_id,state,started_at,ended_at
A1,available,2024-03-04T09:00:00Z,2024-03-04T09:10:00Z
A1,on_contact,2024-03-04T09:10:00Z,2024-03-04T09:30:00Z
A1,break,2024-03-04T09:30:00Z,2024-03-04T09:45:00Z
A1,available,2024-03-04T09:45:00Z,2024-03-04T10:00:00Z
A1,logged_out,2024-03-04T10:00:00Z,2024-03-04T10:30:00Z
A2,available,2024-03-04T09:00:00Z,2024-03-04T10:30:00Z
"""
RATE = 1 / 1800  # per second: contacts in a 30-minute interval / 1800


@pytest.fixture
def inputs(write_csv):
    return write_csv(CONTACTS, "contacts.csv"), write_csv(STATES, "states.csv")


def staffing_json(cli, *args: str) -> dict:
    result = cli("staffing", *args, "--format", "json", "-q")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    validate(document, "report.schema.json")
    validate(document, "commands.schema.json", "staffing_data")
    return document


def test_from_data_with_states_hand_computed(cli, inputs):
    contacts, states = inputs
    document = staffing_json(cli, contacts, "--states", states, "--by", "interval:30m", "--shrinkage", "0.25")
    first, second, third = document["rows"]
    assert [r["interval"] for r in document["rows"]] == [
        "2024-03-04T09:00:00+00:00",
        "2024-03-04T09:30:00+00:00",
        "2024-03-04T10:00:00+00:00",
    ]
    # measured, from the report
    assert (first["offered"], first["aht_seconds"], first["abandon_rate"], first["service_level"]) == (
        4,
        300,
        0.25,
        0.5,
    )
    assert (second["offered"], second["aht_seconds"], second["abandon_rate"], second["service_level"]) == (2, 600, 0, 1)
    assert third["offered"] == 0 and third["aht_seconds"] is None and third["service_level"] is None
    # patience over every interval: 110 s of queue time, one abandon
    assert [r["patience_seconds"] for r in document["rows"]] == [110, 110, 110]
    # load: offered x AHT / 1800 s
    assert first["traffic_erlangs"] == pytest.approx(4 * 300 / 1800)
    assert second["traffic_erlangs"] == pytest.approx(2 * 600 / 1800)
    assert third["traffic_erlangs"] == 0
    # agents from the state log
    assert (first["staffed_agents"], first["on_contact_agents"], first["logged_in_agents"]) == pytest.approx(
        (2.0, 2 / 3, 2.0)
    )
    assert (second["staffed_agents"], second["on_contact_agents"], second["logged_in_agents"]) == (1.5, 0, 2.0)
    assert (third["staffed_agents"], third["logged_in_agents"]) == (1.0, 1.0)
    # the model on those figures (Erlang A with the estimated patience)
    for row, offered, aht, staffed in ((first, 4, 300.0, 2.0), (second, 2, 600.0, 1.5)):
        need = required_agents(offered * RATE, aht, 20, 0.8, patience_seconds=110.0, shrinkage=0.25)
        at_staffed = erlang_a_metrics(offered * RATE, aht, 110.0, staffed, 20)
        assert row["required_agents"] == need.agents
        assert row["required_agents_fractional"] == pytest.approx(need.agents_fractional, rel=1e-12)
        assert row["required_fte"] == math.ceil(need.agents / 0.75)
        assert row["required_fte"] == need.fte
        assert row["net_staffing"] == pytest.approx(staffed - need.agents_fractional, rel=1e-12)
        assert row["predicted_service_level"] == pytest.approx(at_staffed.service_level, rel=1e-12)
        assert row["predicted_abandon_rate"] == pytest.approx(at_staffed.p_abandon, rel=1e-12)
        assert row["service_level_gap"] == pytest.approx(row["service_level"] - at_staffed.service_level)
    # binomial SE of the measured level: sqrt(0.5 x 0.5 / 4) = 0.25; 2/2 met gives 0
    assert first["service_level_se"] == pytest.approx(0.25)
    assert second["service_level_se"] == 0
    # no contacts: nothing required, staffed agents are all surplus, nothing to predict
    assert (third["required_agents"], third["required_agents_fractional"], third["required_fte"]) == (0, 0, 0)
    assert third["net_staffing"] == 1.0
    assert third["predicted_service_level"] is None and third["gap_flagged"] is None
    (summary,) = document["summary"]
    required_hours = (first["required_agents_fractional"] + second["required_agents_fractional"]) / 2
    assert summary["intervals"] == 3
    assert summary["intervals_with_contacts"] == 2
    assert summary["intervals_without_aht"] == 0
    assert summary["required_agent_hours"] == pytest.approx(required_hours)
    assert summary["staffed_agent_hours"] == pytest.approx((2.0 + 1.5 + 1.0) / 2)
    assert summary["net_agent_hours"] == pytest.approx((2.0 + 1.5 + 1.0) / 2 - required_hours)
    nets = [r["net_staffing"] for r in document["rows"]]
    assert summary["understaffed_intervals"] == sum(n < 0 for n in nets)
    assert summary["overstaffed_intervals"] == sum(n > 0 for n in nets)
    assert summary["flagged_intervals"] == sum(bool(r["gap_flagged"]) for r in document["rows"])
    assert (summary["queued"], summary["queue_abandoned"], summary["queue_seconds"]) == (5, 1, 110)
    assert summary["estimated_patience_seconds"] == 110
    assert summary["model"] == "erlang-a"
    assert document["staffing"] == {
        "model": "erlang-a",
        "interval_seconds": 1800,
        "threshold_seconds": 20,
        "threshold_overrides": {},
        "target": 0.8,
        "patience_seconds": None,
        "patience": "estimated",
        "max_occupancy": None,
        "max_abandon": None,
        "max_asa_seconds": None,
        "shrinkage": 0.25,
    }
    names = [m["name"] for m in document["definitions"]["metrics"]]
    assert {"offered", "service_level", "required_agents", "staffed_agents", "gap_flagged"} <= set(names)
    assert document["data_quality"]["contacts_in_report"] == 7


def test_from_data_without_states_has_no_agent_columns(cli, inputs):
    contacts, _ = inputs
    document = staffing_json(cli, contacts)  # --by defaults to interval:30m
    assert document["group_by"] == ["interval"]
    assert list(document["rows"][0]) == [
        "interval",
        "offered",
        "aht_seconds",
        "abandon_rate",
        "patience_seconds",
        "traffic_erlangs",
        "required_agents",
        "required_agents_fractional",
        "required_fte",
        "service_level",
    ]
    assert len(document["rows"]) == 2
    assert "staffed_agent_hours" not in document["summary"][0]


def test_patience_and_model_per_queue(cli, inputs):
    contacts, states = inputs
    result = cli("staffing", contacts, "--states", states, "--by", "interval:30m,queue", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert "staffed agents are null" in result.stderr
    document = json.loads(result.stdout)
    rows = {r["queue"]: r for r in document["rows"]}
    # billing: 100 s of queue time, one abandon; sales: nobody abandoned, so no estimate and Erlang C
    assert rows["billing"]["patience_seconds"] == 100
    assert rows["sales"]["patience_seconds"] is None
    need = required_agents(2 * RATE, 600.0, 20, 0.8)
    assert rows["sales"]["required_agents_fractional"] == pytest.approx(need.agents_fractional, rel=1e-12)
    assert rows["billing"]["staffed_agents"] is None and rows["billing"]["predicted_service_level"] is None
    summary = {s["queue"]: s for s in document["summary"]}
    assert summary["billing"]["model"] == "erlang-a" and summary["sales"]["model"] == "erlang-c"
    assert (summary["billing"]["queued"], summary["billing"]["queue_seconds"]) == (3, 100)


def test_given_patience_threshold_and_erlang_c(cli, inputs):
    contacts, states = inputs
    given = staffing_json(cli, contacts, "--states", states, "--patience", "240", "--threshold", "10")
    first = given["rows"][0]
    assert first["patience_seconds"] == 240
    assert given["staffing"]["patience"] == "given"
    assert given["definitions"]["parameters"]["service_level.threshold_seconds"] == 10
    assert given["definitions"]["sources"]["service_level.threshold_seconds"] == "--threshold"
    assert first["service_level"] == 0.5  # c4 (wait 0) and c1, whose 10 s wait is at the threshold (inclusive)
    need = required_agents(4 * RATE, 300.0, 10, 0.8, patience_seconds=240.0)
    assert first["required_agents_fractional"] == pytest.approx(need.agents_fractional, rel=1e-12)
    erlang_c = staffing_json(cli, contacts, "--states", states, "--model", "erlang-c")
    first = erlang_c["rows"][0]
    assert first["predicted_abandon_rate"] is None
    assert first["predicted_service_level"] == pytest.approx(erlang_c_metrics(4 * RATE, 300.0, 2.0, 20).service_level)
    assert erlang_c["summary"][0]["model"] == "erlang-c"


def test_denominator_is_offered_with_a_note(cli, inputs):
    contacts, _ = inputs
    result = cli("staffing", contacts, "--set", "service_level.denominator=answered", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert "service_level.denominator is offered here (it was answered, from --set)" in result.stderr
    document = json.loads(result.stdout)
    assert document["definitions"]["parameters"]["service_level.denominator"] == "offered"
    assert document["rows"][0]["service_level"] == 0.5  # over offered, not 2/3 over answered


def test_queue_thresholds_give_each_row_its_own(cli, inputs):
    # billing judged at 5 s: c1 (10 s) and c2 (30 s) now miss, c4 (0 s) meets, c3 abandoned -> 1/4
    contacts, _ = inputs
    billing_5s = ("--set", "queues.billing.service_level.threshold_seconds=5")
    document = staffing_json(cli, contacts, "--by", "interval:30m,queue", *billing_5s)
    rows = {r["queue"]: r for r in document["rows"]}
    assert rows["billing"]["service_level"] == 0.25 and rows["sales"]["service_level"] == 1
    billing = required_agents(4 * RATE, 300.0, 5, 0.8, patience_seconds=100.0)
    sales = required_agents(2 * RATE, 600.0, 20, 0.8)  # nobody abandoned in sales: Erlang C
    at_20s = required_agents(4 * RATE, 300.0, 20, 0.8, patience_seconds=100.0)
    assert billing.agents_fractional > at_20s.agents_fractional + 0.04  # the threshold matters here
    assert rows["billing"]["required_agents_fractional"] == pytest.approx(billing.agents_fractional, rel=1e-12)
    assert rows["sales"]["required_agents_fractional"] == pytest.approx(sales.agents_fractional, rel=1e-12)
    assert document["staffing"]["threshold_seconds"] == 20
    assert document["staffing"]["threshold_overrides"] == {"queue": {"billing": 5}}


def test_thresholds_the_rows_do_not_split_by_exit_2(cli, inputs):
    contacts, _ = inputs
    billing_5s = ("--set", "queues.billing.service_level.threshold_seconds=5")
    result = cli("staffing", contacts, "--by", "interval:30m", *billing_5s)
    assert result.exit_code == 2
    assert "differs by queue (billing 5 s; 20 s otherwise)" in result.stderr
    assert "--by interval:30m,queue" in result.stderr and "--threshold" in result.stderr
    # an override equal to the global threshold changes nothing, so it needs no split
    same = staffing_json(cli, contacts, "--set", "queues.billing.service_level.threshold_seconds=20")
    assert same["rows"][0]["service_level"] == 0.5


def test_threshold_option_applies_to_every_contact(cli, inputs):
    contacts, _ = inputs
    args = ("--set", "queues.billing.service_level.threshold_seconds=5", "--threshold", "30", "-f", "json")
    result = cli("staffing", contacts, *args)
    assert result.exit_code == 0, result.stderr
    assert (
        "--threshold 30 applies to every contact (it replaces queues.billing.service_level.threshold_seconds = 5)"
        in (result.stderr)
    )
    document = json.loads(result.stdout)
    parameters = document["definitions"]["parameters"]
    assert parameters["queues.billing.service_level.threshold_seconds"] == 30
    assert document["rows"][0]["service_level"] == 0.75  # c1 (10 s), c2 (30 s, inclusive), c4 (0 s) of 4 offered
    assert document["staffing"]["threshold_overrides"] == {"queue": {"billing": 30}}


def test_scoped_denominator_is_offered_too(cli, inputs):
    contacts, _ = inputs
    result = cli("staffing", contacts, "--set", "queues.billing.service_level.denominator=answered", "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert "queues.billing.service_level.denominator = answered, from --set" in result.stderr
    document = json.loads(result.stdout)
    assert document["definitions"]["parameters"]["queues.billing.service_level.denominator"] == "offered"
    assert document["rows"][0]["service_level"] == 0.5  # 2 of 4 offered, not 2 of 3 answered


def test_period_limits_rows_and_patience(cli, inputs):
    contacts, states = inputs
    document = staffing_json(cli, contacts, "--states", states, "--from", "2024-03-05", "--to", "2024-03-05")
    assert document["rows"] == []
    assert document["summary"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--by", "day"), "interval:15m"),
        (("--by", "queue"), "interval:15m"),
        (("--by", "interval:30m,agent"), "no agent"),
        (("--by", "interval:30m,hour"), "interval:15m"),
        (("--by", "fortnight"), "unknown grouping"),
        (("--agents", "12"), "--agents"),
        (("--interval", "15m"), "--interval"),
        (("--max-blocking", "0.01"), "--max-blocking"),
        (("--model", "erlang-b"), "--model"),
        (("--target", "0"), "target"),
        (("--threshold", "20.5"), "service_level.threshold_seconds"),
        (("--patience", "-3"), "patience"),
        (("--max-occupancy", "1.5"), "max_occupancy"),
        (("--model", "erlang-c", "--max-abandon", "0.05"), "--max-abandon"),
    ],
)
def test_from_data_usage_errors_exit_2(cli, inputs, args, message):
    contacts, _ = inputs
    result = cli("staffing", contacts, *args)
    assert result.exit_code == 2, result.stdout
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_from_data_table_and_csv(cli, inputs):
    contacts, states = inputs
    table = cli("staffing", contacts, "--states", states, "-q")
    assert table.exit_code == 0, table.stderr
    assert "Summary" in table.stdout and "required_agent_hours" in table.stdout
    csv = cli("staffing", contacts, "--states", states, "-q", "-f", "csv")
    frame = pl.read_csv(csv.stdout.encode())
    assert frame.columns[:2] == ["interval", "offered"]
    assert frame.get_column("staffed_agents").to_list() == [2.0, 1.5, 1.0]


def test_terminal_panels_name_the_staffing_columns(write_csv):
    # one answered contact (wait 10 s, 300 s) in each of twelve half-hours: too many groups for metrics as rows
    start = dt.datetime(2024, 3, 4, 8, tzinfo=dt.UTC)
    lines = []
    for i in range(12):
        at = start + dt.timedelta(minutes=30 * i)
        answered, ended = at + dt.timedelta(seconds=10), at + dt.timedelta(seconds=310)
        lines.append(f"k{i},{at:%Y-%m-%dT%H:%M:%SZ},{answered:%Y-%m-%dT%H:%M:%SZ},{ended:%Y-%m-%dT%H:%M:%SZ},"
                     "voice,inbound,billing,A1,,,300,0,0,")  # fmt: skip
    contacts = write_csv("\n".join([HEADER, *lines]) + "\n")
    states = write_csv("agent_id,state,started_at,ended_at\nA1,available,2024-03-04T08:00:00Z,2024-03-04T14:00:00Z\n")
    request = api.ReportRequest(
        inputs=api.Inputs(interactions=(str(contacts),), states=(str(states),)), definitions=api.definitions()
    )
    report = api.staffing(request, api.StaffingSpec())
    assert len(report.rows) == 12
    tables = layout(report, 110)  # too narrow for one table: panels
    titles = [str(t.title) for t in tables]
    assert any("Staffing" in t for t in titles) and not any("Agent time" in t for t in titles)
    staffing = [t for t in tables if "Staffing" in str(t.title)]
    headers = {str(c.header) for t in staffing for c in t.columns}
    assert {"req", "staffed", "net", "flag"} <= headers and "offered" not in headers


# ----------------------------------------------------------------------------- the comparison's boundaries


def compare(rows: list[dict]) -> list[bool | None]:
    """sql/staffing/compare.sql over hand-made rows."""
    frame = pl.DataFrame(
        rows,
        schema={
            "offered": pl.Int64,
            "service_level": pl.Float64,
            "service_level_se": pl.Float64,
            "predicted_service_level": pl.Float64,
            "staffed_agents": pl.Float64,
            "required_agents_fractional": pl.Float64,
        },
    )
    con = duckdb.connect()
    con.register("staffing_rows", frame)
    return con.sql(staffing_query("compare").sql).pl().get_column("gap_flagged").to_list()


def se(p: float, n: int) -> float:
    return math.sqrt(p * (1 - p) / n)


def test_gap_flag_boundaries():
    base = {"staffed_agents": 1.0, "required_agents_fractional": 1.0}
    flags = compare(
        [
            # SL 0.5 of 16: SE 0.125, 2 SE = 0.25; predicted 0.25 has SE 0.108 (smaller): a gap of exactly 2 SE
            {"offered": 16, "service_level": 0.5, "service_level_se": se(0.5, 16), "predicted_service_level": 0.25}
            | base,
            # just over: predicted 0.2 (SE 0.1) gives a gap of 0.3 > 0.25
            {"offered": 16, "service_level": 0.5, "service_level_se": se(0.5, 16), "predicted_service_level": 0.2}
            | base,
            # every contact in time (measured SE 0): the predicted level's SE, 0.2165 for 0.75 of 4, decides
            {"offered": 4, "service_level": 1.0, "service_level_se": 0.0, "predicted_service_level": 0.75} | base,
            # ... and a gap beyond that one is flagged: predicted 0.1 of 100, SE 0.03
            {"offered": 100, "service_level": 1.0, "service_level_se": 0.0, "predicted_service_level": 0.9} | base,
            # unknown predicted level: no flag either way
            {"offered": 4, "service_level": 0.5, "service_level_se": 0.25, "predicted_service_level": None} | base,
        ]
    )
    assert flags == [False, True, False, True, None]


# ----------------------------------------------------------------------------- real data: patience


BANK = REAL_DATA / "anonymous_bank_feb1999" / "data_anonymous_bank_february.txt"
BANK_MAP = ROOT / "examples" / "mappings" / "anonymous_bank.toml"


@pytest.mark.real_data
@pytest.mark.skipif(not BANK.exists(), reason="../shared/real_data is absent")
def test_anonymous_bank_patience(cli):
    # With IVR hang-ups (q_time 0) left out as contacts that never queued and every other abandon kept
    # (short-abandon limit off): 18,028 queued, 3,932 abandons, 1,367,207 s of queue time -> 347.7 s,
    # five times the naive mean wait of the abandoners (66 s). Per queue: PS 449.3 s, NW 213.2 s.
    # (Erlang C keeps the per-hour requirements cheap; the estimate does not depend on the model.)
    def summary(by: str, *sets: str) -> list[dict]:
        args = ("--mapping", BANK_MAP, "--by", by, "--model", "erlang-c", "-f", "json", "-q")
        result = cli("staffing", BANK, *args, *(x for s in sets for x in ("--set", s)))
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)["summary"]

    (whole,) = summary("hour", "abandon.short_abandon_seconds=0")
    assert (whole["queued"], whole["queue_abandoned"], whole["queue_seconds"]) == (18028, 3932, 1367207)
    assert digits(whole["estimated_patience_seconds"], "347.7")
    per_queue = {
        s["queue"]: s["estimated_patience_seconds"] for s in summary("hour,queue", "abandon.short_abandon_seconds=0")
    }
    assert digits(per_queue["PS"], "449.3") and digits(per_queue["NW"], "213.2")
    # under the default 5 s limit the 188 abandons after 1-4 s are short abandons, out of both parts:
    # 3,744 abandons over 1,366,795 s = 365.06 s
    (default,) = summary("hour")
    assert (default["queue_abandoned"], default["queue_seconds"]) == (3744, 1366795)
    assert digits(default["estimated_patience_seconds"], "365.06")


# ----------------------------------------------------------------------------- simulation, end to end


def test_simulated_erlang_a_log_converges_to_the_prediction(cli, tmp_path):
    """An M/M/N+M queue (100 contacts per 30 min, AHT 180 s, patience 300 s, 12 agents) simulated for 240
    half-hours, written as a contact log and a state log, read back by ``csmetrics staffing``."""
    lam, aht, patience, agents, intervals = 100 / 1800, 180.0, 300.0, 12, 240
    sim = simulate_erlang_a(20261130, lam, aht, patience, agents, int(intervals * 100 * 1.1))
    contacts, states = write_log(sim, dt.datetime(2024, 3, 4), intervals * 1800, agents, tmp_path)
    document = staffing_json(cli, contacts, "--states", states, "--set", "abandon.short_abandon_seconds=0")
    rows = document["rows"]
    assert len(rows) == intervals
    assert {r["staffed_agents"] for r in rows} == {agents}
    offered = np.array([r["offered"] for r in rows], dtype=float)
    measured_sl = np.array([r["service_level"] for r in rows])
    measured_ab = np.array([r["abandon_rate"] for r in rows])
    truth = erlang_a_metrics(lam, aht, patience, agents, 20)
    # Contacts of one interval share the queue, so the sampling error is taken between intervals: the
    # offered-weighted mean over intervals, with the ratio estimator's SE over the intervals.

    def ratio_and_se(values: np.ndarray) -> tuple[float, float]:
        ratio = float((values * offered).sum() / offered.sum())
        residuals = offered * (values - ratio)
        return ratio, float(np.sqrt((residuals**2).sum() * intervals / (intervals - 1)) / offered.sum())

    sl, sl_se = ratio_and_se(measured_sl)
    ab, ab_se = ratio_and_se(measured_ab)
    assert abs(sl - truth.service_level) < 3 * sl_se
    assert abs(ab - truth.p_abandon) < 3 * ab_se
    assert 0 < sl_se < 0.02
    # the patience estimate from the log converges to the true mean patience (ML estimator; SE ~ 1/sqrt(abandons))
    (summary,) = document["summary"]
    assert abs(summary["estimated_patience_seconds"] - patience) < 3 * patience / math.sqrt(summary["queue_abandoned"])
    # the tool's own per-interval predictions (measured AHT and estimated patience at 12 staffed agents) agree
    # with the measured level on average; the interval AHT is an estimate, so the tolerance is wider
    predicted = np.array([r["predicted_service_level"] for r in rows])
    assert abs(float(predicted.mean()) - float(measured_sl.mean())) < 0.04
    # what the binomial SE leaves out: interval-to-interval spread is several times the binomial SE, so
    # even a model that describes the queue exactly sees many intervals flagged (docs/staffing.md)
    binomial = np.array([r["service_level_se"] for r in rows])
    assert float(measured_sl.std()) > 2.5 * float(binomial.mean())
    assert 0.05 < summary["flagged_intervals"] / intervals < 0.7
