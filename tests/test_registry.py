"""The metric registry: every SQL file is well formed, and every metric, parameter and command is documented."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

from csmetrics.cli import app
from csmetrics.errors import DefinitionError
from csmetrics.registry import bind_names_used, load_registry

README = (ROOT / "README.md").read_text(encoding="utf-8")
DEFINITIONS = (ROOT / "docs" / "definitions.md").read_text(encoding="utf-8")


def test_registry_loads_and_names_match_files():
    reg = load_registry()
    assert reg.metrics
    for m in reg.metrics:
        assert m.path.stem == m.name
        assert m.unit in {"count", "ratio", "seconds", "hours", "score", "number"}
        assert m.description and m.title


def test_issue_parameter_names_and_defaults():
    params = load_registry().params
    expected = {
        "timezone": "UTC",
        "source_timezone": "UTC",
        "service_level.threshold_seconds": 20,
        "service_level.denominator": "offered",
        "abandon.short_abandon_seconds": 5,
        "aht.include_hold": True,
        "aht.include_acw": True,
        "fcr.window_hours": 24,
        "fcr.match": "customer_id",
        "complaint.denominator": "offered",
        "complaint.per": 1,
        "csat.scale_max": 5,
        "csat.satisfied_min": 4,
        "states.handling": ("acw", "on_contact"),
        "states.available": ("available",),
        "states.unstaffed": ("logged_out", "offline"),
        "utilization.exclude_states": (),
    }
    for name, default in expected.items():
        assert params[name].default == default, name


def test_every_metric_and_parameter_is_documented():
    reg = load_registry()
    for m in reg.metrics:
        assert f"`{m.name}`" in README, m.name
        assert m.name in DEFINITIONS, m.name
    for name in reg.params:
        assert f"`{name}`" in README, name
        assert name in DEFINITIONS, name


def test_every_command_is_in_the_readme():
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    names += [g.name for g in app.registered_groups]
    for name in names:
        assert re.search(rf"csmetrics {re.escape(name)}\b", README), name


def test_bind_scanner_ignores_comments_and_strings():
    sql = "select $a, '$not_a_param' -- $nor_this\n/* $nor_that */ from t where x = $b"
    assert bind_names_used(sql) == ("a", "b")


def test_invalid_definitions_are_reported_together(tmp_path):
    (tmp_path / "prepare").mkdir()
    (tmp_path / "bad_name.sql").write_text('/* csmetrics\nname = "other"\n*/\nselect 1')
    (tmp_path / "no_header.sql").write_text("select 1")
    (tmp_path / "undeclared.sql").write_text(
        '/* csmetrics\nname = "undeclared"\ntitle = "t"\nunit = "count"\norder = 1\ndescription = "d"\n*/\n'
        "select $nothing"
    )
    with pytest.raises(DefinitionError) as err:
        load_registry(tmp_path)
    text = str(err.value)
    assert "must equal the file name" in text and "missing the" in text and "$nothing" in text
