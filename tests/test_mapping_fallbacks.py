"""Mapping features: Amazon Connect InitiationMethod classes and outbound contacts, the
`first = [...]` and `when_empty` mapping features, unmapped-value messages, TOML-safe
starter mappings from `inspect`, and the mapping `[definitions]` layer."""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

import pytest
from conftest import REAL_DATA, ROOT, cli_json, report_of, session_of

from csmetrics.definitions.config import Config, resolve
from csmetrics.errors import ConfigError, InputError
from csmetrics.inputs.guess import toml_string
from csmetrics.inputs.mapping.model import Mapping, MappingError
from csmetrics.inputs.mapping.presets import load_preset

FIXTURES = Path(__file__).parent / "fixtures" / "presets"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


# -- Amazon Connect: every InitiationMethod class -------------------------------------------------
# amazon-connect-methods.{ndjson,csv}, 2024-03-05 (UTC), default definitions (short abandon < 5 s, SL 20 s):
#   inbound   m-in1  INBOUND         queued 10:00:00, agent 10:00:30 -> wait 30; talk 100 + acw 20 = 120
#             m-tr1  TRANSFER        queued 10:05:00, agent 10:05:10 -> wait 10; talk 60
#             m-qt1  QUEUE_TRANSFER  queued 10:10:00, no agent, disconnect 10:10:40 -> abandoned after 40 s
#             m-cb1  CALLBACK        queued 10:15:00, agent 10:15:05 -> wait 5; talk 200
#             m-api1 API (CHAT)      queued 10:20:00, agent 10:20:15 -> wait 15; talk 300
#             m-web1 WEBRTC_API      queued 10:25:00, disconnect 10:25:03 -> short abandon (3 s < 5 s)
#   outbound  m-out1 OUTBOUND (no EnqueueTimestamp), m-ext1 EXTERNAL_OUTBOUND (no Queue),
#             m-rep1 AGENT_REPLY (EMAIL, no Queue, no Agent): offered at InitiationTimestamp -> outbound 3
#   excluded  m-mon1 MONITOR, m-dis1 DISCONNECT, m-flw1 FLOW, and m-ivr1 INBOUND that never queued -> 4
# offered = answered 4 + abandoned 1 = 5 (short abandon out); ASA (30+10+5+15)/4 = 15;
# AHT (120+60+200+300)/4 = 170; SL = within 20 s (m-tr1, m-cb1, m-api1) 3/5 = 0.6; abandon rate 1/5 = 0.2
# rows_read 9 = 13 records - 4 excluded by the mapping; rejected 0
@pytest.mark.parametrize("fixture", ["amazon-connect-methods.ndjson", "amazon-connect-methods.csv"])
def test_connect_initiation_methods(cli, fixture):
    result = cli("report", FIXTURES / fixture, "--preset", "amazon-connect", "-f", "json", "--strict")
    doc = cli_json(result)
    [row] = doc["rows"]
    assert (row["offered"], row["answered"], row["abandoned"], row["short_abandoned"]) == (5, 4, 1, 1)
    assert (row["asa_seconds"], row["aht_seconds"]) == (15.0, 170.0)
    assert row["service_level"] == pytest.approx(0.6)
    assert row["abandon_rate"] == pytest.approx(0.2)
    q = doc["data_quality"]
    assert (q["outbound"], q["excluded_by_mapping"], q["rows_read"]) == (3, 4, 9)
    assert q["rejected"]["total"] == 0
    assert "3 outbound contact(s) excluded" in result.stderr


def test_connect_outbound_contacts(tmp_path):
    # OUTBOUND without a queue: offered_at = InitiationTimestamp, counted as outbound, never rejected
    data = _write(
        tmp_path,
        "ctr.csv",
        """
        ContactId,InitiationMethod,InitiationTimestamp,DisconnectTimestamp,LastUpdateTimestamp,Queue.EnqueueTimestamp,Agent.ConnectedToAgentTimestamp
        o1,OUTBOUND,2024-03-05T10:30:00Z,2024-03-05T10:35:00Z,2024-03-05T10:35:01Z,,2024-03-05T10:30:02Z
        i1,INBOUND,2024-03-05T10:39:50Z,2024-03-05T10:45:00Z,2024-03-05T10:45:01Z,2024-03-05T10:40:00Z,2024-03-05T10:40:12Z
    """,
    )
    engine = session_of([data], mapping=load_preset("amazon-connect"))
    rows = dict(
        engine.con.execute(
            "SELECT interaction_id, (direction, strftime(offered_at AT TIME ZONE 'UTC', '%H:%M:%S')) FROM contacts"
        ).fetchall()
    )
    # the inbound contact keeps Queue.EnqueueTimestamp (10:40:00), not InitiationTimestamp (10:39:50)
    assert rows == {"o1": ("outbound", "10:30:00"), "i1": ("inbound", "10:40:00")}
    report = report_of(engine)
    assert report.data_quality["outbound"] == 1
    assert report.data_quality["rejected"]["total"] == 0
    [row] = report.rows.to_dicts()
    assert (row["offered"], row["answered"], row["asa_seconds"]) == (1, 1, 12.0)  # 10:40:00 -> 10:40:12


