"""Definition overrides per channel and per queue: each contact is judged by its own channel's and queue's values."""

from __future__ import annotations

import pytest
from conftest import ROOT, cli_json

SAMPLE = ROOT / "sample_data" / "interactions.csv"
HEADER = "interaction_id,offered_at,answered_at,ended_at,channel,queue"


@pytest.fixture
def mixed(write_csv):
    # one day, three contacts: an email answered after 3 h, a call answered after 15 s, a chat after 45 s; and a call
    # abandoned after 3 s (a short abandon under the default 5 s) and a chat abandoned after 30 s.
    return write_csv(
        f"""
        {HEADER}
        e1,2024-03-04T08:00:00Z,2024-03-04T11:00:00Z,2024-03-04T11:10:00Z,email,support
        v1,2024-03-04T09:00:00Z,2024-03-04T09:00:15Z,2024-03-04T09:05:00Z,voice,support
        c1,2024-03-04T10:00:00Z,2024-03-04T10:00:45Z,2024-03-04T10:05:00Z,chat,sales
        v2,2024-03-04T11:00:00Z,,2024-03-04T11:00:03Z,voice,vip
        c2,2024-03-04T12:00:00Z,,2024-03-04T12:00:30Z,chat,sales
        """
    )


def day_row(cli, path, *args):
    [row] = cli_json(cli("report", path, "--by", "day", "--format", "json", "-q", *args))["rows"]
    return row


def test_global_threshold_mixes_channels(cli, mixed):
    row = day_row(cli, mixed)
    # 20 s for all: within = v1 only; offered = e1, v1, c1, c2 (v2 is a short abandon) -> 1/4
    assert (row["offered"], row["service_level"]) == (4, 0.25)


def test_each_contact_is_judged_by_its_channels_threshold(cli, mixed):
    row = day_row(
        cli, mixed, "--set", "channels.email.service_level.threshold_seconds=86400",
        "--set", "channels.chat.service_level.threshold_seconds=60",
    )  # fmt: skip
    # e1 (3 h <= 24 h), v1 (15 <= 20), c1 (45 <= 60) within; c2 abandoned -> 3/4
    assert row["service_level"] == 0.75


def test_queue_beats_channel_beats_global(cli, mixed):
    args = [
        "--set", "service_level.threshold_seconds=10",
        "--set", "channels.voice.service_level.threshold_seconds=20",
        "--set", "queues.support.service_level.threshold_seconds=5",
    ]  # fmt: skip
    # v1 (support queue): 15 > 5, missed although voice allows 20; e1 (support): missed; c1 (sales, chat, global
    # 10): 45 > 10 missed -> 0/4
    assert day_row(cli, mixed, *args)["service_level"] == 0.0
    # without the queue override v1 is judged by voice's 20 s: 1/4
    assert day_row(cli, mixed, *args[:4])["service_level"] == 0.25


def test_denominator_and_short_abandons_per_scope(cli, mixed):
    row = day_row(
        cli, mixed, "--set", "channels.chat.service_level.denominator=answered",
        "--set", "queues.vip.abandon.short_abandon_seconds=0",
    )  # fmt: skip
    # v2 (vip) is now abandoned (limit 0): offered 5, abandoned 2. SL: e1 (offered, missed), v1 (offered, within),
    # v2 (offered, missed), c1 (answered denominator: counted, missed), c2 (abandoned chat: not counted) -> 1/4
    assert (row["offered"], row["abandoned"], row["short_abandoned"]) == (5, 2, 0)
    assert row["service_level"] == 0.25


def test_channel_names_match_in_any_case(cli, mixed):
    row = day_row(cli, mixed, "--set", "channels.EMAIL.service_level.threshold_seconds=86400")
    assert row["service_level"] == 0.5  # e1 and v1 within


def test_overrides_from_the_config_file_and_their_fingerprint(cli, mixed, tmp_path):
    config = tmp_path / "csmetrics.toml"
    config.write_text(
        "[service_level]\nthreshold_seconds = 20\n"
        "[channels.email.service_level]\nthreshold_seconds = 86400\n"
        "[channels.chat.service_level]\nthreshold_seconds = 60\n"
        '[queues."v.i.p".abandon]\nshort_abandon_seconds = 0\n'
    )
    doc = cli_json(cli("report", mixed, "--config", config, "--format", "json", "-q"))
    params = doc["definitions"]["parameters"]
    assert params["channels.email.service_level.threshold_seconds"] == 86400
    assert params["queues.v.i.p.abandon.short_abandon_seconds"] == 0
    assert doc["definitions"]["sources"]["channels.chat.service_level.threshold_seconds"] == f"config {config}"
    assert doc["rows"][0]["service_level"] == 0.75
    plain = cli_json(cli("report", mixed, "--format", "json", "-q"))
    assert plain["definitions_fingerprint"] != doc["definitions_fingerprint"]
    listed = cli_json(cli("definitions", "--config", config, "--format", "json"))
    names = {p["name"]: p for p in listed["parameters"]}
    assert names["channels.email.service_level.threshold_seconds"]["value"] == 86400
    assert names["channels.email.service_level.threshold_seconds"]["source"] == f"config {config}"


def test_a_parameter_that_cannot_be_scoped_exits_2(cli, mixed):
    result = cli("report", mixed, "--set", "channels.email.csat.scale_max=10")
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert "csat.scale_max cannot be set per channel" in message
    assert "service_level.threshold_seconds" in message
    assert cli("report", mixed, "--set", "channels.email.no_such.thing=1").exit_code == 2
    assert cli("report", mixed, "--set", "channels.email.service_level.threshold_seconds=-1").exit_code == 2


def test_mixed_channel_report_equals_single_channel_reports(cli):
    """Each channel's service level under per-channel thresholds is the single-channel report's under that one."""
    thresholds = {"voice": 20, "chat": 60, "email": 14400}
    args = [a for ch, t in thresholds.items() for a in ("--set", f"channels.{ch}.service_level.threshold_seconds={t}")]
    doc = cli_json(cli("report", SAMPLE, "--by", "day,channel", "--tz", "America/New_York", "-f", "json", "-q", *args))
    mixed = {(r["day"], r["channel"]): r["service_level"] for r in doc["rows"]}
    assert {ch for _, ch in mixed} == set(thresholds)
    for channel, threshold in thresholds.items():
        single = cli_json(
            cli(
                "report", SAMPLE, "--by", "day,channel", "--tz", "America/New_York", "-f", "json", "-q",
                "--set", f"service_level.threshold_seconds={threshold}",
            )
        )  # fmt: skip
        for r in single["rows"]:
            if r["channel"] == channel:
                assert mixed[(r["day"], channel)] == r["service_level"], (r["day"], channel)
    # and a --by day row mixing channels counts each contact under its own channel's threshold
    by_day = cli_json(cli("report", SAMPLE, "--by", "day", "--tz", "America/New_York", "-f", "json", "-q", *args))
    plain = cli_json(cli("report", SAMPLE, "--by", "day", "--tz", "America/New_York", "-f", "json", "-q"))
    assert [r["offered"] for r in by_day["rows"]] == [r["offered"] for r in plain["rows"]]
    assert any(a["service_level"] > b["service_level"] for a, b in zip(by_day["rows"], plain["rows"], strict=True))
