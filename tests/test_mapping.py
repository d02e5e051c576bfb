"""Column mappings: renames, date + clock time, durations, booleans, value maps, derive, zones, errors."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import textwrap
from pathlib import Path

import pytest
from conftest import cli_json, report_of, session_of
from xlsx_writer import write_xlsx

from csmetrics.errors import ConfigError, InputError
from csmetrics.inputs.mapping.model import Mapping, MappingError
from csmetrics.pipeline.session import Session

UTC = dt.UTC

EXPORT = """\
Call Ref,Call Date,Start Time,End Time,Queue Wait,Talk (ms),Hold (days),Wrap (min),Xfer?,Result,Line / Queue
A-1,2024-03-04,23:59:00,00:04:10,0:00:20,250000,0.000462962962963,1.5,Y,Answered,Sales
A-2,2024-03-05,09:00:00,09:00:40,0:00:40,,,,no,ABANDON,Sales
A-3,2024-03-05,10:00:00,10:00:00,,,,,,Test call,Sales
"""

MAPPING = """\
[source]
timezone = "America/New_York"

[columns]
interaction_id = "Call Ref"
offered_at = { date = "Call Date", time = "Start Time" }
ended_at = { date = "Call Date", time = "End Time", start = "Start Time" }
wait_seconds = { from = "Queue Wait", unit = "hms" }
answered_at = { derive = ["offered_at", "wait_seconds"] }
talk_seconds = { from = "Talk (ms)", unit = "milliseconds" }
hold_seconds = { from = "Hold (days)", unit = "days" }
acw_seconds = { from = "Wrap (min)", unit = "minutes" }
transferred = "Xfer?"
outcome = { from = "Result", values = { answered = "answered", abandon = "abandoned", "Test call" = "excluded" } }
queue = "Line / Queue"
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def _engine(paths: list[Path], mapping: Mapping, **kw: object) -> Session:
    return session_of(paths, mapping=mapping, **kw)


def _contacts(engine: Session) -> dict[str, dict[str, object]]:
    rows = engine.con.sql("SELECT * FROM contacts ORDER BY interaction_id").pl().to_dicts()
    return {r["interaction_id"]: r for r in rows}


def test_mapping_builds_canonical_rows(tmp_path):
    data = _write(tmp_path, "export.csv", EXPORT)
    engine = _engine([data], Mapping.from_toml(MAPPING, "m"))
    c = _contacts(engine)
    assert set(c) == {"A-1", "A-2"}  # A-3 is excluded by the outcome value map
    a1 = c["A-1"]
    # 2024-03-04 23:59:00 in New York (EST, UTC-5) = 2024-03-05 04:59:00Z
    assert a1["offered_at"] == dt.datetime(2024, 3, 5, 4, 59, tzinfo=UTC)
    # answered = offered + 0:00:20
    assert a1["answered_at"] == dt.datetime(2024, 3, 5, 4, 59, 20, tzinfo=UTC)
    # End Time 00:04:10 < Start Time 23:59:00: the next day, 2024-03-05 00:04:10 EST = 05:04:10Z
    assert a1["ended_at"] == dt.datetime(2024, 3, 5, 5, 4, 10, tzinfo=UTC)
    assert a1["talk_seconds"] == 250.0  # 250000 ms
    assert a1["hold_seconds"] == pytest.approx(40.0)  # 0.000462962962963 day * 86400
    assert a1["acw_seconds"] == 90.0  # 1.5 min
    assert a1["transferred"] is True
    assert a1["queue"] == "Sales"
    assert a1["outcome"] == "answered"
    a2 = c["A-2"]
    # ABANDON matches "abandon" (outcome values are matched case-insensitively): no answer time,
    # and the abandon ends at offered + wait = 09:00:40 EST = 14:00:40Z
    assert a2["outcome"] == "abandoned"
    assert a2["answered_at"] is None
    assert a2["ended_at"] == dt.datetime(2024, 3, 5, 14, 0, 40, tzinfo=UTC)
    assert a2["wait_seconds"] == 40.0
    assert a2["transferred"] is False

    report = report_of(engine)
    [row] = report.rows.to_dicts()
    assert row["offered"] == 2
    assert row["asa_seconds"] == 20.0
    assert row["aht_seconds"] == pytest.approx(380.0)  # 250 talk + 40 hold + 90 acw
    assert row["abandon_rate"] == 0.5
    assert report.data_quality["excluded_by_mapping"] == 1
    assert report.data_quality["rows_read"] == 2
    assert report.data_quality["files"][0]["rows"] == 2


