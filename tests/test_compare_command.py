"""``csmetrics compare`` as a command: periods, the two sides and their definitions, targets, the table, CSV,
Markdown, rejected rows, the README example and the library call. The statistics through the command are tested
in tests/test_compare.py, the methods themselves in tests/test_compare_stats.py."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from compare_toy import (
    NY,
    SAMPLE,
    TOY_HEADER,
    WEEK_1,
    WEEK_2,
    cli_json,
    close,
    row_of,
    toy_csv,
    week_on_week_document,
)
from conftest import ROOT
from rich.console import Console

from csmetrics.api import CompareRequest, Inputs, compare, definitions
from csmetrics.compare.periods import Period, parse_period, previous_period
from csmetrics.compare.rows import significant, verdict
from csmetrics.compare.stats import Comparison
from csmetrics.definitions.registry import load_registry
from csmetrics.errors import ConfigError
from csmetrics.render.compare import compare_table_text, render_compare


@pytest.fixture(scope="module")
def week_on_week() -> dict:
    return week_on_week_document()


# ----------------------------------------------------------------------------------------------------------------
# Periods, sides, definitions


def test_periods():
    assert parse_period("2024-03-04:2024-03-10", "--before") == Period(dt.date(2024, 3, 4), dt.date(2024, 3, 10))
    assert parse_period("2024-03-04", "--after") == Period(dt.date(2024, 3, 4), dt.date(2024, 3, 4))
    assert previous_period(Period(dt.date(2024, 3, 11), dt.date(2024, 3, 17))) == Period(
        dt.date(2024, 3, 4), dt.date(2024, 3, 10)
    )
    assert previous_period(Period(dt.date(2024, 3, 1), dt.date(2024, 3, 31))) == Period(
        dt.date(2024, 1, 30), dt.date(2024, 2, 29)
    )
    for bad in ("2024-03-10:2024-03-04", "last week", "2024-03-04:"):
        with pytest.raises(ConfigError):
            parse_period(bad, "--before")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--after", "2024-03-11:2024-03-17"), "give both periods"),
        (
            ("--before", "2024-03-04:2024-03-11", "--after", "2024-03-11:2024-03-17"),
            "the periods overlap (2024-03-11 to 2024-03-11",
        ),
        (("--before", "2024-03-10:2024-03-04", "--after", "2024-03-11:2024-03-17"), "2024-03-10 is after 2024-03-04"),
        (("--before", "2024-03-04", "--previous", "--after", "2024-03-11"), "--before FROM:TO or --previous, not both"),
        (("--previous",), "--previous needs --after FROM:TO"),
        ((*WEEK_1, *WEEK_2, "--by", "day"), "--by day splits by time"),
        ((*WEEK_1, *WEEK_2, "--metrics", "nope"), "unknown metric(s) nope"),
        ((*WEEK_1, *WEEK_2, "--set", "compare.cluster=week"), "invalid value 'week' for compare.cluster"),
        ((*WEEK_1, *WEEK_2, "-f", "parquet"), "--format must be one of table, json, csv, markdown"),
        ((*WEEK_1, *WEEK_2, "-t", "queue=billing:service_level>=0.8"), "not grouped by it"),
    ],
)
def test_usage_errors_exit_2(cli, args, message):
    r = cli("compare", SAMPLE, *args)
    assert r.exit_code == 2, r.stdout
    assert message in " ".join(r.stderr.split()) and r.stdout == ""


def test_previous_is_the_period_just_before(week_on_week, cli):
    doc = cli_json(cli("compare", SAMPLE, *WEEK_2, "--previous", *NY, "-f", "json", "-q"))
    assert doc["before"]["period"] == week_on_week["before"]["period"]
    for row, same in zip(doc["rows"], week_on_week["rows"], strict=True):
        for key, value in row.items():  # sums of doubles may differ in the last bit between runs
            assert value == (pytest.approx(same[key], rel=1e-12) if isinstance(value, float) else same[key]), key


def test_two_input_sets_of_files(write_csv, cli):
    path = toy_csv(write_csv)
    lines = path.read_text().splitlines()
    before_file = write_csv("\n".join(lines[:31]) + "\n")  # 4 and 5 March
    after_file = write_csv("\n".join([lines[0], *lines[31:]]) + "\n")  # 11 to 13 March
    doc = cli_json(cli("compare", "--before-inputs", before_file, "--after-inputs", after_file, "-f", "json", "-q"))
    assert doc["before"]["period"] == {"from": "2024-03-04", "to": "2024-03-05"}
    assert doc["after"]["period"] == {"from": "2024-03-11", "to": "2024-03-13"}
    assert doc["before"]["data_quality"]["rows_read"] == 30 and doc["after"]["data_quality"]["rows_read"] == 40
    one_set = cli_json(
        cli(
            "compare", path, "--before", "2024-03-04:2024-03-05", "--after", "2024-03-11:2024-03-13", "-f", "json", "-q"
        )
    )
    assert row_of(doc, "service_level") == row_of(one_set, "service_level")
    # the same period on both sides allows a time grouping (two sites, one week)
    same = cli_json(cli("compare", "--before-inputs", path, "--after-inputs", path, "--by", "day", "-f", "json", "-q"))
    assert {r["difference"] for r in same["rows"] if r["metric"] == "offered"} == {0}
    for args, message in (
        (("--before-inputs", before_file), "give both --before-inputs and --after-inputs"),
        ((path, "--before-inputs", before_file, "--after-inputs", after_file), "replace INPUTS and --db"),
    ):
        r = cli("compare", *args)
        assert r.exit_code == 2 and message in r.stderr


def test_rejected_rows_are_written_with_their_side_and_strict_exits_3(write_csv, tmp_path, cli):
    lines = toy_csv(write_csv).read_text().splitlines()
    # one broken row a side: answered before offered (4 March), ended before answered (11 March)
    early = "901,2024-03-04T09:30:00Z,2024-03-04T09:29:00Z,2024-03-04T09:35:00Z,q,,,"
    late = "902,2024-03-11T09:30:00Z,2024-03-11T09:31:00Z,2024-03-11T09:30:30Z,q,,,"
    before_file = write_csv("\n".join([*lines[:31], early]) + "\n")
    after_file = write_csv("\n".join([lines[0], *lines[31:], late]) + "\n")
    both = write_csv("\n".join([*lines, early, late]) + "\n")
    out = tmp_path / "rejects.csv"
    two_sets = ("compare", "--before-inputs", before_file, "--after-inputs", after_file, "--metrics", "offered")
    r = cli(*two_sets, "--rejects", out, "-f", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)["rows"][0]["before"] == 30
    text = " ".join(r.stderr.split())
    assert "before inputs: warning: 1 row(s) rejected (answered_before_offered: 1); written to" in text
    assert "after inputs: warning: 1 row(s) rejected (ended_before_answered: 1)" in text
    rejected = out.read_text().splitlines()
    assert len(rejected) == 3 and rejected[0].endswith(",side")
    assert [(line.split(",")[3], line.split(",")[-1]) for line in rejected[1:]] == [("901", "before"), ("902", "after")]
    r = cli(*two_sets, "--strict")
    assert r.exit_code == 3 and r.stdout == ""
    assert "2 row(s) rejected and --strict is set; write them with --rejects FILE" in " ".join(r.stderr.split())
    # one input set is read once: its rejected rows are written and counted once, without a side
    one_set = ("compare", both, "--before", "2024-03-04:2024-03-05", "--after", "2024-03-11:2024-03-13")
    r = cli(*one_set, "--rejects", out, "--strict", "-f", "json")
    assert r.exit_code == 3 and "2 row(s) rejected and --strict is set; see" in " ".join(r.stderr.split())
    rejected = out.read_text().splitlines()
    assert len(rejected) == 3 and "side" not in rejected[0].split(",")


def test_a_period_without_contacts_is_named_on_stderr(write_csv, cli):
    path = toy_csv(write_csv)
    r = cli("compare", path, "--before", "2024-03-04:2024-03-05", "--after", "2024-04-01:2024-04-07", "-f", "json")
    assert r.exit_code == 0 and row_of(json.loads(r.stdout), "offered")["after"] == 0
    text = " ".join(r.stderr.split())
    assert "warning: no contact falls in the period 2024-04-01 to 2024-04-07 (70 contact(s) lie outside it" in text
    assert "2024-03-04 to 2024-03-05" not in text
    empty = write_csv(TOY_HEADER + "\n")
    r = cli("compare", empty, "--before", "2024-03-04", "--after", "2024-03-05", "-f", "json")
    assert r.exit_code == 0 and r.stderr.count("the input holds no valid contact") == 1


def test_one_store_gives_what_its_files_give(write_csv, tmp_path, cli):
    path = toy_csv(write_csv)
    store = tmp_path / "centre.db"
    assert cli("load", path, "--db", store, "-q").exit_code == 0
    periods = ("--before", "2024-03-04:2024-03-05", "--after", "2024-03-11:2024-03-13", "-f", "json", "-q")
    from_store = cli_json(cli("compare", "--db", store, *periods))
    from_file = cli_json(cli("compare", path, *periods))
    assert from_store["rows"] == from_file["rows"] and close(
        row_of(from_store, "service_level")["p_value"], 0.302432, 6
    )


STORE_MAPPING = """
[columns]
interaction_id = "interaction_id"
offered_at = "offered_at"
answered_at = "answered_at"
ended_at = "ended_at"

