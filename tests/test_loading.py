"""Reading inputs: formats, encodings, several files, duplicates, rejected rows, unreadable values."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from conftest import report_rows, run

from csmetrics.definitions.config import resolve
from csmetrics.errors import InputError

ROWS = [
    ("1", "2024-03-04T09:00:00Z", "2024-03-04T09:00:10Z", "2024-03-04T09:01:10Z"),
    ("2", "2024-03-04T09:05:00Z", "", "2024-03-04T09:05:30Z"),
]


def load(*paths, source_timezone="UTC", by=None):
    """The report (default definitions but the source time zone) of ``paths``."""
    return run(list(paths), definitions=resolve(overrides={"source_timezone": source_timezone}), by=by)


def quality(*paths):
    report = load(*paths)
    return report.data_quality, report


def test_csv_with_bom_crlf_and_semicolons(tmp_path):
    path = tmp_path / "export.csv"
    text = "interaction_id;offered_at;answered_at;ended_at\r\n" + "".join(";".join(r) + "\r\n" for r in ROWS)
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    [row] = report_rows([path])
    assert (row["answered"], row["abandoned"], row["asa_seconds"]) == (1, 1, 10.0)


def test_header_names_are_matched_case_insensitively_and_extra_columns_ignored(write_csv):
    path = write_csv(
        """
        Interaction_ID,OFFERED_AT,answered_at,ended_at,notes
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:10Z,hello
        """
    )
    q, _ = quality(path)
    assert q["files"][0]["ignored_columns"] == ["notes"]
    assert q["contacts_in_report"] == 1


def test_parquet_and_json_and_ndjson_give_the_same_figures(tmp_path, write_csv):
    csv = write_csv("interaction_id,offered_at,answered_at,ended_at\n" + "\n".join(",".join(r) for r in ROWS) + "\n")
    con = duckdb.connect()
    parquet = tmp_path / "x.parquet"
    con.execute(
        "COPY (SELECT interaction_id, offered_at::TIMESTAMPTZ AS offered_at, "
        "nullif(answered_at, '')::TIMESTAMPTZ AS answered_at, ended_at::TIMESTAMPTZ AS ended_at "
        "FROM read_csv($p, all_varchar=true)) TO '" + str(parquet) + "' (FORMAT parquet)",
        {"p": str(csv)},
    )
    records = [
        {"interaction_id": r[0], "offered_at": r[1], "answered_at": r[2] or None, "ended_at": r[3]} for r in ROWS
    ]
    ndjson = tmp_path / "x.ndjson"
    ndjson.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    array = tmp_path / "x.json"
    array.write_text(json.dumps(records))
    expected = report_rows([csv])
    for path in (parquet, ndjson, array):
        assert report_rows([path]) == expected, path.name


def test_naive_parquet_timestamps_use_source_timezone(tmp_path):
    parquet = tmp_path / "naive.parquet"
    duckdb.connect().execute(
        "COPY (SELECT '1' AS interaction_id, TIMESTAMP '2024-03-04 09:00:00' AS offered_at, "
        "TIMESTAMP '2024-03-04 09:00:15' AS answered_at, TIMESTAMP '2024-03-04 09:03:00' AS ended_at) "
        "TO '" + str(parquet) + "' (FORMAT parquet)"
    )
    [row] = load(parquet, source_timezone="Europe/Paris", by="hour").rows.to_dicts()
    assert row["hour"] == "2024-03-04T08:00:00+00:00"  # 09:00 in Paris (CET) is 08:00Z


def test_several_files_and_globs(tmp_path):
    for i, r in enumerate(ROWS):
        (tmp_path / f"day{i}.csv").write_text("interaction_id,offered_at,answered_at,ended_at\n" + ",".join(r) + "\n")
    [row] = report_rows([tmp_path / "day0.csv", tmp_path / "day1.csv"])
    report = load(tmp_path / "day*.csv")
    [row2] = report.rows.to_dicts()
    assert row == row2 and row["offered"] == 2
    assert [Path(f["path"]).name for f in report.data_quality["files"]] == ["day0.csv", "day1.csv"]


def test_identical_duplicates_are_merged_and_newest_version_wins(write_csv):
    # Contact 1 appears three times: twice identical, then a later version with 40 s ACW (the row read last wins).
    path = write_csv(
        """
        interaction_id,offered_at,answered_at,ended_at,acw_seconds
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:10Z,10
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:10Z,10
        2,2024-03-04T09:05:00Z,2024-03-04T09:05:10Z,2024-03-04T09:06:10Z,0
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:10Z,40
        """
    )
    q, report = quality(path)
    assert q["rows_read"] == 4
    assert q["duplicates_merged"] == 0 and q["duplicates_superseded"] == 2
    [row] = report.rows.to_dicts()
    assert row["answered"] == 2
    assert row["acw_seconds"] == pytest.approx((40 + 0) / 2)


def test_identical_copies_count_as_merged(write_csv):
    path = write_csv(
        """
        interaction_id,offered_at,answered_at,ended_at
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:10Z
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:10Z
        """
    )
    q, _ = quality(path)
    assert (q["duplicates_merged"], q["duplicates_superseded"], q["contacts"]) == (1, 0, 1)


def test_updated_at_decides_which_version_wins(write_csv):
    # The newer version (updated 10:00) comes first in the file and still wins over the one read last.
    path = write_csv(
        """
        interaction_id,offered_at,answered_at,ended_at,acw_seconds,updated_at
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:10Z,99,2024-03-04T10:00:00Z
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:10Z,11,2024-03-04T09:30:00Z
        """
    )
    q, report = quality(path)
    assert q["duplicates_superseded"] == 1
    assert report.rows["acw_seconds"][0] == 99


def test_row_faults_are_rejected_counted_and_kept(write_csv):
    path = write_csv(
        """
        interaction_id,offered_at,answered_at,ended_at,talk_seconds,hold_seconds
        ok,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:10Z,,
        a,2024-03-04T09:00:00Z,2024-03-04T08:59:59Z,2024-03-04T09:01:10Z,,
        b,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:00:09Z,,
        c,2024-03-04T09:00:00Z,,2024-03-04T08:00:00Z,,
        d,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:10Z,-1,
        e,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:10Z,,61
        ,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:10Z,,
        g,,2024-03-04T09:00:10Z,2024-03-04T09:01:10Z,,
        """
    )
    q, report = quality(path)
    assert q["rejected"] == {
        "total": 7,
        "by_reason": {
            "answered_before_offered": 1,
            "ended_before_answered": 1,
            "ended_before_offered": 1,
            "hold_exceeds_connected_time": 1,
            "missing_interaction_id": 1,
            "missing_offered_at": 1,
            "negative_duration": 1,
        },
        "contacts": 7,  # all seven are interaction rows rejected as contacts
        "answers": 0,
        "survey_rows": 0,
    }
    rejects = report.rejects
    assert rejects["line"].to_list() == [3, 4, 5, 6, 7, 8, 9]
    assert rejects["source_file"].unique().to_list() == [str(path)]
    assert q["rows_read"] == q["contacts"] + q["rejected"]["contacts"]


def test_accounting_identity(write_csv):
    path = write_csv(
        """
        interaction_id,offered_at,answered_at,ended_at,direction
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:10Z,inbound
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:10Z,inbound
        2,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:01:10Z,outbound
        3,2024-03-04T09:00:00Z,,,inbound
        4,2024-03-04T09:00:00Z,2024-03-04T08:00:00Z,,inbound
        """
    )
    q, _ = quality(path)
    assert q["rows_read"] == 5
    assert q["rows_read"] == (
        q["contacts"] + q["rejected"]["contacts"] + q["duplicates_merged"] + q["duplicates_superseded"]
    )
    assert q["contacts"] == q["contacts_in_report"] + q["outside_period"] + q["in_progress"] + q["outbound"]
    assert (q["in_progress"], q["outbound"], q["contacts_in_report"]) == (1, 1, 1)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("offered_at", "2024-13-04T09:00:00Z", "ISO 8601"),
        ("talk_seconds", "abc", "number of seconds"),
        ("transferred", "maybe", "true"),
        ("direction", "sideways", "inbound or outbound"),
    ],
)
def test_unreadable_values_stop_with_file_line_column_value(write_csv, column, value, expected):
    cols = {"offered_at": "2024-03-04T09:00:00Z", "talk_seconds": "1", "transferred": "yes", "direction": "inbound"}
    good = ",".join(cols.values())
    cols[column] = value
    bad = ",".join(cols.values())
    path = write_csv(
        f"""
        interaction_id,ended_at,{",".join(cols)}
        1,2024-03-04T09:10:00Z,{good}
        2,2024-03-04T09:10:00Z,{bad}
        """
    )
    with pytest.raises(InputError) as err:
        load(path)
    message = str(err.value)
    assert str(path) in message and "line 3" in message and f"column {column}" in message
    assert repr(value) in message and expected in message


def test_missing_required_column(write_csv):
    path = write_csv("interaction_id,answered_at,ended_at\n1,,2024-03-04T09:00:00Z\n")
    with pytest.raises(InputError, match="missing required column\\(s\\) offered_at"):
        load(path)


def test_missing_file_and_empty_glob(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="no file matches"):
        load(tmp_path / "*.csv")


def test_unknown_extension(tmp_path):
    path = tmp_path / "x.xls"
    path.write_text("x")
    with pytest.raises(InputError, match="unknown file type"):
        load(path)


def test_ragged_csv_is_an_input_error(write_csv):
    path = write_csv("interaction_id,offered_at,ended_at\n1,2024-03-04T09:00:00Z\n2,a,b,c,d\n")
    with pytest.raises(InputError, match=str(path)):
        load(path)
