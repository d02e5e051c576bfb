"""CSV exports in other encodings than UTF-8 (--encoding) and numbers with a decimal comma (--decimal-separator).

Every input is written here by hand, byte for byte; expected figures are worked out in the comments.
"""

from __future__ import annotations

import pytest
from conftest import cli_json
from test_json_contract import validate

from csmetrics.errors import ConfigError
from csmetrics.inputs.textformat import TextFormat

HEAD = "interaction_id,offered_at,answered_at,ended_at,queue,talk_seconds,hold_seconds,acw_seconds"
# Two answered contacts (handle 100 + 0 + 20 = 120 s and 200 + 10 + 0 = 210 s: AHT 165 s) and one abandoned.
ROWS = (
    "1,2024-03-04 09:00:00,2024-03-04 09:00:10,2024-03-04 09:02:10,{q},100,0,20",
    "2,2024-03-04 09:10:00,2024-03-04 09:10:30,2024-03-04 09:14:00,{q},200,10,0",
    "3,2024-03-04 09:20:00,,2024-03-04 09:21:00,{q},,,",
)
# Café ’24 € – “VIP”: é is E9 in Windows-1252 and Latin-1; ’ (92), € (80), – (96), “ (93) and ” (94) exist in
# Windows-1252 only (Latin-1 has control characters there).
CP1252_QUEUE = "Caf\u00e9 \u201924 \u20ac \u2013 \u201cVIP\u201d"


def _text(queue: str, newline: str = "\n") -> str:
    return newline.join([HEAD, *(r.format(q=queue) for r in ROWS)]) + newline


def _queues(result) -> list[str]:
    return [row["queue"] for row in cli_json(result)["rows"]]


def _check_figures(doc: dict) -> None:
    row = doc["rows"][0]
    assert (row["offered"], row["answered"], row["abandoned"]) == (3, 2, 1)
    assert row["aht_seconds"] == pytest.approx(165.0)


def test_a_cp1252_file_is_read_exactly_with_encoding_cp1252(cli, tmp_path):
    path = tmp_path / "windows.csv"
    data = _text(CP1252_QUEUE, "\r\n").encode("cp1252")
    assert b"\x92" in data and b"\x80" in data and b"\x93" in data  # the bytes Latin-1 reads differently
    path.write_bytes(data)
    spill = tmp_path / "spill"
    for name in ("cp1252", "windows-1252", "Windows_1252", "CP1252"):
        result = cli("report", path, "--encoding", name, "--by", "queue", "--temp-dir", spill, "-f", "json", "-q")
        assert _queues(result) == [CP1252_QUEUE]
        doc = cli_json(result)
        _check_figures(doc)
        assert doc["data_quality"]["files"][0]["encoding"] == "cp1252"
        validate(doc, "report.schema.json")
        assert not list(spill.glob("csmetrics-text-*"))  # the UTF-8 copy is removed after the read
    # Latin-1 reads the same bytes as other characters: the encodings are not interchangeable
    latin = _queues(cli("report", path, "--encoding", "latin-1", "--by", "queue", "-f", "json", "-q"))
    assert latin == [data.split(b"\r\n")[1].split(b",")[4].decode("latin-1")]
    assert latin != [CP1252_QUEUE]


def test_a_latin1_file_is_read_with_encoding_latin1(cli, tmp_path):
    queue = "Z\u00fcrich \u00df \u00e5 \u00a9"  # Zürich ß å ©: FC DF E5 A9
    path = tmp_path / "latin.csv"
    path.write_bytes(_text(queue).encode("latin-1"))
    for name in ("latin-1", "latin1", "iso-8859-1"):
        result = cli("report", path, "--encoding", name, "--by", "queue", "-f", "json", "-q")
        assert _queues(result) == [queue]
        _check_figures(cli_json(result))


def test_a_utf16_file_with_its_byte_order_mark_is_read_with_or_without_the_option(cli, tmp_path):
    queue = "K\u00f6ln \u20ac"
    little, big = tmp_path / "le.csv", tmp_path / "be.csv"
    little.write_bytes(b"\xff\xfe" + _text(queue, "\r\n").encode("utf-16-le"))
    big.write_bytes(b"\xfe\xff" + _text(queue).encode("utf-16-be"))
    for path in (little, big):
        for extra in ((), ("--encoding", "utf-16")):
            result = cli("report", path, *extra, "--by", "queue", "-f", "json", "-q")
            assert _queues(result) == [queue]
            doc = cli_json(result)
            _check_figures(doc)
            assert doc["data_quality"]["files"][0]["encoding"] == "utf-16"