[definitions]
service_level.threshold_seconds = 30
"""


def test_two_stores_with_different_mapping_definitions_exit_2_naming_them(write_csv, tmp_path, cli):
    path = toy_csv(write_csv)
    mapping = tmp_path / "export.toml"
    mapping.write_text(STORE_MAPPING)
    mapped, plain = tmp_path / "mapped.db", tmp_path / "plain.db"
    assert cli("load", path, "-m", mapping, "--db", mapped, "-q").exit_code == 0
    assert cli("load", path, "--db", plain, "-q").exit_code == 0
    r = cli("compare", "--before-inputs", mapped, "--after-inputs", plain, "--metrics", "service_level")
    assert r.exit_code == 2
    text = " ".join(r.stderr.split())
    assert "the two input sets are read under different definitions" in text
    assert (
        f"service_level.threshold_seconds: before 30 (store {mapped} (mapping {mapping})), after 20 (default)" in text
    )
    # one explicit value for both sides: comparable; every wait (10 s, 30 s) is within 30 s on both sides
    doc = cli_json(
        cli(
            "compare",
            "--before-inputs",
            mapped,
            "--after-inputs",
            plain,
            "--metrics",
            "service_level",
            "--set",
            "service_level.threshold_seconds=30",
            "-f",
            "json",
            "-q",
        )
    )
    row = row_of(doc, "service_level")
    assert row["before"] == row["after"] == 1.0 and row["difference"] == 0
    assert doc["before"]["definitions_fingerprint"] == doc["after"]["definitions_fingerprint"]
    # a store and a file on one side
    r = cli("compare", "--before-inputs", mapped, "--before-inputs", path, "--after-inputs", plain)
    assert r.exit_code == 2 and "give one store or interaction files, not both" in r.stderr


# ----------------------------------------------------------------------------------------------------------------
# Targets, the verdict, the table


def test_targets_show_both_sides_verdicts(tmp_path, monkeypatch, cli):
    doc = cli_json(
        cli(
            "compare",
            SAMPLE,
            *WEEK_1,
            *WEEK_2,
            *NY,
            "--by",
            "queue",
            "-t",
            "queue=billing:service_level>=0.7",
            "-t",
            "abandon_rate<=0.05",
            "-f",
            "json",
            "-q",
        )
    )
    # billing's SL: 69.1 % then 71.5 %; abandon rates per queue from the report
    assert row_of(doc, "service_level", queue="billing")["targets"] == [
        {"target": "queue=billing:service_level>=0.7", "before": "missed", "after": "met"}
    ]
    assert row_of(doc, "service_level", queue="sales")["targets"] == []
    [abandon] = row_of(doc, "abandon_rate", queue="billing")["targets"]
    assert abandon["target"] == "abandon_rate<=0.05" and abandon["before"] in ("met", "missed")
    # targets from csmetrics.toml: those that do not apply (not grouped by queue) are skipped
    (tmp_path / "csmetrics.toml").write_text(
        '[targets]\nservice_level = ">= 70%"\n[targets."queue=billing"]\nasa_seconds = "<= 30"\n'
    )
    monkeypatch.chdir(tmp_path)
    doc = cli_json(
        cli("compare", SAMPLE, *WEEK_1, *WEEK_2, *NY, "--metrics", "service_level,asa_seconds", "-f", "json", "-q")
    )
    assert row_of(doc, "service_level")["targets"] == [
        {"target": "service_level>=0.7", "before": "met", "after": "met"}
    ]
    assert row_of(doc, "asa_seconds")["targets"] == []
    table = compare_table_text(doc, {m.name: m.label for m in load_registry().metrics}).decode()
    assert "target" in table and "met→met" in table


def _comparison(p_value: float | None, difference: float | None) -> Comparison:
    return Comparison(0.5, 0.6, difference, None, None, None, p_value, "test")


def test_verdict_in_words_and_the_five_percent_boundary():
    assert verdict(_comparison(0.049, 0.1), "higher") == "better" and significant(_comparison(0.049, 0.1)) is True
    assert verdict(_comparison(0.049, -0.1), "higher") == "worse"
    assert verdict(_comparison(0.049, 0.1), "lower") == "worse"
    assert verdict(_comparison(0.049, -0.1), None) == "lower"
    # exactly 5 %: not significant (p < 0.05 is)
    assert (
        verdict(_comparison(0.05, 0.1), "higher") == "no clear change" and significant(_comparison(0.05, 0.1)) is False
    )
    assert verdict(_comparison(None, 0.1), "higher") == "no test" and significant(_comparison(None, 0.1)) is None
    assert verdict(_comparison(0.0, 0.0), "higher") == "no clear change"


def test_the_table_fits_100_columns_and_marks_significance(cli):
    doc = cli_json(
        cli(
            "compare",
            SAMPLE,
            *WEEK_1,
            *WEEK_2,
            *NY,
            "--by",
            "queue",
            "--set",
            "compare.cluster=contact",
            "-f",
            "json",
            "-q",
        )
    )
    labels = {m.name: m.label for m in load_registry().metrics}
    text = compare_table_text(doc, labels, width=100).decode()
    lines = text.splitlines()
    assert all(len(line) <= 100 for line in lines)
    assert "…" not in text  # nothing cut
    header = next(line for line in lines if line.startswith("queue"))
    assert header.split() == [
        "queue",
        "metric",
        "before",
        "after",
        "change",
        "95%",
        "interval",
        "p",
        "better",
        "verdict",
    ]
    worse = [line for line in lines if line.rstrip().endswith("worse")]
    assert worse and all("*" in line for line in worse)
    assert sum(1 for line in lines if line.startswith(("billing", "sales", "support", "tech"))) == len(doc["rows"])
    assert f"definitions before {doc['definitions_fingerprint']}, after {doc['definitions_fingerprint']}" in " ".join(
        text.split()
    )
    assert "* = significant at 5%" in text
    # on a real 100-column terminal too
    console = Console(width=100, force_terminal=True, no_color=True, record=True)
    render_compare(doc, labels, console)
    assert all(len(line) <= 100 for line in console.export_text().splitlines())


def test_csv_and_markdown(cli):
    args = ("compare", SAMPLE, *WEEK_1, *WEEK_2, *NY, "--metrics", "service_level,offered", "-q", "-f")
    csv_text = cli(*args, "csv").stdout.splitlines()
    assert csv_text[0].startswith("metric,unit,better,before,after,difference,relative_change,ci_low,ci_high,p_value")
    assert csv_text[0].endswith("targets,definitions_fingerprint,before_from,before_to,after_from,after_to")
    assert len(csv_text) == 3 and csv_text[1].startswith("offered,count,,3023,3154,131,")
    md = cli(*args, "markdown").stdout
    assert "| metric | before | after | change | 95% interval | p | better | verdict |" in md
    assert "| SL | 70.1% | 71.1% | +1.0 pp | -6.2..+8.1 | 0.772 | higher | no clear change |" in md


def test_the_readme_example_is_what_the_command_prints(cli):
    readme = (ROOT / "README.md").read_text()
    block = readme.split("Week 1 against week 2 of the sample:", 1)[1]
    (_, command), (_, output) = re.findall(r"```(\w*)\n(.*?)```", block, re.DOTALL)[:2]
    command = command.replace("\\\n", " ")
    shown = output.splitlines()
    args = command.split()[1:]
    out = cli(*[str(ROOT / a) if a.startswith("sample_data") else a for a in args], "-q").stdout
    printed = [" ".join(line.split()) for line in out.splitlines()]
    for line in shown:
        if not line.endswith("..."):
            assert " ".join(line.split()) in printed, line


def test_the_library_call(write_csv):
    result = compare(
        CompareRequest(
            inputs=Inputs(interactions=(str(toy_csv(write_csv)),)),
            before=Period(dt.date(2024, 3, 4), dt.date(2024, 3, 5)),
            after=Period(dt.date(2024, 3, 11), dt.date(2024, 3, 13)),
            definitions=definitions(),
            metrics=["service_level"],
        )
    )
    [row] = result.rows
    assert close(row["p_value"], 0.302432, 6) and result.to_document()["rows"] == [row]
    assert result.fingerprint == result.before.fingerprint == result.after.fingerprint


def test_compare_csv_cells_are_data_not_formulas(write_csv, cli):
    path = toy_csv(write_csv)
    text = path.read_text()
    hostile = write_csv(text.replace("Z,q,", "Z,=HYPERLINK(1),"))
    assert "=HYPERLINK(1)" in hostile.read_text()
    args = ("compare", hostile, "--before", "2024-03-04:2024-03-05", "--after", "2024-03-11:2024-03-13")
    out = cli(*args, "--by", "queue", "-f", "csv", "-q").stdout
    assert "'=HYPERLINK(1)" in out and ",=HYPERLINK" not in out
