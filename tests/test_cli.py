"""The command line: exit codes, stdout (data only) vs stderr (messages), formats, configuration."""

from __future__ import annotations

import io
import json

import polars as pl
import pyarrow.parquet as pq
import pytest
from conftest import cli_json

from csmetrics.definitions.params import fingerprint

CSV = """interaction_id,offered_at,answered_at,ended_at,queue
1,2024-03-04T14:00:00Z,2024-03-04T14:00:10Z,2024-03-04T14:01:10Z,a
2,2024-03-04T14:00:00Z,,2024-03-04T14:00:30Z,b
3,2024-03-05T14:00:00Z,2024-03-04T13:00:00Z,2024-03-05T14:01:10Z,b
"""


@pytest.fixture
def export(write_csv):
    return write_csv(CSV)


def test_json_document_shape(cli, export):
    result = cli("report", export, "--by", "day,queue", "--tz", "America/New_York", "--format", "json")
    doc = cli_json(result)
    assert list(doc) == [
        "schema_version",
        "generated_at",
        "timezone",
        "period",
        "group_by",
        "definitions",
        "definitions_fingerprint",
        "data_quality",
        "rows",
    ]
    assert doc["timezone"] == "America/New_York"
    assert doc["group_by"] == ["day", "queue"]
    assert doc["period"] == {"from": "2024-03-04", "to": "2024-03-04"}
    assert [(r["day"], r["queue"]) for r in doc["rows"]] == [("2024-03-04", "a"), ("2024-03-04", "b")]
    assert list(doc["rows"][0])[:4] == ["day", "queue", "offered", "answered"]
    assert doc["definitions"]["parameters"]["timezone"] == "America/New_York"
    assert doc["definitions_fingerprint"] == fingerprint(doc["definitions"]["parameters"])
    assert doc["data_quality"]["rejected"]["by_reason"] == {"answered_before_offered": 1}
    # stderr carries the warning, stdout only the document
    assert "1 row(s) rejected" in result.stderr


def test_quiet_silences_warnings(cli, export):
    result = cli("report", export, "--format", "json", "--quiet")
    assert result.exit_code == 0 and result.stderr == ""


def test_fingerprint_changes_with_any_parameter_and_time_zone(cli, export):
    def fp(*args):
        return cli_json(cli("report", export, "-f", "json", "-q", *args))["definitions_fingerprint"]

    base = fp()
    assert base == fp()  # stable
    assert base != fp("--tz", "Europe/London")
    assert base != fp("--set", "service_level.threshold_seconds=30")
    assert base != fp("--set", "aht.include_acw=false")
    assert fp("--set", "service_level.threshold_seconds=30") == fp("--set", "service_level.threshold_seconds=30.0")


def test_csv_output_carries_fingerprint(cli, export):
    result = cli("report", export, "--by", "queue", "--format", "csv", "-q")
    frame = pl.read_csv(io.StringIO(result.stdout))
    assert frame.columns[0] == "queue" and frame.columns[-1] == "definitions_fingerprint"
    assert frame["offered"].to_list() == [1, 1]


def test_parquet_output_to_file_with_definitions_metadata(cli, export, tmp_path):
    out = tmp_path / "r.parquet"
    result = cli("report", export, "--by", "queue", "--format", "parquet", "-o", out, "-q")
    assert result.exit_code == 0 and result.stdout == ""
    table = pq.read_table(out)
    meta = json.loads(table.schema.metadata[b"csmetrics"])
    assert meta["definitions_fingerprint"] == table.column("definitions_fingerprint")[0].as_py()
    assert table.column("queue").to_pylist() == ["a", "b"]


def test_markdown_and_table_show_definitions(cli, export):
    md = cli("report", export, "--format", "markdown", "-q").stdout
    assert "| offered |" in md and "Definitions fingerprint" in md and "service_level.threshold_seconds" in md
    table = cli("report", export, "-q").stdout
    assert "definitions sha256:" in table and "SL" in table and "%" in table


