"""Terminal tables at real widths: every value printed whole, nothing wider than the terminal."""

from __future__ import annotations

import io

import pytest
from conftest import ROOT
from rich.cells import cell_len
from rich.console import Console

from csmetrics import api
from csmetrics.render.table import layout, render_table
from csmetrics.render.values import format_value, metric_units

SAMPLE = ROOT / "sample_data"


def _report(by: str | None, *, states: bool = False, metrics: list[str] | None = None) -> api.Report:
    inputs = api.Inputs(
        interactions=(str(SAMPLE / "interactions.csv"),),
        states=(str(SAMPLE / "agent_states.csv"),) if states else (),
        roster=str(SAMPLE / "roster.csv") if states else None,
    )
    return api.report(
        api.ReportRequest(
            inputs=inputs, definitions=api.definitions(tz="America/New_York"), group_by=by, metrics=metrics
        )
    )


@pytest.fixture(scope="module")
def reports() -> dict[str, api.Report]:
    readme = ["offered", "service_level", "asa_seconds", "abandon_rate", "aht_seconds", "fcr_rate", "csat", "nps"]
    return {
        "readme main job": _report("week,team", states=True, metrics=[*readme, "occupancy", "utilization"]),
        "by month, every metric": _report("month"),
        "by day and queue, every metric": _report("day,queue", states=True),
        "no grouping": _report(None),
    }


def _printed(report: api.Report, width: int) -> str:
    out = io.StringIO()
    render_table(report, Console(file=out, width=width, force_terminal=True, color_system=None, highlight=False))
    return out.getvalue()


@pytest.mark.parametrize("width", [80, 100, 160])
@pytest.mark.parametrize("name", ["readme main job", "by month, every metric", "by day and queue, every metric"])
def test_every_value_is_printed_whole(reports, name, width):
    report = reports[name]
    text = _printed(report, width)
    assert "…" not in text
    assert max(cell_len(line) for line in text.splitlines()) <= width
    units = metric_units(report)
    lines = text.splitlines()
    for row in report.rows.iter_rows(named=True):
        keys = [str(row[k]) for k in report.group_keys]
        for name_, value in row.items():
            if name_ in units:
                shown = format_value(value, units[name_])
                assert shown in text, (name_, shown)
        # the row's keys are on one line of some table, or head a column of the transposed table
        assert any(all(k in line for k in keys) for line in lines) or all(k in text for k in keys)


def test_layouts_by_width(reports):
    main = reports["readme main job"]
    assert len(layout(main, 200)) == 1  # everything fits in one table
    assert len(layout(main, 100)) == 2  # panels, side by side while they fit
    assert [t.title for t in layout(main, 100)] == ["Queue and service · Handling · Outcomes", "Agent time"]
    monthly = reports["by month, every metric"]
    [table] = layout(monthly, 100)  # one month: metrics as rows, the month as a column
    assert [c.header for c in table.columns] == ["metric", "2024-03"]
    [single] = layout(reports["no grouping"], 80)
    assert [c.header for c in single.columns] == ["metric", "all"]
    # off a terminal, one table as wide as it needs
    assert len(layout(main, None)) == 1


def test_headers_wrap_instead_of_vanishing(reports):
    text = _printed(reports["readme main job"], 80)
    assert "abandon" in text and "occupancy" in text and "utilization" in text
    assert "m…" not in text and "o…" not in text