def test_connect_unmapped_initiation_method_message(cli, tmp_path):
    data = _write(
        tmp_path,
        "ctr.csv",
        """
        ContactId,InitiationMethod,InitiationTimestamp,DisconnectTimestamp,LastUpdateTimestamp,Queue.EnqueueTimestamp
        x1,INBOUND,2024-03-05T10:00:00Z,2024-03-05T10:01:00Z,2024-03-05T10:01:00Z,2024-03-05T10:00:05Z
        x2,TELEPORT,2024-03-05T10:00:00Z,2024-03-05T10:01:00Z,2024-03-05T10:01:00Z,2024-03-05T10:00:05Z
    """,
    )
    result = cli("report", data, "--preset", "amazon-connect", "-q")
    assert result.exit_code == 3  # a data value the mapping does not cover (mapping errors exit 2)
    msg = " ".join(result.stderr.split())
    assert "line 3: columns.direction (export column 'InitiationMethod') cannot read 'TELEPORT'" in msg
    assert "'INBOUND'" in msg and "'EXTERNAL_OUTBOUND'" in msg and "'FLOW'" in msg  # the valid values
    assert 'add "TELEPORT" = VALUE to columns.direction.values' in msg
    assert "copy of the preset amazon-connect" in msg and "--mapping" in msg
    assert "expected text" not in msg


# -- generic mapping features ---------------------------------------------------------------------
EXPORT = """
    id,queued,started,answered,status,queue_name
    a,2024-03-05 10:00:10,2024-03-05 10:00:00,2024-03-05 10:00:25,in,Q
    b,,2024-03-05 11:00:00,2024-03-05 11:00:04,out,
    c,,2024-03-05 12:00:00,,in,
    d,2024-03-05 13:00:00,2024-03-05 12:59:00,,in,Q
    e,2024-03-05 14:00:00,2024-03-05 14:00:00,,test,Q
"""
MAPPING = """
    [columns]
    interaction_id = "id"
    offered_at = { first = ["queued", "started"] }
    answered_at = "answered"
    ended_at = { first = ["no_such_column", "answered"], optional = true }
    direction = { from = "status", values = { in = "inbound", out = "outbound", test = "" } }
    outcome = { from = "status", values = { in = "", out = "", test = "excluded" }, when_empty = { column = "queue_name", values = { in = "excluded" } } }
"""


def test_first_and_when_empty(tmp_path):
    data = _write(tmp_path, "export.csv", EXPORT)
    mapping = Mapping.from_toml(textwrap.dedent(MAPPING), "m.toml")
    assert mapping.source_columns().count("queue_name") == 1
    engine = session_of([data], mapping=mapping)
    rows = engine.con.execute(
        "SELECT interaction_id, strftime(offered_at AT TIME ZONE 'UTC', '%H:%M:%S'), direction FROM contacts ORDER BY 1"
    ).fetchall()
    # a: queued 10:00:10 wins over started; b: queued empty -> started 11:00:00 (outbound, not excluded:
    # its when_empty value is only for "in"); c: "in" with an empty queue_name -> excluded;
    # d: queued 13:00:00, no answer -> abandoned; e: "test" -> excluded
    assert rows == [("a", "10:00:10", "inbound"), ("b", "11:00:00", "outbound"), ("d", "13:00:00", "inbound")]
    report = report_of(engine)
    assert report.data_quality["excluded_by_mapping"] == 2
    assert report.data_quality["outbound"] == 1
    [row] = report.rows.to_dicts()
    # a answered after 15 s (10:00:10 -> 10:00:25); d: ended = first of [absent column, answered] = empty and
    # outcome "" lets the timestamps decide: no answer and no end -> still in progress
    assert (row["offered"], row["answered"], row["asa_seconds"]) == (1, 1, 15.0)
    assert report.data_quality["in_progress"] == 1