def test_output_file_is_written_and_stdout_stays_empty(cli, export, tmp_path):
    out = tmp_path / "report.json"
    result = cli("report", export, "-f", "json", "-o", out, "-q")
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(out.read_text())["rows"][0]["offered"] == 2
    assert not list(tmp_path.glob(".report.json.*"))  # no temporary file left behind


def test_rejects_file_and_strict(cli, export, tmp_path):
    rejects = tmp_path / "rejects.csv"
    result = cli("report", export, "-f", "json", "--rejects", rejects)
    assert result.exit_code == 0
    frame = pl.read_csv(rejects)
    assert frame["reject_reason"].to_list() == ["answered_before_offered"] and frame["line"].to_list() == [4]
    strict = cli("report", export, "-f", "json", "--strict", "--rejects", rejects)
    assert strict.exit_code == 3 and strict.stdout == "" and "--strict" in strict.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--set", "service_level.threshold=20"], "unknown parameter 'service_level.threshold'"),
        (["--set", "service_level.denominator=all"], "one of offered, answered"),
        (["--set", "service_level.threshold_seconds=-1"], "an integer >= 0"),
        (["--set", "aht.include_hold=maybe"], "true or false"),
        (["--set", "novalue"], "NAME=VALUE"),
        (["--tz", "Mars/Olympus"], "IANA time zone"),
        (["--by", "weekday"], "unknown grouping 'weekday'"),
        (["--from", "2024-02-30"], "YYYY-MM-DD"),
        (["--from", "2024-03-05", "--to", "2024-03-04"], "after --to"),
        (["--format", "xml"], "--format must be one of"),
    ],
)
def test_usage_errors_exit_2_with_the_valid_choices(cli, export, args, message):
    result = cli("report", export, *args)
    assert result.exit_code == 2, result.stderr
    assert result.stdout == ""
    assert message in result.stderr
    if args[0] == "--set" and "=" in args[1]:
        assert "valid parameters:" in result.stderr


def test_bad_data_exits_3_naming_file_line_column_value(cli, write_csv):
    path = write_csv("interaction_id,offered_at,ended_at\n1,2024-03-04T09:00:00Z,yesterday\n")
    result = cli("report", path, "-f", "json")
    assert result.exit_code == 3 and result.stdout == ""
    assert str(path) in result.stderr and "line 2" in result.stderr and "ended_at" in result.stderr
    assert "'yesterday'" in result.stderr


def test_missing_file_exits_3(cli, tmp_path):
    result = cli("report", tmp_path / "missing.csv")
    assert result.exit_code == 3 and "no such file" in result.stderr


def test_config_file_then_set_then_tz(cli, export, tmp_path, monkeypatch):
    (tmp_path / "csmetrics.toml").write_text(
        'timezone = "Europe/Paris"\n[service_level]\nthreshold_seconds = 30\ndenominator = "answered"\n'
    )
    monkeypatch.chdir(tmp_path)
    params = cli_json(cli("report", export, "-f", "json", "-q"))["definitions"]["parameters"]
    assert (params["timezone"], params["service_level.threshold_seconds"], params["service_level.denominator"]) == (
        "Europe/Paris",
        30,
        "answered",
    )
    params = cli_json(
        cli(
            "report",
            export,
            "-f",
            "json",
            "-q",
            "--set",
            "service_level.threshold_seconds=10",
            "--set",
            "timezone=UTC",
            "--tz",
            "Asia/Tokyo",
        )
    )["definitions"]["parameters"]
    assert (params["service_level.threshold_seconds"], params["timezone"]) == (10, "Asia/Tokyo")