def test_booleans_any_case(tmp_path):
    data = _write(
        tmp_path,
        "b.csv",
        """\
        id,at,answer,flag
        1,2024-03-04 09:00:00,2024-03-04 09:00:05,Y
        2,2024-03-04 09:00:00,2024-03-04 09:00:05,n
        3,2024-03-04 09:00:00,2024-03-04 09:00:05,YES
        4,2024-03-04 09:00:00,2024-03-04 09:00:05,no
        5,2024-03-04 09:00:00,2024-03-04 09:00:05,1
        6,2024-03-04 09:00:00,2024-03-04 09:00:05,0
        7,2024-03-04 09:00:00,2024-03-04 09:00:05,TRUE
        8,2024-03-04 09:00:00,2024-03-04 09:00:05,False
        """,
    )
    m = Mapping.from_toml(
        '[columns]\ninteraction_id = "id"\noffered_at = "at"\nanswered_at = "answer"\ntransferred = "flag"\n', "m"
    )
    c = _contacts(_engine([data], m))
    assert [c[str(i)]["transferred"] for i in range(1, 9)] == [True, False] * 4


def test_custom_boolean_words_and_value_map_with_quotes(tmp_path):
    data = _write(
        tmp_path,
        "c.csv",
        """\
        id,at,answer,Xfer,agent
        1,2024-03-04 09:00:00,2024-03-04 09:00:05,X,O'Brien
        2,2024-03-04 09:00:00,2024-03-04 09:00:05,,NOBODY
        """,
    )
    m = Mapping.from_toml(
        textwrap.dedent(
            """\
            [columns]
            interaction_id = "id"
            offered_at = "at"
            answered_at = "answer"
            transferred = { from = "Xfer", true = ["x"], false = [""] }
            agent_id = { from = "agent", values = { "O'Brien" = "ob'1", NOBODY = "" } }
            """
        ),
        "m",
    )
    c = _contacts(_engine([data], m))
    assert c["1"]["transferred"] is True
    assert c["2"]["transferred"] is False
    assert c["1"]["agent_id"] == "ob'1"
    assert c["2"]["agent_id"] is None  # "" maps to empty


def test_hostile_column_names_are_quoted(tmp_path):
    name = 'x"); DROP TABLE loaded_rows; --'
    header = '"' + name.replace('"', '""') + '",at,answer'
    data = tmp_path / "h.csv"
    data.write_text(f"{header}\n1,2024-03-04 09:00:00,2024-03-04 09:00:05\n", encoding="utf-8")
    m = Mapping.from_toml(
        f'[columns]\ninteraction_id = {json.dumps(name)}\noffered_at = "at"\nanswered_at = "answer"\n', "m"
    )
    engine = _engine([data], m)
    assert engine.con.execute("SELECT count(*) FROM loaded_rows").fetchall() == [(1,)]
    assert list(_contacts(engine)) == ["1"]


def test_missing_export_column_names_key_and_column(tmp_path):
    data = _write(tmp_path, "export.csv", EXPORT)
    m = Mapping.from_toml(MAPPING.replace('queue = "Line / Queue"', 'queue = "Skill"'), "m.toml")
    with pytest.raises(MappingError) as e:
        _engine([data], m)
    assert "columns.queue" in str(e.value)
    assert "'Skill'" in str(e.value)
    assert "Line / Queue" in str(e.value)  # the columns found are listed
    assert isinstance(e.value, ConfigError)


