"""Real vendor exports as the platforms deliver them (tests/fixtures/vendors/, sources in each folder's README).

Every expected figure is worked out by hand from the records (the arithmetic is beside each case here and, contact by
contact, in the folder's EXPECTED.md). Default definitions: short abandon < 5 s, service level 20 s over offered,
AHT = talk + hold + ACW.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import cli_json

from csmetrics.inputs.inspect import inspect_file
from csmetrics.inputs.interactions import plan_interactions
from csmetrics.inputs.mapping.presets import load_preset, preset_names, presets_dir

VENDORS = Path(__file__).parent / "fixtures" / "vendors"

# preset, fixture (under tests/fixtures/vendors), expected report figures, expected data_quality counts
CASES = [
    # Amazon Connect, one real contact delivered 6 times (3 versions x 2, Firehose at-least-once): the newest
    # LastUpdateTimestamp wins. Enqueued 17:14:46, connected to the agent 17:20:32: wait 346 s (> 20 s: SL 0).
    # AgentInteractionDuration 239 excludes the 221 s hold (connect -> transfer is 239 + 221 = 460 s); ACW 5:
    # AHT 239 + 221 + 5 = 465. An external transfer (TransferCompletedTimestamp, TransferredToEndpoint, no
    # NextContactId) is a transfer: rate 1/1.
    *[
        (
            "amazon-connect",
            f"amazon-connect/{name}",
            {
                "offered": 1,
                "answered": 1,
                "abandoned": 0,
                "asa_seconds": 346.0,
                "service_level": 0.0,
                "aht_seconds": 465.0,
                "avg_talk_seconds": 239.0,
                "avg_hold_seconds": 221.0,
                "acw_seconds": 5.0,
                "transfer_rate": 1.0,
            },
            quality,
        )
        for name, quality in [
            # array: 6 deliveries, each version twice: 1 identical copy of the newest merged, 4 older superseded
            ("ctr-batch-array.json", {"rows_read": 6, "duplicates_merged": 1, "duplicates_superseded": 4}),
            ("ctr-firehose-concatenated.json", {"rows_read": 6, "duplicates_merged": 1, "duplicates_superseded": 4}),
            ("ctr-firehose-jsonlines.jsonl", {"rows_read": 3, "duplicates_merged": 0, "duplicates_superseded": 2}),
        ]
    ],
    # the same contact as one row of the analytics data lake (durations in ms: 239000, 221000, 5000)
    (
        "amazon-connect-data-lake",
        "amazon-connect/contact-record-datalake-DERIVED.csv",
        {
            "offered": 1,
            "answered": 1,
            "asa_seconds": 346.0,
            "aht_seconds": 465.0,
            "avg_hold_seconds": 221.0,
            "transfer_rate": 1.0,
        },
        {"rows_read": 1},
    ),
    # Genesys Cloud API page {"conversations": [...]}: a chat answered 11.179 s after queue entry (talk 374.561,
    # held 544.176, no ACW: 918.737) and a voice call answered 12.411 s after queue entry by the second agent
    # (talk 374.894, ACW 3.000 of the answering agent only: 377.894). ASA (11.179 + 12.411) / 2 = 11.795;
    # AHT (918.737 + 377.894) / 2 = 648.3155; hold (544.176 + 0) / 2 = 272.088; ACW (0 + 3) / 2 = 1.5.
    (
        "genesys-cloud",
        "genesys-cloud/conversation-details-page.json",
        {
            "offered": 2,
            "answered": 2,
            "abandoned": 0,
            "asa_seconds": 11.795,
            "service_level": 1.0,
            "aht_seconds": 648.3155,
            "avg_talk_seconds": 374.7275,
            "avg_hold_seconds": 272.088,
            "acw_seconds": 1.5,
            "transfer_rate": 0.0,
        },
        {"rows_read": 2, "contacts": 2},
    ),
    # an abandon 30.5 s after queue entry (tAbandon 30500; 95.062 s after conversationStart, IVR included)
    (
        "genesys-cloud",
        "genesys-cloud/conversation-abandoned-CONSTRUCTED.json",
        {"offered": 1, "answered": 0, "abandoned": 1, "short_abandoned": 0, "avg_wait_seconds": 30.5},
        {"rows_read": 1},
    ),
    # Zendesk Talk API page {"calls": [...]}: 6 records, one call twice; the failed outbound call is excluded by
    # the preset, the 4 other calls are outbound: no queue contact, every rate empty, exit 0.
    (
        "zendesk-talk",
        "zendesk-talk/incremental-calls-page.json",
        {"offered": 0, "answered": 0, "abandoned": 0, "asa_seconds": None, "aht_seconds": None},
        {"excluded_by_mapping": 1, "duplicates_merged": 1, "contacts": 4, "outbound": 4},
    ),
    # NICE CXone, 2 answered calls (string values "False", "13"): offered = contactStart + 5 s preQueue, wait 13 s
    # (inQueueSeconds), agentSeconds 277 with hold 0, ACW 187: AHT 277 + 0 + 187 = 464. Old wrapper
    # {"resultSet": {"completedContacts": [...]}} with contactStart/ACWSeconds and the later top-level one.
    *[
        (
            "nice-cxone",
            f"nice-cxone/{name}",
            {
                "offered": 2,
                "answered": 2,
                "abandoned": 0,
                "asa_seconds": 13.0,
                "service_level": 1.0,
                "aht_seconds": 464.0,
                "acw_seconds": 187.0,
                "transfer_rate": 0.0,
            },
            {"rows_read": 2, "contacts": 2},
        )
        for name in ("completed-contacts-resultset.json", "completed-contacts-toplevel.json")
    ],
    # Talkdesk Explore calls page {"type": "calls", "entries": [...]} (documentation example): one outbound call
    (
        "talkdesk",
        "talkdesk/calls-report-DOC-EXAMPLE.json",
        {"offered": 0, "answered": 0, "aht_seconds": None},
        {"outbound": 1, "contacts": 1},
    ),
    # Talkdesk explore_calls legacy payload (documentation example), durations in days: waiting_time
    # 0.00005787037 d = 5.0 s, talk_time 0.000069444446 d = 6.0 s, holding_time 0: ASA 5, AHT 6, csat 1
    (
        "talkdesk-explore-calls",
        "talkdesk/explore-calls-report-DOC-EXAMPLE.json",
        {
            "offered": 1,
            "answered": 1,
            "asa_seconds": 5.0,
            "service_level": 1.0,
            "aht_seconds": 6.0,
            "transfer_rate": 0.0,
            "csat_mean": 1.0,
        },
        {"rows_read": 1},
    ),
    # Talkdesk Explore contacts CSV (constructed from the headers the issue lists): d..1 answered after 12 s,
    # Talk Time 250 includes Hold Time 40: 210 + 40 + ACW 30 = 280; d..2 abandoned after 45 s; d..3 answered
    # after 25 s, 100 + 0 + 20 = 120; d..4 abandoned after 3 s (short). offered 3; ASA (12 + 25) / 2 = 18.5;
    # AHT (280 + 120) / 2 = 200; talk (210 + 100) / 2 = 155; SL 1/3 (12 s only); average wait (12 + 25 + 45) / 3
    (
        "talkdesk-contacts",
        "talkdesk/contacts-report-CONSTRUCTED.csv",
        {
            "offered": 3,
            "answered": 2,
            "abandoned": 1,
            "short_abandoned": 1,
            "asa_seconds": 18.5,
            "aht_seconds": 200.0,
            "avg_talk_seconds": 155.0,
            "avg_hold_seconds": 20.0,
            "service_level": 1 / 3,
            "avg_wait_seconds": 82 / 3,
        },
        {"rows_read": 4},
    ),
    # Five9 Call Log, 6 real rows (4 calls, one three times), all Autodial (outbound dialer): empty ABANDONED and
    # TRANSFERS, AGENT [None], no SKILL column; nothing offered, nothing rejected, exit 0
    (
        "five9",
        "five9/call-log-report.csv",
        {"offered": 0, "answered": 0, "transfer_rate": None},
        {"rows_read": 6, "duplicates_merged": 2, "contacts": 4, "outbound": 4},
    ),
    # Asterisk queue_log (constructed from the documented event formats): answered after 20, 8 and 12 s (talk 180,
    # 95, 61; the third blind-transferred), abandoned after 42 s, timed out after 300 s (abandoned: offered and
    # not served), abandoned after 3 s (short). offered 5; abandon rate 2/5; ASA 40/3; SL 3/5 (20 s counts);
    # average wait (20 + 8 + 12 + 42 + 300) / 5 = 76.4; AHT (180 + 95 + 61) / 3 = 112; transfer rate 1/3
    (
        "asterisk-queue-log",
        "asterisk/queue_log-CONSTRUCTED",
        {
            "offered": 5,
            "answered": 3,
            "abandoned": 2,
            "short_abandoned": 1,
            "abandon_rate": 0.4,
            "asa_seconds": 40 / 3,
            "service_level": 0.6,
            "avg_wait_seconds": 76.4,
            "aht_seconds": 112.0,
            "transfer_rate": 1 / 3,
        },
        {"rows_read": 6, "contacts": 6, "in_progress": 0},
    ),
]


def _report(cli: Any, *args: Any) -> dict[str, Any]:
    result = cli("report", *args, "--format", "json", "-q")
    assert result.exit_code == 0, result.stderr
    return cli_json(result)


def test_every_preset_has_a_vendor_case():
    assert {c[0] for c in CASES} == set(preset_names())


@pytest.mark.parametrize(("preset", "fixture", "expected", "quality"), CASES, ids=[c[1] for c in CASES])
def test_vendor_export_reads_right(cli, preset, fixture, expected, quality):
    doc = _report(cli, VENDORS / fixture, "--preset", preset, "--strict")
    [row] = doc["rows"]
    for name, value in expected.items():
        assert row[name] == (None if value is None else pytest.approx(value)), name
    for name, value in quality.items():
        assert doc["data_quality"][name] == value, name
    assert doc["data_quality"]["rejected"]["total"] == 0


@pytest.mark.parametrize(("preset", "fixture"), [(c[0], c[1]) for c in CASES])
def test_inspect_names_the_preset(preset, fixture):
    result = inspect_file(VENDORS / fixture)
    assert [p["preset"] for p in result.presets if p["matches"]] == [preset]


def contacts(path: Path, preset: str) -> dict[str, dict[str, Any]]:
    """The canonical rows a preset reads from ``path``, by interaction_id (the last delivery of each)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    [read] = plan_interactions(con, [str(path)], source_timezone="UTC", mapping=load_preset(preset))
    rel = read.relation
    cursor = con.execute(f"SELECT * FROM ({rel.sql}) ORDER BY _seq", rel.params)
    names = [d[0] for d in cursor.description]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


