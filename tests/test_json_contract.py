"""Every command's JSON validates against the published schemas in docs/; every exit code is tested."""

from __future__ import annotations

import json

import pytest
from conftest import HEADER, ROOT
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from csmetrics import api

SCHEMAS = {
    name: json.loads((ROOT / "docs" / name).read_text())
    for name in ("report.schema.json", "store.schema.json", "commands.schema.json")
}
REGISTRY = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in SCHEMAS.values()])
ROWS = f"""
{HEADER}
1,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:05:10Z,voice,inbound,a,x1,c1,r,,,,
2,2024-03-04T09:10:00Z,2024-03-04T09:10:30Z,2024-03-04T09:15:30Z,chat,inbound,a,x1,c2,r,,,,
3,2024-03-04T09:20:00Z,,2024-03-04T09:21:00Z,voice,inbound,b,,c3,r,,,,
4,2024-03-04T09:20:00Z,2024-03-04T09:19:00Z,2024-03-04T09:21:00Z,voice,inbound,b,,c3,r,,,,
"""


def validate(document: dict, name: str, part: str | None = None) -> None:
    """Validate against docs/<name> (or its $defs/<part>); the schemas refer to each other by $id."""
    schema = SCHEMAS[name]
    Draft202012Validator.check_schema(schema)
    root = {"$ref": schema["$id"] + (f"#/$defs/{part}" if part else "")}
    errors = sorted(Draft202012Validator(root, registry=REGISTRY).iter_errors(document), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


def test_every_command_json_validates(write_csv, cli, tmp_path):
    path = write_csv(ROWS)
    db = tmp_path / "s.db"
    load = cli("load", path, "--db", db, "-f", "json")
    assert load.exit_code == 0
    validate(json.loads(load.stdout), "store.schema.json", "load")
    for args in ((path,), (path, "--by", "queue,day"), ("--db", db), ("--db", db, "--by", "interval:15m,channel")):
        r = cli("report", *args, "-f", "json", "-q")
        assert r.exit_code == 0, r.stderr
        validate(json.loads(r.stdout), "report.schema.json")
    info = cli("db", "info", "--db", db, "-f", "json")
    validate(json.loads(info.stdout), "store.schema.json", "db_info")
    rejects = cli("db", "rejects", "--db", db, "-f", "json")
    doc = json.loads(rejects.stdout)
    assert doc["total"] == 1 and doc["rejects"][0]["reject_reason"] == "answered_before_offered"
    validate(doc, "store.schema.json", "db_rejects")
    for targets, code in ((("offered>=1",), 0), (("queue=b:asa_seconds<=20", "offered>9"), 4)):
        r = cli("check", "--db", db, "--by", "queue", *[x for t in targets for x in ("-t", t)], "-f", "json")
        assert r.exit_code == code
        validate(json.loads(r.stdout), "store.schema.json", "check")


def test_definitions_inspect_and_fcr_windows_json_validate(write_csv, cli):
    path = write_csv(ROWS)
    for args in (("definitions",), ("definitions", "service_level"), ("definitions", "--tz", "Europe/Paris")):
        r = cli(*args, "-f", "json")
        assert r.exit_code == 0, r.stderr
        validate(json.loads(r.stdout), "commands.schema.json", "definitions")
    r = cli("inspect", path, "-f", "json")
    assert r.exit_code == 0, r.stderr
    validate(json.loads(r.stdout), "commands.schema.json", "inspect")
    r = cli("fcr-windows", path, "--windows", "1,24", "-f", "json")
    assert r.exit_code == 0, r.stderr
    validate(json.loads(r.stdout), "report.schema.json")


def test_schema_rejects_a_broken_document(write_csv, cli):
    doc = json.loads(cli("report", write_csv(ROWS), "-f", "json", "-q").stdout)
    doc["rows"][0]["offered"] = {"nested": 1}
    del doc["definitions_fingerprint"]
    with pytest.raises(AssertionError):
        validate(doc, "report.schema.json")


# -- exit codes (docs/exit-codes.md) --------------------------------------------------------
def test_exit_0_ok(write_csv, cli):
    r = cli("report", write_csv(ROWS), "-f", "csv", "-q")
    assert r.exit_code == 0 and r.stderr == ""


def test_exit_2_usage(write_csv, cli, tmp_path):
    path = write_csv(ROWS)
    for args in (("report", path, "-f", "xml"), ("check", path, "-t", "offered>>1"), ("report",), ("load", path)):
        r = cli(*args, env={"CSMETRICS_DB": ""})
        assert r.exit_code == 2, (args, r.stderr)
        assert "error:" in r.stderr and "Traceback" not in r.stderr


def test_exit_3_invalid_data(write_csv, cli, tmp_path):
    bad = write_csv(f"{HEADER}\n1,yesterday,,,voice,inbound,a,,,,,,,\n")
    for args in (("report", bad), ("load", bad, "--db", tmp_path / "s.db")):
        r = cli(*args)
        assert r.exit_code == 3 and "cannot read 'yesterday'" in r.stderr


def test_exit_4_target_missed(write_csv, cli):
    path = write_csv(ROWS)
    assert cli("check", path, "-t", "offered>=3").exit_code == 0  # a, a, b: 3 offered
    assert cli("check", path, "-t", "offered>=4").exit_code == 4


def test_exit_75_store_busy_in_process(write_csv, cli, tmp_path, monkeypatch):
    import duckdb

    def locked(*_a, **_k):
        raise duckdb.IOException('IO Error: Could not set lock on file "x": Conflicting lock is held in p (PID 42)')

    monkeypatch.setattr(duckdb, "connect", locked)
    store = tmp_path / "s.db"
    store.write_bytes(b"")  # exists (an empty file: a store DuckDB has not written yet)
    r = cli("db", "info", "--db", store, "--wait", "0.2")
    assert r.exit_code == 75 and "busy" in r.stderr and "PID 42" in r.stderr


def test_exit_1_unexpected(write_csv, cli, monkeypatch):
    def boom(*_a, **_k):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(api, "report", boom)
    r = cli("report", write_csv(ROWS))
    assert r.exit_code == 1 and "internal error: RuntimeError: simulated bug" in r.stderr


def test_off_a_terminal_stdout_is_data_only_and_quiet_is_silent(write_csv, cli, tmp_path):
    path = write_csv(ROWS)
    r = cli("load", path, "--db", tmp_path / "s.db")
    assert r.stdout == "" and "loaded" in r.stderr and "\x1b[" not in r.stderr  # no colour, no progress
    q = cli("load", path, "--db", tmp_path / "s.db", "-q")
    assert q.stdout == "" and q.stderr == ""


def test_files_and_a_store_together_is_a_usage_error(write_csv, cli, tmp_path):
    path = write_csv(ROWS)
    r = cli("report", path, "--db", tmp_path / "s.db")
    assert r.exit_code == 2 and "not both" in r.stderr
    # CSMETRICS_DB set globally does not stop the file mode
    assert cli("report", path, "-q", "-f", "csv", env={"CSMETRICS_DB": str(tmp_path / "s.db")}).exit_code == 0
