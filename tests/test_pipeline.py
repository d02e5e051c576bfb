"""The pipeline's mechanics: the fused pass equals each metric's own query, the composed SQL a reviewer reads,
`definitions --sql` prints SQL that runs, and the declared steps run again only when their inputs change."""

from __future__ import annotations

import os

import duckdb
import polars as pl
import pytest
from conftest import ROOT, report_of, session_of

from csmetrics.calendars.spec import load_hours_file
from csmetrics.definitions.config import resolve
from csmetrics.definitions.contract import wrap_aggregate
from csmetrics.definitions.registry import load_registry
from csmetrics.pipeline import compose

SAMPLE = ROOT / "sample_data" / "interactions.csv"
HOURS = ROOT / "examples" / "hours" / "hours.toml"
SQL_SNAPSHOT = ROOT / "tests" / "snapshots" / "default_report.sql"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The shipped sample plus a resolved flag (not transferred; blank on a tenth of the rows), so that every
    contact metric has values."""
    path = tmp_path_factory.mktemp("sample") / "interactions.csv"
    duckdb.execute(
        "COPY (SELECT *, CASE WHEN hash(interaction_id) % 10 = 0 THEN NULL ELSE NOT coalesce(transferred, false) END "
        "AS resolved FROM read_csv($p, all_varchar = false)) TO '" + str(path).replace("'", "''") + "' (HEADER)",
        {"p": str(SAMPLE)},
    )
    definitions = resolve(overrides={"timezone": "America/New_York"})
    session = session_of([path], definitions=definitions)
    yield session, definitions
    session.close()


def test_the_fused_pass_equals_each_metric_computed_alone(sample):
    session, definitions = sample
    # with opening hours, so that the calendar metrics have values too
    report = report_of(session, definitions, group_by="day,queue", hours=load_hours_file(HOURS))
    registry = session.registry
    groupings = compose.parse_group_by(registry, "day,queue")
    chain = compose.scoped_chain(registry, groupings, external=False, business=True)
    session.execute("CREATE OR REPLACE TEMP TABLE scoped AS " + chain.select("SELECT * FROM scoped"), {}, "scoped")
    keys = ["grp__day", "grp__queue"]
    contact_metrics = [m for m in registry.metrics if m.source == "contacts" and m.kind == "aggregate"]
    fused = session.query(compose.aggregate_pass("scoped", contact_metrics))
    assert len(contact_metrics) >= 25
    with_values = 0
    for m in contact_metrics:
        alone = session.query(wrap_aggregate(m.sql, m.name, "scoped"))
        joined = fused.select(*keys, m.name).join(alone, on=keys, how="full", nulls_equal=True, suffix="_alone")
        assert joined.height == fused.height == alone.height, m.name
        same = (pl.col(m.name) == pl.col(f"{m.name}_alone")) | (
            pl.col(m.name).is_null() & pl.col(f"{m.name}_alone").is_null()
        )
        assert joined.select(same.all()).item(), m.name
        with_values += joined[m.name].null_count() < joined.height
    assert with_values == len(contact_metrics)  # the comparison is not between two columns of nulls
    assert report.rows.height == fused.height


def test_the_composed_sql_of_a_default_report_is_the_snapshot():
    """The query a default report runs, for a reviewer to read. Regenerate with CSMETRICS_UPDATE_SNAPSHOTS=1."""
    registry = load_registry()
    metrics = [m for m in registry.metrics if m.source == "contacts" and m.kind == "aggregate"]
    sql = compose.aggregate_pass(
        "scoped", metrics, registry.quality, compose.scoped_chain(registry, [], external=False)
    )
    if os.environ.get("CSMETRICS_UPDATE_SNAPSHOTS"):
        SQL_SNAPSHOT.write_text(sql + "\n", encoding="utf-8")
    assert sql + "\n" == SQL_SNAPSHOT.read_text(encoding="utf-8")
    duckdb.connect().execute("SELECT json_serialize_sql($q)", {"q": sql})  # it parses


@pytest.mark.parametrize("metric", ["service_level", "aht_seconds", "fcr_rate", "csat"])
def test_definitions_sql_is_valid_sql_that_gives_the_reports_figure(sample, cli, metric):
    session, definitions = sample
    result = cli("definitions", metric, "--sql", "--tz", "America/New_York")
    assert result.exit_code == 0, result.stderr
    script = result.stdout
    assert all(len(line) < 400 for line in script.splitlines())  # a script, not a screen: never wrapped at 80
    session.execute("CREATE OR REPLACE TEMP TABLE prepared_check AS SELECT 1", {}, "x")
    *statements, query = [s for s in script.split(";\n") if s.strip()]
    for statement in statements:
        session.con.execute(statement)
    value = session.con.execute(query).fetchall()[0][1]
    [row] = report_of(session, definitions, metrics=[metric]).rows.to_dicts()
    assert value == pytest.approx(row[metric])


def test_a_step_runs_again_only_when_a_parameter_or_relation_it_reads_changed(sample):
    session, definitions = sample
    ran: list[str] = []
    original = session.execute

    def spy(sql, params, where):
        if where.startswith("sql/steps/"):
            ran.append(where.removeprefix("sql/steps/").removesuffix(".sql"))
        return original(sql, params, where)

    session.execute = spy  # type: ignore[method-assign]
    try:
        session.prepare(definitions)
        assert ran == []  # nothing changed since the last run
        session.prepare(definitions.replace({"csat.scale_max": 10}, "test"))
        # the CSAT scale acts where answers are checked: survey answers, the summary, the rejects
        cascade = ["answers", "summary", "rejects"]
        assert ran == cascade
        ran.clear()
        session.prepare(definitions.replace({"service_level.threshold_seconds": 30}, "test"))
        assert ran == cascade  # back to the first scale; no step reads the threshold
    finally:
        session.execute = original  # type: ignore[method-assign]
        session.prepare(definitions)


def test_rows_found_valid_once_are_tested_again_when_a_parameter_changes(tmp_path):
    # the summary step tests every row and, when it rejects none, the later scans take them as valid without a test
    # (input_rows_valid); a stricter limit in the same session must still reject, and the old limit accept again
    path = tmp_path / "i.csv"
    path.write_text(
        "interaction_id,queue,offered_at,answered_at,ended_at\n"
        "a,q,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:05:00Z\n"  # 300 s in all
        "b,q,2024-03-04T10:00:00Z,2024-03-04T10:00:20Z,2024-03-04T10:01:00Z\n"  # 60 s in all
    )
    definitions = resolve()
    with session_of([path], definitions=definitions) as session:

        def state() -> tuple[bool, int, list[str]]:
            valid = session.scalar("SELECT getvariable('input_rows_valid')")
            contacts = session.scalar("SELECT count(*) FROM contacts")
            rejected = session.query("SELECT reject_reason FROM rejects ORDER BY line")["reject_reason"].to_list()
            return valid, contacts, rejected

        assert state() == (True, 2, [])
        session.prepare(definitions.replace({"input.max_duration_seconds": 60}, "test"))
        assert state() == (False, 1, ["implausible_duration"])
        session.prepare(definitions.replace({"input.max_duration_seconds": 299}, "test"))
        assert state() == (False, 1, ["implausible_duration"])
        session.prepare(definitions)
        assert state() == (True, 2, [])
        assert report_of(session, definitions).rows["offered"].to_list() == [2]


def test_answers_found_valid_once_are_tested_again_when_the_scale_changes(tmp_path):
    # when no answer of a valid row is out of range the report takes the own answers as valid without a test
    # (input_answers_valid); a narrower scale in the same session must still reject, and the old one accept again
    path = tmp_path / "i.csv"
    path.write_text(
        "interaction_id,queue,offered_at,answered_at,ended_at,csat,nps\n"
        "a,q,2024-03-04T09:00:00Z,2024-03-04T09:00:10Z,2024-03-04T09:05:00Z,5,10\n"
        "b,q,2024-03-04T10:00:00Z,2024-03-04T10:00:20Z,2024-03-04T10:01:00Z,3,\n"
    )
    definitions = resolve()
    with session_of([path], definitions=definitions) as session:

        def state(defs) -> tuple[bool, list[int], list[float]]:
            session.prepare(defs)
            valid = session.scalar("SELECT getvariable('input_answers_valid')")
            rows = report_of(session, defs).rows
            return valid, [*rows["csat_responses"], *rows["nps_responses"]], rows["csat_mean"].to_list()

        assert state(definitions) == (True, [2, 1], [4.0])
        assert state(definitions.replace({"csat.scale_max": 4}, "test")) == (False, [1, 1], [3.0])
        assert state(definitions) == (True, [2, 1], [4.0])