def _iso(value: Any) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_genesys_wait_starts_at_queue_entry():
    rows = contacts(VENDORS / "genesys-cloud" / "conversation-details-page.json", "genesys-cloud")
    voice = rows["00000000-0000-4000-8000-000000000011"]
    # conversationStart 17:30:43.090 includes 64.562 s of IVR; the acd interact segment starts 17:31:47.652
    assert _iso(voice["offered_at"]) == "2024-04-29T17:31:47.652Z"
    assert _iso(voice["answered_at"]) == "2024-04-29T17:32:00.063Z"  # + tAnswered 12411 ms
    assert _iso(voice["ended_at"]) == "2024-04-29T17:38:14.974Z"  # answering agent's interact end, before wrap-up
    # the second agent answered; the first one's forced 57 s wrap-up is not the contact's ACW
    assert (voice["agent_id"], voice["acw_seconds"]) == ("00000000-0000-4000-8000-000000000020", 3.0)
    assert (voice["queue"], voice["customer_id"]) == ("00000000-0000-4000-8000-000000000022", "tel:+5550000000001")
    chat = rows["00000000-0000-4000-8000-000000000001"]
    assert (chat["channel"], _iso(chat["answered_at"])) == ("chat", "2021-04-01T12:28:04.567Z")
    abandoned = contacts(VENDORS / "genesys-cloud" / "conversation-abandoned-CONSTRUCTED.json", "genesys-cloud")
    [row] = abandoned.values()
    assert (_iso(row["offered_at"]), row["answered_at"]) == ("2024-04-29T18:03:14.652Z", None)
    assert _iso(row["ended_at"]) == "2024-04-29T18:03:45.152Z"  # queue entry + tAbandon 30500 ms