def test_unreadable_value_names_key_column_line_value(tmp_path):
    data = _write(tmp_path, "export.csv", EXPORT.replace("0:00:40", "forty"))
    with pytest.raises(InputError) as e:
        _engine([data], Mapping.from_toml(MAPPING, "m.toml"))
    msg = str(e.value)
    assert "line 3" in msg  # header = line 1, A-2 = line 3
    assert "columns.wait_seconds" in msg
    assert "'Queue Wait'" in msg
    assert "'forty'" in msg


def test_unknown_outcome_value_is_an_error(tmp_path):
    data = _write(tmp_path, "export.csv", EXPORT.replace("Test call", "Voicemail"))
    with pytest.raises(InputError) as e:
        _engine([data], Mapping.from_toml(MAPPING, "m.toml"))
    assert "columns.outcome" in str(e.value)
    assert "'Voicemail'" in str(e.value)


def test_answered_without_answer_time_is_an_error(tmp_path):
    data = _write(tmp_path, "export.csv", EXPORT.replace("0:00:20", ""))
    with pytest.raises(InputError) as e:
        _engine([data], Mapping.from_toml(MAPPING, "m.toml"))
    assert "line 2" in str(e.value)
    assert "answered_at" in str(e.value)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[columns]\ninteraction_id = "a"\n', "offered_at"),
        ('[columns]\ninteraction_id = "a"\noffered_at = "b"\n', "answered"),
        ('[columns]\ninteraction_id = "a"\noffered_at = "b"\nanswered_at = "c"\nwait = "d"\n', "columns.wait"),
        (
            '[columns]\ninteraction_id = "a"\noffered_at = "b"\nanswered_at = "c"\ntalk_seconds = { from = "t", unit = "weeks" }\n',
            "columns.talk_seconds",
        ),
        (
            '[columns]\ninteraction_id = "a"\noffered_at = "b"\nanswered_at = { derive = ["talk_seconds", "b"] }\n',
            "columns.answered_at",
        ),
        (
            '[columns]\ninteraction_id = "a"\noffered_at = "b"\noutcome = { from = "o", values = { A = "won" } }\n',
            "columns.outcome",
        ),
        (
            '[columns]\ninteraction_id = "a"\noffered_at = "b"\nanswered_at = { derive = ["offered_at", "wait_seconds"] }\n',
            "wait_seconds",
        ),
        ("[columns\n", "not valid TOML"),
    ],
)
def test_invalid_mappings(text, needle):
    with pytest.raises(MappingError) as e:
        Mapping.from_toml(text, "bad.toml")
    assert needle in str(e.value)
    assert "bad.toml" in str(e.value)


def test_date_format_and_excel_day_fraction(tmp_path):
    # date YYMMDD; talk as a fraction of a day (0.0025 day = 216 s)
    data = _write(
        tmp_path,
        "d.csv",
        """\
        id,d,t,w,talk
        1,990201,7:02:47,9,0.0025
        """,
    )
    m = Mapping.from_toml(
        textwrap.dedent(
            """\
            [source]
            date_format = "%y%m%d"
            [columns]
            interaction_id = "id"
            offered_at = { date = "d", time = "t" }
            wait_seconds = "w"
            answered_at = { derive = ["offered_at", "wait_seconds"] }
            talk_seconds = { from = "talk", unit = "days" }
            ended_at = { derive = ["answered_at", "talk_seconds"] }
            """
        ),
        "m",
    )
    c = _contacts(_engine([data], m))["1"]
    assert c["offered_at"] == dt.datetime(1999, 2, 1, 7, 2, 47, tzinfo=UTC)
    assert c["answered_at"] == dt.datetime(1999, 2, 1, 7, 2, 56, tzinfo=UTC)  # + 9 s
    assert c["ended_at"] == dt.datetime(1999, 2, 1, 7, 6, 32, tzinfo=UTC)  # + 216 s
    assert c["talk_seconds"] == pytest.approx(216.0)


