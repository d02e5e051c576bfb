"""The registry and the metric contract: every SQL file is well formed and declared, every parameter is declared
where it takes effect and spelled one way, and a metric that breaks the contract is refused at start-up."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import ROOT

from csmetrics.cli import app
from csmetrics.definitions.contract import aggregate_problem
from csmetrics.definitions.reference import metrics_table, parameters_table
from csmetrics.definitions.registry import load_registry, sql_dir, variables_used
from csmetrics.errors import DefinitionError
from csmetrics.pipeline.contract import check_relations

README = (ROOT / "README.md").read_text(encoding="utf-8")
DEFINITIONS = (ROOT / "docs" / "definitions.md").read_text(encoding="utf-8")
METRIC_HEADER = 'name = "{name}"\ntitle = "t"\nunit = "count"\norder = 999\ndescription = "d"\n'


def sql_copy(tmp_path: Path) -> Path:
    """A copy of sql/ to break on purpose."""
    return Path(shutil.copytree(sql_dir(), tmp_path / "sql"))


def add_metric(root: Path, name: str, body: str, header: str = "") -> None:
    (root / "metrics" / f"{name}.sql").write_text(
        f"/* csmetrics\n{METRIC_HEADER.format(name=name)}{header}*/\n{body}\n"
    )


def test_registry_loads_and_names_match_files():
    reg = load_registry()
    assert len(reg.metrics) >= 37
    for m in reg.metrics:
        assert m.path.stem == m.name
        assert m.unit in {"count", "ratio", "seconds", "hours", "score", "number"}
        assert m.description and m.title
    assert [s.name for s in reg.steps] == [
        "versions",
        "checked",
        "contacts",
        "surveys",
        "answers",
        "summary",
        "rejects",
        "states",
    ]


def test_parameter_names_and_defaults():
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


def test_parameters_that_act_on_every_contact_are_declared_where_they_act():
    params = load_registry().params
    assert params["abandon.short_abandon_seconds"].declared_in == "sql/report/scope.sql"
    assert params["csat.scale_min"].declared_in == params["csat.scale_max"].declared_in == "sql/steps/answers.sql"
    assert params["fcr.window_hours"].declared_in == params["fcr.match"].declared_in == "sql/report/outcomes.sql"
    assert params["states.handling"].declared_in == "sql/macros/states.sql"
    # each metric still shows the parameters that shape it, with the report
    reg = load_registry()
    assert reg.metric("short_abandoned").parameter_names == ("abandon.short_abandon_seconds",)
    assert reg.metric("csat").parameter_names == ("csat.satisfied_min", "csat.scale_min", "csat.scale_max")
    assert set(reg.metric("occupancy").parameter_names) == {"states.available", "states.handling", "states.unstaffed"}


def test_every_parameter_is_spelled_one_way_from_declaration_to_sql():
    """The name a user types (--set NAME=...) is the name declared and the name the SQL reads."""
    folders = ("macros", "steps", "report", "metrics", "quality")
    sql_text = "\n".join(p.read_text(encoding="utf-8") for f in folders for p in (sql_dir() / f).glob("*.sql"))
    for name, spec in load_registry().params.items():
        if spec.declared_in.startswith("sql/"):
            assert f'[params."{name}"]' in (ROOT / spec.declared_in).read_text(encoding="utf-8"), name
            assert f"getvariable('{name}')" in sql_text, name
    assert "$" not in re.sub(r"'[^']*'|--[^\n]*", "", sql_text.replace("$.", "")), "bind parameters are variables now"


def test_readme_reference_tables_are_the_generated_ones():
    reg = load_registry()
    assert metrics_table(reg) in README + "\n"
    assert parameters_table(reg) in README + "\n"


def test_every_metric_and_parameter_is_explained_in_the_definitions_doc():
    reg = load_registry()
    explained = set(re.findall(r"`([a-z_]+(?:\.[a-z_]+)?)`", DEFINITIONS))
    assert {m.name for m in reg.metrics} <= explained
    assert set(reg.params) <= explained


def test_every_command_is_in_the_readme():
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    names += [g.name for g in app.registered_groups]
    for name in names:
        assert re.search(rf"csmetrics {re.escape(name)}\b", README), name


def test_variable_scanner_ignores_comments():
    sql = "select getvariable('a') -- getvariable('nor_this')\n/* getvariable('nor_that') */ from t where x = getvariable('b')"
    assert variables_used(sql) == ("a", "b")


def test_invalid_definitions_are_reported_together(tmp_path):
    root = sql_copy(tmp_path)
    (root / "metrics" / "bad_name.sql").write_text('/* csmetrics\nname = "other"\n*/\ncount(*)')
    (root / "metrics" / "no_header.sql").write_text("count(*)")
    add_metric(root, "undeclared", "count(*) filter (where wait_seconds > getvariable('nothing.here'))")
    with pytest.raises(DefinitionError) as err:
        load_registry(root)
    text = str(err.value)
    assert "sql/metrics/bad_name.sql: name 'other' must equal the file name 'bad_name'" in text
    assert "sql/metrics/no_header.sql:1: missing the" in text
    assert "sql/metrics/undeclared.sql: reads undeclared parameter(s) nothing.here" in text


def test_a_metric_reading_a_column_the_scope_lacks_is_refused_at_start_up(tmp_path):
    root = sql_copy(tmp_path)
    add_metric(root, "by_queue_name", "count(*) filter (where queue = 'billing')")
    registry = load_registry(root)  # the header and the shape are fine...
    with pytest.raises(DefinitionError) as err:
        check_relations(registry)  # ...but scoped has no queue column (use the group key)
    assert "sql/metrics/by_queue_name.sql reads column(s) queue, which scoped does not provide" in str(err.value)


def test_the_cli_refuses_to_start_with_a_broken_metric(tmp_path, monkeypatch, cli, write_csv):
    root = sql_copy(tmp_path)
    add_metric(root, "by_queue_name", "count(*) filter (where queue = 'billing')")
    import csmetrics.definitions.registry as registry_module

    monkeypatch.setattr(registry_module, "sql_dir", lambda: root)
    load_registry.cache_clear()
    try:
        result = cli("report", write_csv("interaction_id,offered_at,answered_at\n1,2024-03-04T09:00:00Z,\n"))
    finally:
        load_registry.cache_clear()
    assert result.exit_code == 1
    assert "by_queue_name.sql reads column(s) queue" in result.stderr


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("count(*), sum(wait_seconds)", "a second result column"),
        ("select count(*) from scoped", "is not one SQL expression"),
        ("(select count(*) from contacts)", "a subquery"),
        ("sum(count(*)) over ()", "a window function"),
        ("count(*) filter (where is_answered", "is not one SQL expression"),
    ],
)
def test_an_aggregate_metric_must_be_one_aggregate_expression(tmp_path, body, why):
    assert why in aggregate_problem(body, "m", "scoped")
    root = sql_copy(tmp_path)
    add_metric(root, "odd", body)
    with pytest.raises(DefinitionError) as err:
        load_registry(root)
    assert "sql/metrics/odd.sql" in str(err.value) and why in str(err.value)
    assert 'declare kind = "standalone"' in str(err.value)


def test_a_query_is_accepted_when_it_declares_itself_standalone(tmp_path):
    root = sql_copy(tmp_path)
    add_metric(
        root,
        "answered_twice",
        "select columns('^grp__'), 2 * count(*) filter (where is_answered) as answered_twice from scoped group by all",
        header='kind = "standalone"\nreads = ["scoped"]\n',
    )
    registry = load_registry(root)
    check_relations(registry)
    assert registry.metric("answered_twice").kind == "standalone"


def test_a_step_that_reads_what_no_earlier_step_creates_is_refused(tmp_path):
    root = sql_copy(tmp_path)
    pipeline = (root / "pipeline.toml").read_text()
    (root / "pipeline.toml").write_text(pipeline.replace('"checked", "contacts"', '"contacts", "checked"'))
    with pytest.raises(DefinitionError) as err:
        load_registry(root)
    assert "sql/steps/contacts.sql: reads checked, which no input or earlier step of sql/pipeline.toml creates" in str(
        err.value
    )


def test_a_report_that_fails_on_a_metric_names_its_file_and_column(tmp_path, monkeypatch):
    # the contract is checked when a query fails (not before every command): the error is the contract's
    from csmetrics import api
    from csmetrics.pipeline import session as session_module

    root = sql_copy(tmp_path)
    add_metric(root, "by_queue_name", "count(*) filter (where queue = 'billing')")
    registry = load_registry(root)
    monkeypatch.setattr(session_module, "load_registry", lambda: registry)
    request = api.ReportRequest(inputs=api.Inputs(interactions=(str(ROOT / "sample_data" / "interactions.csv"),)))
    with pytest.raises(DefinitionError) as err:
        api.report(request)
    assert "sql/metrics/by_queue_name.sql reads column(s) queue, which scoped does not provide" in str(err.value)