def test_genesys_files_together(cli):
    # offered 3, answered 2, abandoned 1: abandon rate 1/3; SL 2/3; average wait (11.179 + 12.411 + 30.5) / 3
    folder = VENDORS / "genesys-cloud"
    doc = _report(
        cli,
        folder / "conversation-details-page.json",
        folder / "conversation-abandoned-CONSTRUCTED.json",
        "--preset",
        "genesys-cloud",
    )
    [row] = doc["rows"]
    assert (row["offered"], row["abandoned"]) == (3, 1)
    assert row["abandon_rate"] == pytest.approx(1 / 3)
    assert row["service_level"] == pytest.approx(2 / 3)
    assert row["avg_wait_seconds"] == pytest.approx(54.09 / 3)
    assert row["asa_seconds"] == pytest.approx(11.795)


# -- refusals: a record of an unknown shape is never read as empty ------------------------------------------------


def test_nested_genesys_records_through_a_flat_mapping_are_refused(cli, tmp_path):
    # the mapping the genesys-cloud preset used to be (flattened columns, no shape): the nested API records have
    # the top-level columns but no metric; reading them would count every conversation abandoned
    mapping = tmp_path / "genesys-flat.toml"
    mapping.write_text(
        """
[source]
records = "conversations"

[columns]
interaction_id = "conversationId"
offered_at = "conversationStart"
ended_at = { from = "conversationEnd", optional = true }
wait_seconds = { from = "tAnswered", unit = "milliseconds", optional = true }
answered_at = { derive = ["offered_at", "wait_seconds"] }
talk_seconds = { from = "tTalk", unit = "milliseconds", optional = true }
""",
        encoding="utf-8",
    )
    page = VENDORS / "genesys-cloud" / "conversation-details-page.json"
    refused = cli("report", page, "--mapping", mapping, "-f", "json", "-q")
    assert refused.exit_code == 2
    assert "finds none of the columns it reads for answered_at" in refused.stderr
    assert "every contact would be read as unanswered" in refused.stderr
    assert "not in the shape the mapping reads" in refused.stderr