def test_first_checks_every_column_and_needs_one(tmp_path):
    data = _write(tmp_path, "export.csv", EXPORT.replace("2024-03-05 11:00:00", "yesterday"))
    mapping = Mapping.from_toml(textwrap.dedent(MAPPING), "m.toml")
    with pytest.raises(InputError) as e:
        session_of([data], mapping=mapping)
    assert "line 3: columns.offered_at (export column 'started') cannot read 'yesterday'" in str(e.value)
    bad = Mapping.from_toml(textwrap.dedent(MAPPING).replace('["queued", "started"]', '["q1", "q2"]'), "m.toml")
    with pytest.raises(MappingError) as e2:
        session_of([_write(tmp_path, "ok.csv", EXPORT)], mapping=bad)
    assert "columns.offered_at: none of the export columns ['q1', 'q2']" in str(e2.value)


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        ('offered_at = { first = "queued" }', "first = [COLUMN"),
        ('offered_at = { first = ["queued"], from = "started" }', "exactly one of"),
        ('outcome = { from = "s", values = { a = "" }, when_empty = { column = "q" } }', "when_empty"),
        (
            'outcome = { from = "s", values = { a = "" }, when_empty = { column = "q", values = { a = "won" } } }',
            "when_empty outcome values",
        ),
        ('queue = { from = "s", when_empty = { column = "q", values = { a = "b" } } }', "when_empty"),
    ],
)
def test_invalid_first_and_when_empty(line, needle):
    text = f'[columns]\ninteraction_id = "id"\nanswered_at = "a"\noffered_at = "o"\n{line}\n'
    text = text.replace('offered_at = "o"\noffered_at', "offered_at")
    with pytest.raises(MappingError) as e:
        Mapping.from_toml(text, "bad.toml")
    assert needle in str(e.value)


# -- inspect: starter mappings are valid TOML for any column name ---------------------------------
def test_toml_string_escapes():
    for s in ['Call "Id" 📞', "a\\b", "tab\there", "bell\x07", "del\x7f", "é ß 中"]:
        assert tomllib.loads(f"k = {toml_string(s)}")["k"] == s
    assert "📞" in toml_string("📞")  # kept as is, not \ud83d\udcde


def test_inspect_non_ascii_column_names(cli, tmp_path):
    data = _write(
        tmp_path,
        "export.csv",
        """
        "Call ""Id"" 📞",Start Time ⏰,Wait ⌛ (s),Statut → Status,Agent ✓ Zoë
        K1,2024-03-04 09:00:00,12,Answered,Zoë
        K2,2024-03-04 09:05:00,45,Abandoned,
        K3,2024-03-04 09:10:00,30,Answered,Zoë
    """,
    )
    result = cli("inspect", data, "-q")
    assert result.exit_code == 0, result.stderr
    assert "\\ud83d" not in result.stdout
    cols = tomllib.loads(result.stdout)["columns"]
    assert cols["interaction_id"] == 'Call "Id" 📞'
    path = tmp_path / "starter.toml"
    path.write_text(result.stdout, encoding="utf-8")
    doc = cli_json(cli("report", data, "--mapping", path, "-f", "json", "-q"))
    [row] = doc["rows"]
    # K1 answered after 12 s, K3 after 30 s; K2 abandoned after 45 s: offered 3, ASA 21
    assert (row["offered"], row["answered"], row["abandoned"], row["asa_seconds"]) == (3, 2, 1, 21.0)


# -- [definitions] in a mapping: defaults < csmetrics.toml < mapping < --set -----------------------
DEFS_MAPPING = """
    [columns]
    interaction_id = "id"
    offered_at = "offered"
    answered_at = "answered"
    ended_at = "ended"

    [definitions]
    abandon.short_abandon_seconds = 0
    service_level.threshold_seconds = 30
"""
DEFS_DATA = """
    id,offered,answered,ended
    a,2024-03-05 10:00:00,2024-03-05 10:00:25,2024-03-05 10:05:00
    b,2024-03-05 11:00:00,,2024-03-05 11:00:03
"""


