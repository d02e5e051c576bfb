"""The example mappings on the real exports in ../shared/real_data, checked against plain DuckDB queries."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from conftest import REAL_DATA, ROOT, cli_json

BANK = REAL_DATA / "anonymous_bank_feb1999" / "data_anonymous_bank_february.txt"
PWC_CSV = REAL_DATA / "pwc_phonenow_call_centre_2021" / "call_center_dataset.csv"
PWC_XLSX = REAL_DATA / "pwc_phonenow_call_centre_2021" / "call_center_dataset.xlsx"
BANK_MAP = ROOT / "examples" / "mappings" / "anonymous_bank.toml"
PWC_MAP = ROOT / "examples" / "mappings" / "pwc_phonenow.toml"

pytestmark = [
    pytest.mark.real_data,
    pytest.mark.skipif(not BANK.exists() or not PWC_CSV.exists(), reason="../shared/real_data is absent"),
]


@pytest.fixture(scope="module")
def bank_expected():
    """Independent figures from the raw file: outcome, q_time, ser_time, server only."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE raw AS SELECT * FROM read_csv($p, delim = '\t', header = true, all_varchar = true)",
        {"p": str(BANK)},
    )
    total = con.sql(
        """
        SELECT
            count(*) FILTER (WHERE outcome = 'AGENT') AS answered,
            count(*) FILTER (WHERE outcome = 'HANG' AND q_time::INT >= 5) AS abandoned,
            count(*) FILTER (WHERE outcome = 'HANG' AND q_time::INT < 5) AS short_abandoned,
            count(*) FILTER (WHERE outcome = 'PHANTOM') AS phantom,
            avg(q_time::INT) FILTER (WHERE outcome = 'AGENT') AS asa,
            avg(ser_time::INT) FILTER (WHERE outcome = 'AGENT') AS aht,
            count(*) FILTER (WHERE outcome = 'AGENT' AND q_time::INT <= 20) AS within
        FROM raw
        """
    ).fetchall()[0]
    agents = con.sql(
        """
        SELECT server, count(*) AS answered, avg(q_time::INT) AS asa, avg(ser_time::INT) AS aht
        FROM raw WHERE outcome = 'AGENT' AND server <> 'NO_SERVER' GROUP BY server
        """
    ).fetchall()
    days = con.sql(
        """
        SELECT strptime(date, '%y%m%d')::DATE AS day,
               count(*) FILTER (WHERE outcome = 'AGENT' OR (outcome = 'HANG' AND q_time::INT >= 5)) AS offered
        FROM raw GROUP BY ALL
        """
    ).fetchall()
    return total, {a: (n, asa, aht) for a, n, asa, aht in agents}, dict(days)


def test_bank_totals(cli, bank_expected):
    (answered, abandoned, short, phantom, asa, aht, within), _agents, _days = bank_expected
    # README: AGENT 27,162, HANG 5,904, PHANTOM 278
    assert (answered, abandoned + short, phantom) == (27162, 5904, 278)
    doc = cli_json(cli("report", BANK, "--mapping", BANK_MAP, "--format", "json", "-q"))
    [row] = doc["rows"]
    assert row["answered"] == answered
    assert row["abandoned"] == abandoned
    assert row["short_abandoned"] == short
    assert row["offered"] == answered + abandoned
    assert row["asa_seconds"] == pytest.approx(asa)
    assert row["aht_seconds"] == pytest.approx(aht)  # no hold or ACW in the file: AHT = talk
    assert row["service_level"] == pytest.approx(within / (answered + abandoned))
    q = doc["data_quality"]
    assert q["excluded_by_mapping"] == phantom
    assert q["rows_read"] == 33344 - phantom
    # the file has 33,345 lines: a header and 33,344 records, of which the mapping excludes the phantom calls
    [f] = q["files"]
    assert (f["records"], f["excluded_by_mapping"], f["rows"]) == (33344, phantom, 33344 - phantom)
    assert q["rejected"]["total"] == 0  # negative IVR times and midnight crossings do not reject anything
    assert q["duplicates_superseded"] == 0 and q["duplicates_merged"] == 0  # vru+line & call_id is unique


def test_bank_by_agent(cli, bank_expected):
    _total, agents, _days = bank_expected
    doc = cli_json(cli("report", BANK, "--mapping", BANK_MAP, "--by", "agent", "--format", "json", "-q"))
    rows = {r["agent"]: r for r in doc["rows"]}
    assert set(rows) - {"(no agent)"} == set(agents)
    for agent, (n, asa, aht) in agents.items():
        assert rows[agent]["answered"] == n, agent
        assert rows[agent]["asa_seconds"] == pytest.approx(asa), agent
        assert rows[agent]["aht_seconds"] == pytest.approx(aht), agent
    # the 491 AGENT/NO_SERVER calls are answered with no agent (README)
    assert rows["(no agent)"]["answered"] == 491


