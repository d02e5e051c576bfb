"""Shared fixtures: tiny CSV inputs written from literal text, and the CLI runner."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from csmetrics import Engine, resolve
from csmetrics.cli import app

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REAL_DATA = SHARED / "real_data"

HEADER = (
    "interaction_id,offered_at,answered_at,ended_at,channel,direction,queue,agent_id,customer_id,reason,"
    "talk_seconds,hold_seconds,acw_seconds,transferred"
)


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write dedented CSV text to a file and return its path."""
    counter = {"n": 0}

    def _write(text: str, name: str | None = None) -> Path:
        counter["n"] += 1
        path = tmp_path / (name or f"input{counter['n']}.csv")
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


def report_rows(paths: list[Path], *, by: str | None = None, **params: Any) -> list[dict[str, Any]]:
    """Run a report through the library and return its rows as dicts."""
    values = {k.replace("__", "."): v for k, v in params.items()}
    overrides = {k: values.pop(k) for k in ("timezone", "source_timezone") if k in values}
    definitions = resolve(assignments=values, overrides=overrides)
    engine = Engine()
    engine.load([str(p) for p in paths], source_timezone=definitions["source_timezone"])
    return engine.report(definitions, group_by=by).rows.to_dicts()


@pytest.fixture
def cli() -> Callable[..., Any]:
    """Invoke the CLI in-process; the result has .exit_code, .stdout and .stderr."""
    runner = CliRunner()

    def _run(*args: str, env: dict[str, str] | None = None) -> Any:
        return runner.invoke(app, [str(a) for a in args], env=env, catch_exceptions=False)

    return _run


def cli_json(result: Any) -> dict[str, Any]:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)
