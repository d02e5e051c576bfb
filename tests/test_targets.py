"""Targets: parsing, evaluation on report rows, boundaries, no data, exit 4."""

from __future__ import annotations

import json
import tomllib

import pytest
from conftest import HEADER, ROOT, report_of, session_of

from csmetrics.analysis.targets import Target, evaluate, parse_target, targets_from_config
from csmetrics.errors import ConfigError

# Queue a: 2 answered after 10 s and 30 s -> ASA 20, service level (20 s) = 1/2 = 0.5.
# Queue b: 1 abandoned after 60 s -> offered 1, answered 0, ASA null, service level 0/1 = 0.
ROWS = f"""
{HEADER}
1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:05:10Z,voice,inbound,a,x1,c1,r,,,,
2,2024-03-04T09:10:00Z,2024-03-04T09:10:30Z,2024-03-04T09:15:30Z,voice,inbound,a,x1,c2,r,,,,
3,2024-03-04T09:20:00Z,,2024-03-04T09:21:00Z,voice,inbound,b,,c3,r,,,,
"""


@pytest.fixture
def report(write_csv):
    path = write_csv(ROWS)
    session = session_of([path])
    return lambda by=None: report_of(session, group_by=by)


def test_parse_target_forms():
    assert parse_target("service_level>=0.8") == Target("service_level", ">=", 0.8)
    assert parse_target(" asa_seconds <= 30 ") == Target("asa_seconds", "<=", 30.0)
    assert parse_target("csat>=90%").bound == pytest.approx(0.9)
    t = parse_target("queue=billing,channel=chat:abandon_rate<5%")
    assert (t.metric, t.op, t.bound, t.where) == (
        "abandon_rate",
        "<",
        0.05,
        (("queue", "billing"), ("channel", "chat")),
    )
    assert parse_target("offered==3").op == "=="
    assert parse_target("offered>2").op == ">"
    for bad in ("service_level", "service_level=>0.8", "service_level>=high", "queue:offered>1", "1x>=2"):
        with pytest.raises(ConfigError, match="target"):
            parse_target(bad)


def test_targets_from_toml_table_and_list():
    raw = tomllib.loads(
        """
        [targets]
        service_level = ">= 80%"
        asa_seconds = ["<= 30", "> 0"]
        [targets."queue=billing"]
        abandon_rate = "< 0.05"
        """
    )["targets"]
    got = [(t.metric, t.op, t.bound, t.where) for t in targets_from_config(raw)]
    assert got == [
        ("service_level", ">=", 0.8, ()),
        ("asa_seconds", "<=", 30.0, ()),
        ("asa_seconds", ">", 0.0, ()),
        ("abandon_rate", "<", 0.05, (("queue", "billing"),)),
    ]
    assert [t.text for t in targets_from_config(["offered>=1", "queue=a:asa_seconds<=20"])] == [
        "offered>=1",
        "queue=a:asa_seconds<=20",
    ]
    with pytest.raises(ConfigError, match="GROUP=VALUE"):
        targets_from_config({"service_level": {"x": ">= 1"}})
    with pytest.raises(ConfigError, match="expected a string"):
        targets_from_config({"service_level": 0.8})


def test_boundaries_are_inclusive_only_for_inclusive_operators(report):
    r = report()  # one row: ASA (10 + 30) / 2 = 20, offered 3
    outcomes = {
        t: evaluate([parse_target(t)], r).results[0]["outcome"]
        for t in (
            "asa_seconds<=20",
            "asa_seconds<20",
            "asa_seconds>=20",
            "asa_seconds>20",
            "asa_seconds==20",
            "offered>=3",
            "offered>3",
        )
    }
    assert outcomes == {
        "asa_seconds<=20": "met",
        "asa_seconds<20": "missed",
        "asa_seconds>=20": "met",
        "asa_seconds>20": "missed",
        "asa_seconds==20": "met",
        "offered>=3": "met",
        "offered>3": "missed",
    }