def test_a_wrapped_page_without_a_preset_points_to_inspect(cli):
    page = VENDORS / "zendesk-talk" / "incremental-calls-page.json"
    result = cli("report", page, "-f", "json", "-q")
    assert result.exit_code == 3
    assert "found: calls, next_page, count, end_time" in result.stderr
    assert f"csmetrics inspect {page}" in result.stderr


def test_records_not_named_get_a_hint(cli, tmp_path):
    # a copy of the zendesk-talk preset without [source] records: the page is one record without the columns
    preset = (presets_dir() / "zendesk-talk.toml").read_text(encoding="utf-8").replace('records = "calls"\n', "")
    mapping = tmp_path / "zendesk-no-records.toml"
    mapping.write_text(preset, encoding="utf-8")
    result = cli("report", VENDORS / "zendesk-talk" / "incremental-calls-page.json", "--mapping", mapping, "-q")
    assert result.exit_code == 2
    assert "the records may be in 'calls'" in result.stderr
    assert '[source] records = "calls"' in result.stderr


# -- variants of the real records: other framings, and the values the real files leave out --------------------------


def test_zendesk_json_lines_of_call_objects(cli, tmp_path):
    # the same calls as JSON lines (no page wrapper): same reading as the page
    calls = json.loads((VENDORS / "zendesk-talk" / "incremental-calls-page.json").read_text(encoding="utf-8"))["calls"]
    lines = tmp_path / "calls.jsonl"
    lines.write_text("".join(json.dumps(c) + "\n" for c in calls), encoding="utf-8")
    doc = _report(cli, lines, "--preset", "zendesk-talk", "--strict")
    quality = doc["data_quality"]
    assert (quality["excluded_by_mapping"], quality["contacts"], quality["outbound"]) == (1, 4, 4)


FIVE9_HEADER = (VENDORS / "five9" / "call-log-report.csv").read_text(encoding="utf-8").splitlines()[0]