def test_bank_days_in_israel_time(cli, bank_expected):
    _total, _agents, days = bank_expected
    doc = cli_json(
        cli("report", BANK, "--mapping", BANK_MAP, "--by", "day", "--tz", "Asia/Jerusalem", "--format", "json", "-q")
    )
    got = {r["day"][:10]: r["offered"] for r in doc["rows"]}
    assert len(got) == 28
    assert got == {d.isoformat(): n for d, n in days.items()}
    # the mapping declares the report zone it was made for: the same days without --tz, the source named
    plain = cli("report", BANK, "--mapping", BANK_MAP, "--by", "day", "--format", "json")
    assert {r["day"][:10]: r["offered"] for r in json.loads(plain.stdout)["rows"]} == got
    assert f"mapping {BANK_MAP} sets timezone = Asia/Jerusalem" in plain.stderr
    assert "reads times as" not in plain.stderr


def test_a_mapping_in_another_zone_warns_once_unless_the_zone_is_chosen(cli, tmp_path):
    mapping = tmp_path / "bank.toml"
    text = Path(BANK_MAP).read_text(encoding="utf-8")
    mapping.write_text(text.split("\n[definitions]")[0], encoding="utf-8")
    shifted = cli("report", BANK, "--mapping", mapping, "--metrics", "offered", "--format", "json")
    assert shifted.stderr.count("reads times as Asia/Jerusalem") == 1
    assert "give --tz Asia/Jerusalem" in shifted.stderr
    chosen = cli("report", BANK, "--mapping", mapping, "--metrics", "offered", "--tz", "UTC", "--format", "json")
    assert "reads times as" not in chosen.stderr


@pytest.fixture(scope="module")
def pwc_expected():
    con = duckdb.connect()
    con.execute("CREATE TABLE raw AS SELECT * FROM read_csv($p, all_varchar = true)", {"p": str(PWC_CSV)})
    total = con.sql(
        """
        SELECT count(*) AS n,
               count(*) FILTER (WHERE "Answered (Y/N)" = 'Y') AS answered,
               avg("Speed of answer in seconds"::INT) FILTER (WHERE "Answered (Y/N)" = 'Y') AS asa,
               avg(epoch("AvgTalkDuration"::INTERVAL)) FILTER (WHERE "Answered (Y/N)" = 'Y') AS aht,
               count(*) FILTER (WHERE "Answered (Y/N)" = 'Y' AND "Speed of answer in seconds"::INT <= 20) AS within
        FROM raw
        """
    ).fetchall()[0]
    agents = con.sql(
        """
        SELECT "Agent", count(*), count(*) FILTER (WHERE "Answered (Y/N)" = 'Y'),
               avg("Speed of answer in seconds"::INT) FILTER (WHERE "Answered (Y/N)" = 'Y')
        FROM raw GROUP BY 1
        """
    ).fetchall()
    return total, {a: (n, ans, asa) for a, n, ans, asa in agents}


@pytest.mark.parametrize("path", [PWC_CSV, PWC_XLSX], ids=["csv", "xlsx"])
def test_pwc_by_agent(cli, pwc_expected, path):
    (n, answered, asa, aht, within), agents = pwc_expected
    assert (n, answered) == (5000, 4054)  # README
    args = ["report", path, "--mapping", PWC_MAP, "--format", "json", "-q", "--set", "abandon.short_abandon_seconds=0"]
    [row] = cli_json(cli(*args))["rows"]
    assert (row["offered"], row["answered"], row["abandoned"]) == (n, answered, n - answered)
    assert row["abandon_rate"] == pytest.approx((n - answered) / n)  # 946 / 5000 = 18.92 %
    assert row["asa_seconds"] == pytest.approx(asa)
    assert row["aht_seconds"] == pytest.approx(aht)
    assert row["service_level"] == pytest.approx(within / n)
    doc = cli_json(cli(*args, "--by", "agent"))
    rows = {r["agent"]: r for r in doc["rows"]}
    assert len(rows) == 8
    for agent, (offered, ans, agent_asa) in agents.items():
        assert (rows[agent]["offered"], rows[agent]["answered"]) == (offered, ans), agent
        assert rows[agent]["asa_seconds"] == pytest.approx(agent_asa), agent


def test_pwc_default_short_abandon_swallows_unknown_waits(cli):
    # Unanswered calls record no wait, so they end at the offered time (wait 0). The mapping's
    # [definitions] set abandon.short_abandon_seconds = 0, so a default run counts all 946 as
    # abandoned (946 / 5000 = 0.1892); --set wins over the mapping, and the 5 s limit makes them
    # all short abandons again.
    [row] = cli_json(cli("report", PWC_XLSX, "--mapping", PWC_MAP, "--format", "json", "-q"))["rows"]
    assert (row["offered"], row["abandoned"], row["short_abandoned"]) == (5000, 946, 0)
    assert row["abandon_rate"] == pytest.approx(0.1892)
    args = (
        "report",
        PWC_XLSX,
        "--mapping",
        PWC_MAP,
        "--format",
        "json",
        "-q",
        "--set",
        "abandon.short_abandon_seconds=5",
    )
    [row] = cli_json(cli(*args))["rows"]
    assert (row["offered"], row["abandoned"], row["short_abandoned"]) == (4054, 0, 946)


