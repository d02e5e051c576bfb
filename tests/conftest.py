"""Shared fixtures: tiny CSV inputs written from literal text, and the CLI runner."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from csmetrics.api import Inputs, ReportRequest, report
from csmetrics.cli import app
from csmetrics.definitions.config import resolve
from csmetrics.pipeline.report import ReportSpec, run_report
from csmetrics.pipeline.session import Session

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
    return run(paths, definitions=definitions, by=by).rows.to_dicts()


def run(paths: list[Path], *, definitions: Any = None, by: str | None = None, **inputs: Any) -> Any:
    """A report through the library's one entry point (csmetrics.api.report); ``inputs`` are Inputs fields,
    ``date_from``/``date_to``/``metrics`` go to the request."""
    request = {k: inputs.pop(k) for k in ("date_from", "date_to", "metrics") if k in inputs}
    for key in ("states", "surveys"):
        if key in inputs:
            inputs[key] = tuple(str(p) for p in inputs[key])
    for key in ("roster", "denominator"):
        if inputs.get(key) is not None:
            inputs[key] = str(inputs[key])
    return report(
        ReportRequest(
            inputs=Inputs(interactions=tuple(str(p) for p in paths), **inputs),
            definitions=definitions if definitions is not None else resolve(),
            group_by=by,
            **request,
        )
    )


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


def session_of(paths: list[Path], *, definitions: Any = None, **read: Any) -> Session:
    """A prepared session holding ``paths`` (read keyword arguments: mapping, sheet, source_timezone), for tests
    that look at the pipeline's tables. Close it, or let the test end."""
    definitions = definitions if definitions is not None else resolve()
    read.setdefault("source_timezone", definitions["source_timezone"])
    session = Session()
    session.read_interactions([str(p) for p in paths], **read)
    session.prepare(definitions)
    return session


def report_of(session: Session, definitions: Any = None, **spec: Any) -> Any:
    """A report over a prepared session (spec: group_by, date_from, date_to, metrics)."""
    return run_report(session, definitions if definitions is not None else resolve(), ReportSpec(**spec))