def test_five9_inbound_rows_with_empty_flags(cli, tmp_path):
    # the real row layout (empty TRANSFERS and ABANDONED, AGENT [None], no SKILL), as inbound calls:
    # 1 "No Answer", no talk, ABANDONED empty: not a queue contact (excluded), not answered
    # 2 answered: IVR 0:00:05, queue wait 0:00:10, talk 0:02:00, hold 0:00:20, ACW 0:00:30, TRANSFERS empty
    # 3 abandoned (ABANDONED 1) after a queue wait of 0:00:40
    # offered 2, answered 1, abandoned 1; ASA 10; AHT 120 + 20 + 30 = 170; transfer rate 0/1 (empty = none)
    rows = [
        '1,"Thu, 27 Oct 2016 14:51:34",Inbound Main,Inbound,[None],,No Answer,5550100001,,5550100900,00:00:30,'
        "00:00:30,0,00:00:05,00:00:25,,00:00:00,00:00:00,00:00:00,00:00:00,,,,,",
        '2,"Thu, 27 Oct 2016 15:00:00",Inbound Main,Inbound,agent.one@example.com,Agent One,Resolved,5550100002,,'
        "5550100900,00:03:05,00:03:06,0.01,00:00:05,00:00:10,00:00:03,00:02:00,00:00:20,00:00:00,00:00:30,,,1,,",
        '3,"Thu, 27 Oct 2016 15:10:00",Inbound Main,Inbound,[None],,Abandon,5550100003,,5550100900,00:00:45,'
        "00:00:45,0,00:00:05,00:00:40,,00:00:00,00:00:00,00:00:00,00:00:00,,,,1,",
    ]
    path = tmp_path / "call-log.csv"
    path.write_text("\n".join([FIVE9_HEADER, *rows]) + "\n", encoding="utf-8")
    doc = _report(cli, path, "--preset", "five9", "--strict")
    [row] = doc["rows"]
    assert (row["offered"], row["answered"], row["abandoned"]) == (2, 1, 1)
    assert (row["asa_seconds"], row["aht_seconds"], row["transfer_rate"]) == (10.0, 170.0, 0.0)
    assert doc["data_quality"]["excluded_by_mapping"] == 1
    read = contacts(path, "five9")
    assert (read["2"]["agent_id"], read["3"]["agent_id"]) == ("agent.one@example.com", None)  # [None] = no agent
    assert (read["2"]["transferred"], read["3"]["transferred"]) == (False, False)  # empty TRANSFERS = none
    by_queue = _report(cli, path, "--preset", "five9", "--by", "queue")["rows"]
    assert [r["queue"] for r in by_queue] == ["Inbound Main"]  # no SKILL column: the campaign


def test_talkdesk_talk_time_includes_hold_and_external_transfers_count(cli, tmp_path):
    # the documentation's calls entry as an answered inbound call: talk_time 300 includes hold_time 15, ACW none:
    # AHT 285 + 15 = 300 (not 315); is_external_transfer true (is_transfer false) is a transfer
    page = json.loads((VENDORS / "talkdesk" / "calls-report-DOC-EXAMPLE.json").read_text(encoding="utf-8"))
    entry = page["entries"][0]
    entry.update(
        type="inbound", talk_time=300, hold_time=15, wait_time=12, is_transfer=False, is_external_transfer=True
    )
    path = tmp_path / "calls.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    [row] = _report(cli, path, "--preset", "talkdesk", "--strict")["rows"]
    assert (row["answered"], row["asa_seconds"], row["avg_talk_seconds"]) == (1, 12.0, 285.0)
    assert (row["aht_seconds"], row["transfer_rate"]) == (300.0, 1.0)