def test_utf16_without_a_byte_order_mark_needs_the_option(cli, tmp_path):
    path = tmp_path / "nobom.csv"
    path.write_bytes(_text("Sales").encode("utf-16-le"))
    result = cli("report", path)
    assert result.exit_code == 3
    assert f"{path}, line 1 (the header)" in result.stderr and "--encoding utf-16" in result.stderr
    assert _queues(cli("report", path, "--encoding", "utf-16", "--by", "queue", "-f", "json", "-q")) == ["Sales"]


def test_bytes_that_are_not_utf8_stop_with_line_byte_and_the_option(cli, tmp_path):
    path = tmp_path / "export.csv"
    lines = _text("Sales").splitlines()
    lines[2] = lines[2].replace("Sales", "Sales \u2019")  # line 3 holds ’ as the Windows-1252 byte 92
    path.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    result = cli("report", path)
    assert result.exit_code == 3
    assert f"{path}, line 3: byte 0x92 (\u2019 in Windows-1252) is not UTF-8 text" in result.stderr
    assert "--encoding cp1252" in result.stderr
    assert "Traceback" not in result.stderr
    # in the header
    header = tmp_path / "header.csv"
    header.write_bytes(_text("Sales").replace("queue", "file d\u2019attente").encode("cp1252"))
    result = cli("report", header)
    assert result.exit_code == 3
    assert f"{header}, line 1 (the header): byte 0x92" in result.stderr and "--encoding cp1252" in result.stderr


def test_a_byte_undefined_in_cp1252_names_its_line(cli, tmp_path):
    path = tmp_path / "odd.csv"
    path.write_bytes(_text("Sales").encode() + b"4,2024-03-04 10:00:00,,2024-03-04 10:01:00,Sa\x81les,,,\n")
    result = cli("report", path, "--encoding", "cp1252")
    assert result.exit_code == 3
    assert f"{path}, line 5: byte 0x81 is not cp1252 text" in result.stderr and "latin-1" in result.stderr