def test_inspect_proposes_working_mapping_for_pwc(cli, tmp_path, pwc_expected):
    (n, answered, asa, _aht, _within), _agents = pwc_expected
    result = cli("inspect", PWC_XLSX, "-q")
    assert result.exit_code == 0, result.stderr
    mapping = tmp_path / "m.toml"
    mapping.write_text(result.stdout, encoding="utf-8")
    # without hand edits: inspect saw that abandoned rows carry no wait and wrote the definition that says so
    assert "abandon.short_abandon_seconds = 0" in result.stdout
    [row] = cli_json(cli("report", PWC_XLSX, "--mapping", mapping, "-f", "json", "-q"))["rows"]
    assert (row["offered"], row["answered"]) == (n, answered) == (5000, 4054)
    assert row["abandon_rate"] == pytest.approx(0.1892)
    assert row["asa_seconds"] == pytest.approx(asa)


def test_inspect_starter_mapping_for_the_bank_reads_it_as_the_hand_written_one(cli, tmp_path):
    result = cli("inspect", BANK, "-q")
    assert result.exit_code == 0, result.stderr
    mapping = tmp_path / "bank.toml"
    mapping.write_text(result.stdout, encoding="utf-8")
    metrics = "offered,answered,abandoned,short_abandoned,abandon_rate,asa_seconds,aht_seconds"
    args = ("--metrics", metrics, "--by", "agent", "-f", "json", "-q", "--tz", "UTC")
    starter = cli_json(cli("report", BANK, "--mapping", mapping, *args))
    hand = cli_json(cli("report", BANK, "--mapping", BANK_MAP, *args))
    assert starter["rows"] == hand["rows"]
    total = {k: sum(r[k] for r in starter["rows"]) for k in ("offered", "answered", "abandoned")}
    assert total == {"offered": 30906, "answered": 27162, "abandoned": 3744}  # README: AGENT 27,162
    assert starter["data_quality"]["duplicates_superseded"] == 0


def test_pwc_resolution_rate_is_the_published_figure(cli):
    """The export's Resolved column: 3,646 of the 4,054 answered calls (89.94 %), 72.92 % of all 5,000 calls."""
    con = duckdb.connect()
    resolved, answered_known = con.execute(
        "SELECT count(*) FILTER (WHERE \"Resolved\" = 'Y' AND \"Answered (Y/N)\" = 'Y'), "
        "count(*) FILTER (WHERE \"Resolved\" IN ('Y', 'N') AND \"Answered (Y/N)\" = 'Y') "
        "FROM read_csv($p, all_varchar = true)",
        {"p": str(PWC_CSV)},
    ).fetchall()[0]
    assert (resolved, answered_known) == (3646, 4054)
    [row] = cli_json(cli("report", PWC_CSV, "--mapping", PWC_MAP, "--format", "json", "-q"))["rows"]
    assert row["resolution_rate"] == pytest.approx(3646 / 4054)
    assert round(row["resolution_rate"] * row["answered"] / row["offered"] * 100, 2) == 72.92
    # a target on it, as users set them
    result = cli("check", PWC_CSV, "--mapping", PWC_MAP, "-t", "resolution_rate>=0.95", "-q")
    assert result.exit_code == 4


def test_pwc_store_keeps_the_mappings_definitions(cli, tmp_path):
    """load -m keeps the mapping's [definitions] with the load; a report from the store applies them."""
    db = tmp_path / "pwc.db"
    load = cli("load", PWC_XLSX, "-m", PWC_MAP, "--db", db, "-f", "json", "-q")
    assert load.exit_code == 0, load.stderr
    [loaded] = json.loads(load.stdout)["loads"]
    assert loaded["definitions"] == {"abandon.short_abandon_seconds": 0}
    assert loaded["mapping"].endswith("pwc_phonenow.toml")
    doc = cli_json(cli("report", "--db", db, "-f", "json", "-q"))
    [row] = doc["rows"]
    assert (row["abandoned"], row["short_abandoned"]) == (946, 0)
    assert row["abandon_rate"] == pytest.approx(0.1892)
    assert doc["definitions"]["parameters"]["abandon.short_abandon_seconds"] == 0
    assert doc["definitions"]["sources"]["abandon.short_abandon_seconds"].startswith(f"store {db} (mapping ")
    # the same figure as the direct report, and the target is missed
    direct = cli_json(cli("report", PWC_XLSX, "-m", PWC_MAP, "-f", "json", "-q"))
    assert direct["rows"][0]["abandon_rate"] == row["abandon_rate"]
    assert direct["definitions_fingerprint"] == doc["definitions_fingerprint"]
    result = cli("check", "--db", db, "-t", "abandon_rate<=5%", "-q")
    assert result.exit_code == 4
    # --set still wins over what the loads recorded
    [row5] = cli_json(cli("report", "--db", db, "-f", "json", "-q", "--set", "abandon.short_abandon_seconds=5"))["rows"]
    assert row5["short_abandoned"] == 946
