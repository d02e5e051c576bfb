"""Every built-in preset reads its hand-written fixture (tests/fixtures/presets/) with hand-computed figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import cli_json

from csmetrics.inputs.inspect import inspect_file
from csmetrics.inputs.mapping.model import Mapping
from csmetrics.inputs.mapping.presets import load_preset, preset_names

FIXTURES = Path(__file__).parent / "fixtures" / "presets"

# preset, fixture file, expected figures (report over all inbound contacts, default definitions:
# short abandon < 5 s, service level threshold 20 s over offered = answered + abandoned, AHT = talk+hold+acw)
CASES = [
    # c-1 is delivered twice: the LastUpdateTimestamp 09:06:30 version (ACW 60, NextContactId c-3) wins.
    # c-1 answered after 20 s (09:00:00 -> 09:00:20): talk 270 + hold 30 + acw 60 = 360
    # c-2 abandoned after 45 s (enqueue 09:10:00, disconnect 09:10:45)
    # c-3 (transfer of c-1) answered after 10 s: talk 120
    # offered 3, answered 2, abandoned 1; ASA (20+10)/2 = 15; AHT (360+120)/2 = 240
    # SL: answered within 20 s = c-1 (20 <= 20) and c-3 -> 2/3; transfer rate 1/2 (c-1 has a NextContactId)
    (
        "amazon-connect",
        "amazon-connect.ndjson",
        {
            "offered": 3,
            "answered": 2,
            "abandoned": 1,
            "asa_seconds": 15.0,
            "aht_seconds": 240.0,
            "service_level": 2 / 3,
            "transfer_rate": 0.5,
        },
        {"duplicates_superseded": 1},
    ),
    (
        "amazon-connect",
        "amazon-connect.csv",
        {
            "offered": 3,
            "answered": 2,
            "abandoned": 1,
            "asa_seconds": 15.0,
            "aht_seconds": 240.0,
            "service_level": 2 / 3,
            "transfer_rate": 0.5,
        },
        {"duplicates_superseded": 1},
    ),
    # g1 answered after tAnswered 15000 ms: talk 200 + held 30 + acw 45 = 275
    # g2 abandoned after 3.5 s (conversationEnd - start): short abandon; g3 abandoned after 60 s
    # g4 outbound: excluded. offered 2, SL 1/2 (g1 within 20 s)
    (
        "genesys-cloud",
        "genesys-cloud.csv",
        {
            "offered": 2,
            "answered": 1,
            "abandoned": 1,
            "short_abandoned": 1,
            "asa_seconds": 15.0,
            "aht_seconds": 275.0,
            "service_level": 0.5,
        },
        {"outbound": 1},
    ),
    # 101 completed: created 11:00:00 + IVR 10 s = offered 11:00:10, wait 15 -> answered; 300+40+50 = 390
    # 102 abandoned_in_queue after wait 70 s; 103 abandoned_in_voicemail after 2 s: short abandon
    # 104 abandoned_in_ivr: excluded by the mapping; 105 outbound
    (
        "zendesk-talk",
        "zendesk-talk.ndjson",
        {
            "offered": 2,
            "answered": 1,
            "abandoned": 1,
            "short_abandoned": 1,
            "asa_seconds": 15.0,
            "aht_seconds": 390.0,
            "service_level": 0.5,
        },
        {"excluded_by_mapping": 1, "outbound": 1},
    ),
    # F1 queue wait 0:00:12, talk 4:00 + hold 0:20 + acw 1:00 = 320, TRANSFERS 1
    # F2 abandoned after 0:01:30; F3 wait 0:00:30, talk 2:00 + acw 0:30 = 150; F4 Manual = outbound
    # ASA (12+30)/2 = 21; AHT (320+150)/2 = 235; SL 1/3 (F1 only); transfer rate 1/2
    (
        "five9",
        "five9.csv",
        {
            "offered": 3,
            "answered": 2,
            "abandoned": 1,
            "asa_seconds": 21.0,
            "aht_seconds": 235.0,
            "service_level": 1 / 3,
            "transfer_rate": 0.5,
        },
        {"outbound": 1},
    ),
    # 5001 twice: lastUpdateTime 12:05 version wins (acw 35): wait 42; agentSeconds 180 includes the 20 s hold,
    # so talk 160 + hold 20 + acw 35 = 215 (not 235: hold is not counted twice)
    # 5002 abandoned after inQueueSeconds 33; 5003 (chat) wait 10, 600
    # ASA (42+10)/2 = 26; AHT (215+600)/2 = 407.5; SL 1/3 (5003 only)
    (
        "nice-cxone",
        "nice-cxone.ndjson",
        {
            "offered": 3,
            "answered": 2,
            "abandoned": 1,
            "asa_seconds": 26.0,
            "aht_seconds": 407.5,
            "service_level": 1 / 3,
        },
        {"duplicates_superseded": 1},
    ),
    # T1 wait 30, talk_time 300 includes its 15 s hold: talk 285 + hold 15 = 300; T6 wait 10, 200 talk, transfer;
    # T2 abandoned 70 s, T5 missed 40 s, T3 short_abandoned 3 s; T4 outbound.
    # offered 4; ASA 20; AHT (300+200)/2 = 250 (not 257.5: hold is not counted twice); SL 1/4; transfer 1/2
    (
        "talkdesk",
        "talkdesk.csv",
        {
            "offered": 4,
            "answered": 2,
            "abandoned": 2,
            "short_abandoned": 1,
            "asa_seconds": 20.0,
            "aht_seconds": 250.0,
            "service_level": 0.25,
            "transfer_rate": 0.5,
        },
        {"outbound": 1},
    ),
]


def test_every_preset_has_a_case():
    # the presets added for real exports (data lake, Asterisk, Talkdesk Explore) are tested on the vendor
    # fixtures (test_vendor_exports.py)
    assert preset_names() == [
        "amazon-connect",
        "amazon-connect-data-lake",
        "asterisk-queue-log",
        "five9",
        "genesys-cloud",
        "nice-cxone",
        "talkdesk",
        "talkdesk-contacts",
        "talkdesk-explore-calls",
        "zendesk-talk",
    ]
    assert {c[0] for c in CASES} == set(preset_names()) - {
        "amazon-connect-data-lake",
        "asterisk-queue-log",
        "talkdesk-contacts",
        "talkdesk-explore-calls",
    }


@pytest.mark.parametrize(("preset", "fixture", "expected", "quality"), CASES, ids=[c[1] for c in CASES])
def test_preset_reads_fixture(cli, preset, fixture, expected, quality):
    doc = cli_json(cli("report", FIXTURES / fixture, "--preset", preset, "--format", "json", "-q"))
    [row] = doc["rows"]
    for name, value in expected.items():
        assert row[name] == pytest.approx(value), name
    for name, value in quality.items():
        assert doc["data_quality"][name] == value, name
    assert doc["data_quality"]["rejected"]["total"] == 0


@pytest.mark.parametrize(("preset", "fixture"), [(c[0], c[1]) for c in CASES])
def test_inspect_recognises_preset(preset, fixture):
    result = inspect_file(FIXTURES / fixture)
    assert [p["preset"] for p in result.presets if p["matches"]] == [preset]
    assert Mapping.from_toml(result.mapping_text, "inspected").columns == load_preset(preset).columns


def test_amazon_connect_by_queue(cli):
    doc = cli_json(
        cli(
            "report",
            FIXTURES / "amazon-connect.ndjson",
            "--preset",
            "amazon-connect",
            "--by",
            "queue",
            "-f",
            "json",
            "-q",
        )
    )
    rows = {r["queue"]: r for r in doc["rows"]}
    # Billing: c-1 answered (20 s) + c-2 abandoned; Tech: c-3 answered (10 s)
    assert (rows["Billing"]["offered"], rows["Billing"]["abandon_rate"]) == (2, 0.5)
    assert (rows["Tech"]["offered"], rows["Tech"]["asa_seconds"]) == (1, 10.0)


def test_load_with_a_preset_into_the_store_reports_like_file_mode(cli, tmp_path):
    # The store keeps what the preset read: same rows as `report --preset`, and a reload is a no-op.
    fixture = FIXTURES / "amazon-connect.ndjson"
    db = tmp_path / "s.db"
    first = cli("load", fixture, "--preset", "amazon-connect", "--db", db, "-f", "json", "-q")
    assert first.exit_code == 0, first.stderr
    [rec] = cli_json(first)["loads"]
    assert (rec["inserted"], rec["kind"]) == (3, "interactions")  # c-1 twice -> one contact
    stored = cli_json(cli("report", "--db", db, "-f", "json", "-q"))
    direct = cli_json(cli("report", fixture, "--preset", "amazon-connect", "-f", "json", "-q"))
    assert stored["rows"] == direct["rows"]
    [again] = cli_json(cli("load", fixture, "--preset", "amazon-connect", "--db", db, "-f", "json", "-q"))["loads"]
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 3)
    refused = cli("load", fixture, "--preset", "amazon-connect", "--kind", "surveys", "--db", db)
    assert refused.exit_code == 2 and "read interaction exports" in refused.stderr