def test_resolve_layer_order(tmp_path):
    config = _write(
        tmp_path,
        "csmetrics.toml",
        """
        [abandon]
        short_abandon_seconds = 10
        [service_level]
        threshold_seconds = 15
        [aht]
        include_acw = false
    """,
    )
    read = Config.read(config)
    mapping = Mapping.from_toml(textwrap.dedent(DEFS_MAPPING), "m.toml")
    assert mapping.definitions == {"abandon.short_abandon_seconds": 0, "service_level.threshold_seconds": 30}
    d = resolve(
        config=read,
        mapping_values=mapping.definitions,
        mapping_origin="mapping m.toml",
        assignments={"service_level.threshold_seconds": "40"},
    )
    assert d["aht.include_acw"] is False and d.sources["aht.include_acw"] == f"config {config}"  # config < mapping
    assert d["abandon.short_abandon_seconds"] == 0 and d.sources["abandon.short_abandon_seconds"] == "mapping m.toml"
    assert d["service_level.threshold_seconds"] == 40 and d.sources["service_level.threshold_seconds"] == "--set"
    assert d.sources["aht.include_hold"] == "default"
    with pytest.raises(ConfigError) as e:
        resolve(mapping_values={"abandon.nope": 1}, mapping_origin="mapping m.toml")
    assert "unknown parameter 'abandon.nope' (from mapping m.toml)" in str(e.value)


def test_mapping_definitions_in_report_and_fingerprint(cli, tmp_path):
    data = _write(tmp_path, "export.csv", DEFS_DATA)
    with_defs = _write(tmp_path, "with.toml", DEFS_MAPPING)
    without = _write(tmp_path, "without.toml", DEFS_MAPPING.split("[definitions]")[0])
    result = cli("report", data, "--mapping", with_defs, "-f", "json")
    doc = cli_json(result)
    assert (
        f"note: mapping {with_defs} sets abandon.short_abandon_seconds = 0, service_level.threshold_seconds = 30"
        in (" ".join(result.stderr.split()))
    )
    [row] = doc["rows"]
    # b abandoned after 3 s: a short abandon under the default 5 s, a counted abandon with 0 (off);
    # a answered after 25 s: within the mapping's 30 s threshold -> SL 1/2
    assert (row["offered"], row["abandoned"], row["service_level"]) == (2, 1, 0.5)
    assert doc["definitions"]["parameters"]["abandon.short_abandon_seconds"] == 0
    plain = cli_json(cli("report", data, "--mapping", without, "-f", "json", "-q"))
    [prow] = plain["rows"]
    assert (prow["offered"], prow["short_abandoned"], prow["service_level"]) == (1, 1, 0.0)  # 25 s > 20 s
    assert plain["definitions_fingerprint"] != doc["definitions_fingerprint"]
    # --set wins over the mapping, and gives the same fingerprint as the same values set by hand
    overridden = cli_json(
        cli(
            "report",
            data,
            "--mapping",
            with_defs,
            "-f",
            "json",
            "-q",
            "--set",
            "abandon.short_abandon_seconds=5",
            "--set",
            "service_level.threshold_seconds=20",
        )
    )
    assert overridden["definitions_fingerprint"] == plain["definitions_fingerprint"]
    defs = cli_json(cli("definitions", "--mapping", with_defs, "-f", "json"))
    [p] = [p for p in defs["parameters"] if p["name"] == "abandon.short_abandon_seconds"]
    assert (p["value"], p["source"]) == (0, f"mapping {with_defs}")
    assert defs["definitions_fingerprint"] == doc["definitions_fingerprint"]
    bad = _write(tmp_path, "bad.toml", DEFS_MAPPING.replace("service_level.threshold_seconds = 30", "sl = 30"))
    result = cli("report", data, "--mapping", bad, "-q")
    assert result.exit_code == 2
    assert "unknown parameter 'sl'" in result.stderr


PWC_CSV = REAL_DATA / "pwc_phonenow_call_centre_2021" / "call_center_dataset.csv"


@pytest.mark.skipif(not PWC_CSV.exists(), reason="../shared real data not present")
def test_pwc_default_run_counts_every_unanswered_call(cli):
    # The mapping's [definitions] turn short abandons off: 946 unanswered / 5,000 = 0.1892
    doc = cli_json(
        cli("report", PWC_CSV, "--mapping", ROOT / "examples" / "mappings" / "pwc_phonenow.toml", "-f", "json", "-q")
    )
    [row] = doc["rows"]
    assert (row["offered"], row["abandoned"], row["short_abandoned"]) == (5000, 946, 0)
    assert row["abandon_rate"] == pytest.approx(0.1892)
