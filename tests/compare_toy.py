"""Shared by the compare tests: the sample's paths and weeks, toy data written contact by contact, and the
issue's ratio formulas written out again independently of csmetrics."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT
from scipy import stats as scipy_stats
from typer.testing import CliRunner

from csmetrics.cli import app

SAMPLE = ROOT / "sample_data" / "interactions.csv"
STATES = ROOT / "sample_data" / "agent_states.csv"
ROSTER = ROOT / "sample_data" / "roster.csv"
WEEK_1 = ("--before", "2024-03-04:2024-03-10")
WEEK_2 = ("--after", "2024-03-11:2024-03-17")
NY = ("--tz", "America/New_York")
TOY_HEADER = "interaction_id,offered_at,answered_at,ended_at,queue,abandoned_wait,csat,nps"


def close(value: float | None, expected: float, digits: int) -> bool:
    """``value`` equals ``expected`` as printed with ``digits`` decimals."""
    return value is not None and abs(value - expected) <= 0.5 * 10.0**-digits + 1e-12


def cli_json(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def row_of(doc: dict, metric: str, **group: str) -> dict:
    [row] = [r for r in doc["rows"] if r["metric"] == metric and all(r[k] == v for k, v in group.items())]
    return row


# ----------------------------------------------------------------------------------------------------------------
# Toy data: every contact written out, so the clusters can be recomputed here


def _contact(n: int, day: str, hour: int, minute: int, wait: int | None, queue: str = "q", csat="", nps="") -> str:
    offered = dt.datetime.fromisoformat(f"{day}T{hour:02d}:{minute:02d}:00+00:00")
    if wait is None:  # abandoned after 60 s
        ended = offered + dt.timedelta(seconds=60)
        return f"{n},{offered:%Y-%m-%dT%H:%M:%SZ},,{ended:%Y-%m-%dT%H:%M:%SZ},{queue},,{csat},{nps}"
    answered = offered + dt.timedelta(seconds=wait)
    ended = answered + dt.timedelta(seconds=300)
    return f"{n},{offered:%Y-%m-%dT%H:%M:%SZ},{answered:%Y-%m-%dT%H:%M:%SZ},{ended:%Y-%m-%dT%H:%M:%SZ},{queue},,{csat},{nps}"


# (day, hour, contacts answered within 20 s (wait 10 s), answered late (wait 30 s))
TOY_DAYS = [
    # before: 2 days, (y_d, x_d) = (8, 10), (12, 20)
    ("2024-03-04", 9, 5, 0),
    ("2024-03-04", 10, 3, 2),
    ("2024-03-05", 9, 12, 8),
    # after: 3 days, (9, 10), (18, 20), (6, 10)
    ("2024-03-11", 9, 9, 1),
    ("2024-03-12", 9, 10, 0),
    ("2024-03-12", 14, 8, 2),
    ("2024-03-13", 9, 6, 4),
]


def toy_csv(write_csv, days=TOY_DAYS) -> Path:
    lines, n = [TOY_HEADER], 0
    for day, hour, within, late in days:
        for i, wait in enumerate([10] * within + [30] * late):
            n += 1
            lines.append(_contact(n, day, hour, i, wait))
    return write_csv("\n".join(lines) + "\n")


def independent_ratio(yb, xb, ya, xa) -> dict[str, float]:
    """The issue's formulas, written out again: R = Σy/Σx, var(R) = n/(n-1) Σ(y - Rx)² / (Σx)², SE = √(v_b + v_a),
    Welch-Satterthwaite df, Student t p-value and 95 % interval."""

    def side(y, x):
        y, x = np.asarray(y, float), np.asarray(x, float)
        r = y.sum() / x.sum()
        n = len(y)
        return r, n / (n - 1) * ((y - r * x) ** 2).sum() / x.sum() ** 2, n

    rb, vb, nb = side(yb, xb)
    ra, va, na = side(ya, xa)
    se = math.sqrt(vb + va)
    df = (vb + va) ** 2 / (vb**2 / (nb - 1) + va**2 / (na - 1))
    t = (ra - rb) / se
    half = scipy_stats.t.ppf(0.975, df) * se
    return {
        "before": rb,
        "after": ra,
        "difference": ra - rb,
        "se": se,
        "df": df,
        "statistic": t,
        "p_value": 2 * scipy_stats.t.sf(abs(t), df),
        "ci_low": ra - rb - half,
        "ci_high": ra - rb + half,
    }


def assert_matches(row: dict, expected: dict[str, float]) -> None:
    for key, value in expected.items():
        assert row[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key


def week_on_week_document() -> dict:
    """``compare --format json`` of the sample, week 1 against week 2 (the issue's "Done when" command)."""
    r = CliRunner().invoke(app, ["compare", str(SAMPLE), *WEEK_1, *WEEK_2, *NY, "--format", "json"])
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)
