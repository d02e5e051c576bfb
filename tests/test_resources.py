"""The memory limit and spill directory every connection gets, and the progress a session reports."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import ROOT, cli_json
from rich.console import Console

from csmetrics import api
from csmetrics.cli import progress as cli_progress
from csmetrics.definitions.config import Config
from csmetrics.errors import ConfigError
from csmetrics.pipeline import resources
from csmetrics.pipeline.resources import DUCKDB_SHARE, Resources, parse_size
from csmetrics.pipeline.session import Session

SAMPLE = ROOT / "sample_data" / "interactions.csv"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("8GB", 8 * 1000**3),
        ("8gb", 8 * 1000**3),
        ("12GiB", 12 * 1024**3),
        ("1.5 GiB", int(1.5 * 1024**3)),
        ("500MB", 500 * 1000**2),
        ("100MB", 100 * 1000**2),
        ("2048MiB", 2048 * 1024**2),
        ("1TB", 1000**4),
    ],
)
def test_sizes(text: str, expected: int) -> None:
    assert parse_size(text) == expected


def test_a_percentage_is_of_the_machines_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "machine_memory", lambda: 24 * 1024**3)
    assert parse_size("50%") == 12 * 1024**3
    assert parse_size("100%") == 24 * 1024**3


@pytest.mark.parametrize("text", ["lots", "8XB", "-1GB", "0%", "101%", "99MB", "", "8 G B"])
def test_bad_sizes_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError, match="--memory-limit"):
        parse_size(text)


def test_default_is_two_thirds_of_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resources, "machine_memory", lambda: 24 * 1024**3)
    assert Resources().limit_bytes == 16 * 1024**3
    con = duckdb.connect()
    cleanup = Resources().apply(con)
    try:
        limit = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        # DuckDB gets 80 % of the 16 GiB: 13,107 MiB, which DuckDB shows as 12.7 GiB
        assert limit == "12.7 GiB"
        assert int(16 * 1024**3 * DUCKDB_SHARE) // 1024**2 == 13107
    finally:
        con.close()
        cleanup()


def test_a_store_read_in_place_limits_duckdb_to_the_stores_size(monkeypatch: pytest.MonkeyPatch) -> None:
    # 24 GiB machine: the default limit is 16 GiB, DuckDB's share 12.8 GiB (13,743,895,347 bytes)
    monkeypatch.setattr(resources, "machine_memory", lambda: 24 * 1024**3)
    default = Resources()
    assert default.duckdb_bytes == 13_743_895_347
    assert default.store_bytes_limit(5 * 1024**3) == 5 * 1024**3  # the store's size
    assert default.store_bytes_limit(100 * 1000**2) == 1024**3  # a small store: at least 1 GiB
    assert default.store_bytes_limit(13_743_895_346) == 13_743_895_346  # just under the default share
    assert default.store_bytes_limit(13_743_895_347) is None  # not under it: the default stands
    assert default.store_bytes_limit(20 * 1024**3) is None
    assert Resources(memory_limit=4 * 1000**3).store_bytes_limit(100 * 1000**2) is None  # a limit given wins
    monkeypatch.setattr(resources, "machine_memory", lambda: 1024**3)  # DuckDB's default share is under 1 GiB
    assert Resources().store_bytes_limit(100 * 1000**2) is None


def test_a_report_on_a_store_runs_under_the_stores_limit(cli: Any, tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    assert cli("load", SAMPLE, "--db", db, "-q").exit_code == 0
    defs = api.definitions()

    def limit(**kw: Any) -> str:
        with api.open_session(api.Inputs(store=db), defs, **kw) as session:
            return session.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]

    assert limit() == "1.0 GiB"  # the sample's store is small: the floor
    assert limit(resources=Resources(memory_limit=5 * 1024**3)) == "4.0 GiB"  # given: 80 % of it, as for files
    with api.open_session(api.Inputs(interactions=(str(SAMPLE),)), defs) as session:
        files = session.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    con = duckdb.connect()
    cleanup = Resources().apply(con)
    try:  # files keep the default (the machine's), whatever their size
        assert files == con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0] != "1.0 GiB"
    finally:
        con.close()
        cleanup()


def test_option_beats_environment_beats_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = {"memory_limit": "4GB", "temp_directory": str(tmp_path / "from-config")}
    monkeypatch.delenv("CSMETRICS_MEMORY_LIMIT", raising=False)
    monkeypatch.delenv("CSMETRICS_TEMP_DIR", raising=False)
    assert Resources.from_settings(None, None, settings) == Resources(4 * 1000**3, tmp_path / "from-config")
    monkeypatch.setenv("CSMETRICS_MEMORY_LIMIT", "3GB")
    monkeypatch.setenv("CSMETRICS_TEMP_DIR", str(tmp_path / "from-env"))
    assert Resources.from_settings(None, None, settings) == Resources(3 * 1000**3, tmp_path / "from-env")
    chosen = Resources.from_settings("2GB", tmp_path / "from-option", settings)
    assert chosen == Resources(2 * 1000**3, tmp_path / "from-option")
    monkeypatch.delenv("CSMETRICS_MEMORY_LIMIT")
    monkeypatch.delenv("CSMETRICS_TEMP_DIR")
    assert Resources.from_settings() == Resources()


def test_spill_directory_is_private_and_removed(tmp_path: Path) -> None:
    session = Session(resources=Resources(memory_limit=200 * 1000**2, temp_directory=tmp_path / "spill"))
    setting = session.con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
    assert Path(setting).parent == tmp_path / "spill"
    assert Path(setting).name.startswith("csmetrics-")
    Path(setting).mkdir()  # as DuckDB does when it spills
    (Path(setting) / "block.tmp").write_bytes(b"x")
    session.close()
    assert not Path(setting).exists()
    assert (tmp_path / "spill").is_dir()


def test_a_small_limit_gives_the_same_report(tmp_path: Path) -> None:
    """A report under a 100 MB limit (DuckDB gets 80 MB) spills or not, and gives the very same figures."""
    request = api.ReportRequest(inputs=api.Inputs(interactions=(str(SAMPLE),)), group_by="day,queue")
    small = api.ReportRequest(
        inputs=request.inputs,
        group_by="day,queue",
        resources=Resources(memory_limit=100 * 1000**2, temp_directory=tmp_path),
    )
    assert api.report(small).rows.equals(api.report(request).rows)


def test_cli_memory_limit_option(cli: Any, tmp_path: Path) -> None:
    doc = cli_json(cli("report", SAMPLE, "-f", "json", "--memory-limit", "1GB", "--temp-dir", tmp_path / "t"))
    assert doc["rows"]
    bad = cli("report", SAMPLE, "-f", "json", "--memory-limit", "lots")
    assert bad.exit_code == 2
    assert "--memory-limit 'lots'" in bad.stderr


def test_config_memory_limit_is_a_setting_not_a_parameter(tmp_path: Path) -> None:
    config_file = tmp_path / "csmetrics.toml"
    config_file.write_text('memory_limit = "2GB"\ntemp_directory = "spill"\n')
    config = Config.find(config_file)
    assert config.settings["memory_limit"] == "2GB"
    assert "memory_limit" not in config.values


class Recorder(api.Observer):
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def watch(self, con: duckdb.DuckDBPyConnection) -> None:
        self.events.append(("watch", None))

    def stage(self, text: str) -> None:
        self.events.append(("stage", text))

    def rows(self, count: int) -> None:
        self.events.append(("rows", count))

    def done(self) -> None:
        self.events.append(("done", None))


def test_a_session_reports_its_stages_and_rows_read() -> None:
    recorder = Recorder()
    result = api.report(api.ReportRequest(inputs=api.Inputs(interactions=(str(SAMPLE),))), observer=recorder)
    stages = [v for kind, v in recorder.events if kind == "stage"]
    assert recorder.events[0] == ("watch", None)
    assert recorder.events[-1] == ("done", None)
    assert stages[0] == "reading interactions.csv"
    assert "preparing: versions" in stages
    assert stages.index("preparing: versions") < stages.index("computing the metrics")
    assert ("rows", result.data_quality["rows_read"]) in recorder.events


def test_no_progress_off_a_terminal_or_when_quiet() -> None:
    off_terminal = Console(file=io.StringIO(), force_terminal=False)
    on_terminal = Console(file=io.StringIO(), force_terminal=True)
    assert type(cli_progress.observer(off_terminal, quiet=False)) is api.Observer
    assert type(cli_progress.observer(on_terminal, quiet=True)) is api.Observer
    assert isinstance(cli_progress.observer(on_terminal, quiet=False), cli_progress.TerminalProgress)


def test_progress_is_drawn_on_a_terminal_after_the_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_progress, "DELAY", 0.0)
    out = io.StringIO()
    shown = cli_progress.TerminalProgress(Console(file=out, force_terminal=True, width=100))
    con = duckdb.connect()
    shown.watch(con)
    shown.stage("reading big.csv")
    shown.rows(1234567)
    con.execute("SELECT count(*) FROM range(20000000) t(i) WHERE i % 7 = 3").fetchall()
    time.sleep(0.5)
    shown.done()
    con.close()
    text = out.getvalue()
    assert "reading big.csv" in text
    assert "1,234,567 rows read" in text