def test_an_unknown_encoding_or_separator_is_a_usage_error(cli, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(_text("Sales"), encoding="utf-8")
    result = cli("report", path, "--encoding", "ebcdic")
    assert result.exit_code == 2 and "cp1252" in result.stderr
    result = cli("report", path, "--decimal-separator", ";")
    assert result.exit_code == 2 and "give . or ," in result.stderr
    with pytest.raises(ConfigError):
        TextFormat.of("utf-32", None)


# A ;-delimited export with decimal commas. Answered: 679,5 + 0 + 10,5 = 690 s and 120 + 5,25 + 0 = 125,25 s:
# AHT (690 + 125.25) / 2 = 407.625 s; the third contact is abandoned.
SEMICOLON = (
    "interaction_id;offered_at;answered_at;ended_at;queue;talk_seconds;hold_seconds;acw_seconds\r\n"
    "1;2024-03-04 09:00:00;2024-03-04 09:00:10;2024-03-04 09:12:00;Ventes;679,5;0;10,5\r\n"
    "2;2024-03-04 09:10:00;2024-03-04 09:10:05;2024-03-04 09:13:00;Ventes;120;5,25;0\r\n"
    "3;2024-03-04 09:20:00;;2024-03-04 09:21:00;Ventes;;;\r\n"
)


def test_decimal_commas_are_detected_in_a_semicolon_file(cli, tmp_path):
    path = tmp_path / "fr.csv"
    path.write_text(SEMICOLON, encoding="utf-8", newline="")
    result = cli("report", path, "-f", "json")
    doc = cli_json(result)
    row = doc["rows"][0]
    assert (row["offered"], row["answered"]) == (3, 2)
    assert row["aht_seconds"] == 407.625
    assert doc["data_quality"]["files"][0]["decimal_separator"] == ","
    assert doc["data_quality"]["files"][0]["decimal_separator_detected"] is True
    validate(doc, "report.schema.json")
    assert f"{path}: numbers read with a decimal comma" in result.stderr
    # the same with the option: no note, nothing detected
    result = cli("report", path, "--decimal-separator", ",", "-f", "json")
    doc = cli_json(result)
    assert doc["rows"][0]["aht_seconds"] == 407.625
    assert "decimal_separator_detected" not in doc["data_quality"]["files"][0]
    assert "decimal comma" not in result.stderr


def test_a_decimal_comma_that_cannot_be_read_names_the_option(cli, tmp_path):
    path = tmp_path / "fr.csv"
    path.write_text(SEMICOLON, encoding="utf-8", newline="")
    result = cli("report", path, "--decimal-separator", ".")
    assert result.exit_code == 3
    assert f"{path}, line 2, column talk_seconds: cannot read '679,5'" in result.stderr
    assert "--decimal-separator ," in result.stderr
    # a file mixing a point and commas is not detected: the comma values are named, with the option
    mixed = tmp_path / "mixed.csv"
    mixed.write_text(SEMICOLON.replace(";120;", ";120.5;"), encoding="utf-8", newline="")
    result = cli("report", mixed)
    assert result.exit_code == 3
    assert "cannot read '679,5'" in result.stderr and "--decimal-separator ," in result.stderr
    # with the option both forms read: (690 + 125.75) / 2 = 407.875
    assert cli_json(cli("report", mixed, "--decimal-separator", ",", "-f", "json"))["rows"][0]["aht_seconds"] == 407.875


def test_a_comma_file_keeps_the_decimal_point(cli, tmp_path):
    path = tmp_path / "en.csv"
    path.write_text(_text("Sales").replace(",100,", ",100.5,"), encoding="utf-8")
    doc = cli_json(cli("report", path, "-f", "json"))
    assert doc["rows"][0]["aht_seconds"] == pytest.approx((120.5 + 210) / 2)
    assert "decimal_separator" not in doc["data_quality"]["files"][0]


def test_a_mapping_declares_encoding_and_decimal_separator(cli, tmp_path):
    path = tmp_path / "vendor.csv"
    text = (
        "Ref;Entered;Picked up;Finished;Skill;Talk\r\n"
        f"1;2024-03-04 09:00:00;2024-03-04 09:00:10;2024-03-04 09:05:00;{CP1252_QUEUE};90,5\r\n"
        f"2;2024-03-04 09:10:00;2024-03-04 09:10:20;2024-03-04 09:15:00;{CP1252_QUEUE};30\r\n"
    )
    path.write_bytes(text.encode("cp1252"))
    mapping = tmp_path / "vendor.toml"
    mapping.write_text(
        '[source]\nencoding = "windows-1252"\ndecimal_separator = ","\n'
        '[columns]\ninteraction_id = "Ref"\noffered_at = "Entered"\nanswered_at = "Picked up"\n'
        'ended_at = "Finished"\nqueue = "Skill"\ntalk_seconds = "Talk"\n',
        encoding="utf-8",
    )
    doc = cli_json(cli("report", path, "-m", mapping, "--by", "queue", "-f", "json", "-q"))
    assert [r["queue"] for r in doc["rows"]] == [CP1252_QUEUE]
    assert doc["rows"][0]["aht_seconds"] == pytest.approx((90.5 + 30) / 2)  # 60.25
    # the option wins over the mapping: read as a decimal point, 90,5 is refused with the option named
    result = cli("report", path, "-m", mapping, "--decimal-separator", ".")
    assert result.exit_code == 3 and "--decimal-separator ," in result.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text(mapping.read_text().replace("windows-1252", "klingon"), encoding="utf-8")
    result = cli("report", path, "-m", bad)
    assert result.exit_code == 2 and "source.encoding" in result.stderr


def test_load_reads_the_encoding_into_the_store(cli, tmp_path):
    path = tmp_path / "windows.csv"
    path.write_bytes(_text(CP1252_QUEUE, "\r\n").encode("cp1252"))
    db = tmp_path / "store.db"
    result = cli("load", path, "--db", db, "-q")
    assert result.exit_code == 3 and "--encoding cp1252" in result.stderr
    assert cli("load", path, "--db", db, "--encoding", "cp1252", "-q").exit_code == 0
    doc = cli_json(cli("report", "--db", db, "--by", "queue", "-f", "json", "-q"))
    assert [r["queue"] for r in doc["rows"]] == [CP1252_QUEUE]
    _check_figures(doc)
    # a ;-file with decimal commas loads with them detected
    fr = tmp_path / "fr.csv"
    fr.write_text(SEMICOLON.replace("Ventes", "Caf\u00e9"), encoding="utf-8", newline="")
    assert cli("load", fr, "--db", db, "-q").exit_code == 0
    rows = cli_json(cli("report", "--db", db, "--by", "queue", "-f", "json", "-q"))["rows"]
    assert {r["queue"]: r["aht_seconds"] for r in rows}["Caf\u00e9"] == 407.625


def test_survey_answers_with_decimal_commas(cli, tmp_path):
    calls = tmp_path / "calls.csv"
    calls.write_text(_text("Sales"), encoding="utf-8")
    surveys = tmp_path / "surveys.csv"
    # answers 3,0 and 5,0 on the 1-5 scale: mean 4.0; satisfied (4 or 5): 1 of 2
    surveys.write_text("interaction_id;csat\n1;3,0\n2;5,0\n", encoding="utf-8")
    row = cli_json(cli("report", calls, "--surveys", surveys, "-f", "json", "-q"))["rows"][0]
    assert (row["csat_responses"], row["csat_mean"], row["csat"]) == (2, 4.0, 0.5)
    result = cli("report", calls, "--surveys", surveys, "--decimal-separator", ".")
    assert result.exit_code == 3
    assert f"{surveys}, line 2, column csat: cannot read '3,0'" in result.stderr
    assert "--decimal-separator ," in result.stderr