def test_config_file_errors(cli, export, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[service_level]\nthreshold_secs = 30\n")
    result = cli("report", export, "--config", bad)
    assert result.exit_code == 2 and "service_level.threshold_secs" in result.stderr
    bad.write_text("this is not toml")
    assert cli("report", export, "--config", bad).exit_code == 2
    assert cli("report", export, "--config", tmp_path / "none.toml").exit_code == 2


def test_definitions_command(cli):
    doc = cli_json(cli("definitions", "--format", "json", "--set", "service_level.threshold_seconds=15"))
    names = [p["name"] for p in doc["parameters"]]
    assert {
        "timezone",
        "source_timezone",
        "service_level.threshold_seconds",
        "service_level.denominator",
        "abandon.short_abandon_seconds",
        "aht.include_hold",
        "aht.include_acw",
    } <= set(names)
    sl = next(p for p in doc["parameters"] if p["name"] == "service_level.threshold_seconds")
    assert (sl["value"], sl["default"], sl["source"]) == (15, 20, "--set")
    assert {m["name"] for m in doc["metrics"]} >= {"service_level", "asa_seconds", "aht_seconds"}
    shown = cli_json(cli("definitions", "service_level", "--format", "json"))
    assert "getvariable('service_level.threshold_seconds')" in shown["sql"]
    assert "c.wait_seconds <= c.sl_threshold as sl_met" in shown["sql"]
    assert 'SET VARIABLE "service_level.threshold_seconds" = 20;' in shown["sql"]
    assert 'SET VARIABLE "service_level.threshold_seconds@channel" = map(' in shown["sql"]
    assert cli("definitions", "nope").exit_code == 2
    assert "Parameters in effect" in cli("definitions").stdout


def test_version_and_help(cli):
    assert cli("--version").stdout.startswith("csmetrics ")
    assert "Exit codes" in cli("--help").stdout


@pytest.mark.parametrize("command", ["report", "check", "store", "fcr-windows", "inspect"])
def test_help_shows_no_type_beside_flags_and_no_word_lost_to_markup(cli, command):
    text = cli(command, "--help", env={"COLUMNS": "200"}).stdout
    assert "<bool>" not in text
    if command in ("report", "check"):
        assert "replaces the targets table of csmetrics.toml" in " ".join(text.replace("│", " ").split())


def test_metrics_option_selects_and_orders_nothing_else(cli, export):
    doc = cli_json(cli("report", export, "-f", "json", "-q", "--by", "queue", "--metrics", "service_level,offered"))
    assert [list(r) for r in doc["rows"]] == [["queue", "offered", "service_level"]] * 2
    assert [m["name"] for m in doc["definitions"]["metrics"]] == ["offered", "service_level"]
    bad = cli("report", export, "--metrics", "service_levle")
    assert bad.exit_code == 2 and "unknown metric(s) service_levle" in bad.stderr


def test_user_text_is_never_read_as_markup(cli, tmp_path):
    # A value and a file name that look like Rich markup are shown as they are, with no traceback.
    path = tmp_path / "odd[b].csv"
    path.write_text("interaction_id,offered_at,answered_at,ended_at\n1,[/bold],2024-03-04T10:00:00Z,\n")
    result = cli("report", path)
    assert result.exit_code == 3
    assert "'[/bold]'" in result.stderr and "odd[b].csv" in result.stderr and "Traceback" not in result.stderr


def test_group_values_that_look_like_markup_are_printed(cli, write_csv):
    path = write_csv(
        "interaction_id,offered_at,answered_at,ended_at,queue\n"
        "1,2024-03-04T10:00:00Z,2024-03-04T10:00:05Z,2024-03-04T10:01:00Z,[vip]\n"
    )
    assert "[vip]" in cli("report", path, "--by", "queue", "-q").stdout


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e308"])
def test_non_finite_numbers_are_unreadable(cli, write_csv, value):
    path = write_csv(
        "interaction_id,offered_at,answered_at,ended_at,acw_seconds\n"
        f"1,2024-03-04T10:00:00Z,2024-03-04T10:00:05Z,2024-03-04T10:01:00Z,{value}\n"
    )
    result = cli("report", path, "-f", "json")
    assert result.exit_code == 3 and f"'{value}'" in result.stderr and "acw_seconds" in result.stderr


def test_output_into_a_missing_directory_is_a_usage_error(cli, export, tmp_path):
    result = cli("report", export, "-f", "json", "-o", tmp_path / "nope" / "r.json")
    assert result.exit_code == 2 and "cannot write" in result.stderr and "internal error" not in result.stderr


def test_check_rejects_an_inverted_period(cli, export):
    result = cli("check", export, "-t", "asa_seconds<=1", "--from", "2024-03-05", "--to", "2024-03-01")
    assert result.exit_code == 2 and "after --to" in result.stderr