def test_cxone_agent_seconds_include_hold(cli, tmp_path):
    # the real old-API record with 40 s of hold inside agentSeconds 277: talk 237 + hold 40 + ACW 187 = 464
    # (hold is counted once); the contact still ends at contactStart + preQueue + inQueue + agentSeconds
    page = json.loads((VENDORS / "nice-cxone" / "completed-contacts-resultset.json").read_text(encoding="utf-8"))
    for contact in page["resultSet"]["completedContacts"]:
        contact["holdSeconds"] = "40"
    path = tmp_path / "contacts.json"
    path.write_text(json.dumps(page), encoding="utf-8")
    [row] = _report(cli, path, "--preset", "nice-cxone", "--strict")["rows"]
    assert (row["avg_talk_seconds"], row["avg_hold_seconds"], row["aht_seconds"]) == (237.0, 40.0, 464.0)


def test_asterisk_calls_in_progress_rotated_and_requeued(cli, tmp_path):
    # .1 enters, is answered after 6 s and completes after 60 s of talk; it re-enters the queue later (a second
    #    contact .1#2) and abandons after 9 s
    # .2 enters and is still waiting at the end of the log: in progress (neither answered nor abandoned)
    # .3 has a CONNECT and a COMPLETEAGENT but its ENTERQUEUE was in the previous (rotated) log: rejected, counted
    log = tmp_path / "queue_log"
    log.write_text(
        "\n".join(
            [
                "1714384800|1714384800.1|support|NONE|ENTERQUEUE||5550100001|1",
                "1714384806|1714384800.1|support|PJSIP/2001|CONNECT|6|1714384801.2|1",
                "1714384866|1714384800.1|support|PJSIP/2001|COMPLETEAGENT|6|60|1",
                "1714384900|1714384800.1|support|NONE|ENTERQUEUE||5550100001|1",
                "1714384909|1714384800.1|support|NONE|ABANDON|1|1|9",
                "1714384950|1714384950.2|support|NONE|ENTERQUEUE||5550100002|1",
                "1714384960|1714384700.3|support|PJSIP/2002|CONNECT|30|1714384955.4|2",
                "1714385000|1714384700.3|support|PJSIP/2002|COMPLETECALLER|30|40|1",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    doc = _report(cli, log, "--preset", "asterisk-queue-log")
    [row] = doc["rows"]
    assert (row["offered"], row["answered"], row["abandoned"]) == (2, 1, 1)
    assert (row["asa_seconds"], row["aht_seconds"], row["avg_wait_seconds"]) == (6.0, 60.0, 7.5)
    quality = doc["data_quality"]
    assert (quality["in_progress"], quality["rejected"]["contacts"]) == (1, 1)


def test_asterisk_timeouts_as_flow_outs(cli, tmp_path):
    # a copy of the preset that leaves calls the queue sent on (EXITWITHTIMEOUT) out of offered: .131 excluded;
    # offered 4 (3 answered + .121), abandon rate 1/4, SL 3/4, average wait (20 + 8 + 12 + 42) / 4 = 20.5
    preset = (presets_dir() / "asterisk-queue-log.toml").read_text(encoding="utf-8")
    mapping = tmp_path / "asterisk-flowouts.toml"
    mapping.write_text(
        preset + 'outcome = { from = "end_event", values = { EXITWITHTIMEOUT = "excluded" }, default = "" }\n',
        encoding="utf-8",
    )
    doc = _report(cli, VENDORS / "asterisk" / "queue_log-CONSTRUCTED", "--mapping", mapping, "--strict")
    [row] = doc["rows"]
    assert (row["offered"], row["abandoned"], row["short_abandoned"]) == (4, 1, 1)
    assert (row["abandon_rate"], row["service_level"], row["avg_wait_seconds"]) == (0.25, 0.75, 20.5)
    assert doc["data_quality"]["excluded_by_mapping"] == 1


def test_genesys_json_lines_of_conversations(cli, tmp_path):
    # the conversations of the API page one per line (no wrapper): same reading as the page
    page = json.loads((VENDORS / "genesys-cloud" / "conversation-details-page.json").read_text(encoding="utf-8"))
    lines = tmp_path / "conversations.jsonl"
    lines.write_text("".join(json.dumps(c) + "\n" for c in page["conversations"]), encoding="utf-8")
    [row] = _report(cli, lines, "--preset", "genesys-cloud", "--strict")["rows"]
    assert (row["answered"], row["asa_seconds"], row["aht_seconds"]) == (
        2,
        pytest.approx(11.795),
        pytest.approx(648.3155),
    )