def test_per_group_targets_and_no_data(report):
    r = report("queue")
    res = evaluate([parse_target("asa_seconds<=25")], r)
    # queue a: ASA 20 <= 25 met; queue b: nobody answered, ASA null -> no_data
    assert [(x["group"], x["value"], x["outcome"]) for x in res.results] == [
        ({"queue": "a"}, 20.0, "met"),
        ({"queue": "b"}, None, "no_data"),
    ]
    assert not res.ok  # no data counts as missed by default
    assert evaluate([parse_target("asa_seconds<=25")], r, allow_no_data=True).ok
    only_a = evaluate([parse_target("queue=a:service_level>=0.5")], r)
    # queue a: 1 of 2 within 20 s -> 0.5 >= 0.5 met
    assert [(x["group"], x["value"], x["outcome"]) for x in only_a.results] == [({"queue": "a"}, 0.5, "met")]
    assert only_a.ok
    nobody = evaluate([parse_target("queue=zzz:offered>=1")], r)
    assert [(x["group"], x["outcome"]) for x in nobody.results] == [({"queue": "zzz"}, "no_data")]


def test_unknown_metric_or_group_is_a_clear_usage_error(report):
    # occupancy needs --states, which this report was not given
    with pytest.raises(ConfigError, match="no metric 'occupancy' in this report"):
        evaluate([parse_target("occupancy>=90%")], report())
    with pytest.raises(ConfigError, match="add --by queue"):
        evaluate([parse_target("queue=a:offered>=1")], report())


def test_a_rate_target_above_one_is_refused_with_the_percent_form(report):
    with pytest.raises(ConfigError, match=r"rate between 0 and 1.*service_level>=0.9 or service_level>=90%"):
        evaluate([parse_target("service_level>=90")], report())
    # 1 itself is a reachable rate; counts and seconds are not rates
    assert evaluate([parse_target("service_level<=1")], report()).ok
    assert evaluate([parse_target("offered>=3"), parse_target("asa_seconds<=90")], report()).ok


def test_examples_targets_toml_parses_and_present_metrics_evaluate(report):
    raw = tomllib.loads((ROOT / "examples" / "targets.toml").read_text())["targets"]
    targets = targets_from_config(raw)
    assert {(t.metric, t.op, t.bound) for t in targets} == {
        ("csat", ">=", 0.9),
        ("asa_seconds", "<=", 30.0),
        ("fcr_rate", ">=", 0.95),
        ("repeat_rate", "<=", 0.05),
        ("contacts_per_agent_hour", ">=", 10.0),
    }
    r = report()
    present = [t for t in targets if t.metric in {m.name for m in r.metrics}]
    assert any(t.metric == "asa_seconds" for t in present)
    res = evaluate(present, r)
    asa = next(x for x in res.results if x["metric"] == "asa_seconds")
    assert (asa["value"], asa["outcome"]) == (20.0, "met")  # 20 <= 30


def test_check_cli_exit_codes_and_json(write_csv, cli, tmp_path):
    path = write_csv(ROWS)
    ok = cli("check", path, "-t", "asa_seconds<=20", "-t", "offered>=3")
    assert ok.exit_code == 0
    assert ok.stdout.splitlines() == ["MET     asa_seconds<=20: 20", "MET     offered>=3: 3"]
    missed = cli("check", path, "-t", "asa_seconds<20", "-f", "json")
    assert missed.exit_code == 4
    doc = json.loads(missed.stdout)
    assert doc["ok"] is False and doc["summary"]["missed"] == 1
    assert doc["results"][0] == {
        "target": "asa_seconds<20",
        "metric": "asa_seconds",
        "operator": "<",
        "bound": 20.0,
        "where": {},
        "group": {},
        "value": 20.0,
        "outcome": "missed",
        "origin": "--target",
    }
    assert "1 target evaluation(s) missed" in missed.stderr
    # report --check: the report on stdout, the verdict on stderr, exit 4
    rep = cli("report", path, "--check", "-t", "offered>3", "-f", "json")
    assert rep.exit_code == 4
    assert json.loads(rep.stdout)["rows"][0]["offered"] == 3
    assert "MISSED  offered>3: 3" in rep.stderr
    # targets from the config file; --target replaces them
    cfg = tmp_path / "t.toml"
    cfg.write_text('[targets]\noffered = ">= 4"\n')
    assert cli("check", path, "-c", cfg).exit_code == 4
    assert cli("check", path, "-c", cfg, "-t", "offered>=3").exit_code == 0
    # a metric absent from the report: a clear message, exit 2
    absent = cli("check", path, "-t", "occupancy>=90%")
    assert absent.exit_code == 2 and "no metric 'occupancy'" in absent.stderr
    assert cli("check", path).exit_code == 2  # no targets at all