def test_gzip_csv_and_ndjson(tmp_path):
    csv_gz = tmp_path / "a.csv.gz"
    csv_gz.write_bytes(gzip.compress(EXPORT.encode()))
    nd_gz = tmp_path / "b.ndjson.gz"
    lines = [
        {
            "Call Ref": "B-1",
            "Call Date": "2024-03-06",
            "Start Time": "12:00:00",
            "End Time": "12:01:00",
            "Queue Wait": "0:00:10",
            "Talk (ms)": 50000,
            "Hold (days)": None,
            "Wrap (min)": None,
            "Xfer?": "N",
            "Result": "answered",
            "Line / Queue": "Sales",
        },
    ]
    nd_gz.write_bytes(gzip.compress("\n".join(json.dumps(x) for x in lines).encode()))
    engine = _engine([csv_gz, nd_gz], Mapping.from_toml(MAPPING, "m"))
    c = _contacts(engine)
    assert set(c) == {"A-1", "A-2", "B-1"}
    assert c["B-1"]["talk_seconds"] == 50.0
    assert [f.format for f in engine.inputs.interactions] == ["csv", "json"]


def test_xlsx_with_sheet(tmp_path):
    book = write_xlsx(
        tmp_path / "calls.xlsx",
        {
            "Summary": [["note"], ["ignore me"]],
            "Calls": [
                ["Call Id", "When", "Wait", "Answered (Y/N)"],
                ["c1", "2024-03-04 09:00:00", 12, "Y"],
                ["c2", "2024-03-04 09:05:00", 30, "N"],
                ["c3", "2024-03-04 09:10:00", 8, "Y"],
            ],
        },
    )
    m = Mapping.from_toml(
        textwrap.dedent(
            """\
            [columns]
            interaction_id = "Call Id"
            offered_at = "When"
            wait_seconds = "Wait"
            answered_at = { derive = ["offered_at", "wait_seconds"] }
            outcome = { from = "Answered (Y/N)", values = { Y = "answered", N = "abandoned" } }
            """
        ),
        "m",
    )
    [row] = report_of(_engine([book], m, sheet="Calls")).rows.to_dicts()
    # answered c1 (12 s) and c3 (8 s): ASA 10; c2 abandoned after 30 s
    assert (row["offered"], row["answered"], row["abandoned"], row["asa_seconds"]) == (3, 2, 1, 10.0)
    with pytest.raises(InputError, match=r"no sheet 'Nope'.*Summary, Calls"):
        _engine([book], m, sheet="Nope")


def test_cli_stdin_and_config_mapping(tmp_path, cli):
    mapping = _write(tmp_path, "m.toml", MAPPING)
    config = _write(tmp_path, "csmetrics.toml", 'mapping = "m.toml"\n')
    from typer.testing import CliRunner

    from csmetrics.cli import app

    result = CliRunner().invoke(app, ["report", "-", "--config", str(config), "-f", "json", "-q"], input=EXPORT)
    doc = cli_json(result)
    [row] = doc["rows"]
    assert row["offered"] == 2
    assert row["asa_seconds"] == 20.0
    assert doc["data_quality"]["excluded_by_mapping"] == 1
    # --mapping wins over nothing, --preset and --mapping together are refused
    both = cli("report", "x.csv", "--mapping", str(mapping), "--preset", "five9")
    assert both.exit_code == 2
    unknown = cli("report", "x.csv", "--preset", "nope")
    assert unknown.exit_code == 2
    assert "amazon-connect" in unknown.stderr


def test_xlsx_in_canonical_shape_needs_no_mapping(tmp_path):
    book = write_xlsx(
        tmp_path / "canonical.xlsx",
        {
            "Sheet1": [
                ["interaction_id", "offered_at", "answered_at"],
                ["1", "2024-03-04 09:00:00", "2024-03-04 09:00:07"],
            ]
        },
    )
    [row] = report_of(session_of([book])).rows.to_dicts()
    assert (row["answered"], row["asa_seconds"]) == (1, 7.0)
