"""Engine mechanics: metrics computed together equal each metric's own SQL file run on its own."""

from __future__ import annotations

import polars as pl
from conftest import ROOT

from csmetrics import Engine, resolve
from csmetrics.grouping import parse_group_by
from csmetrics.registry import load_registry, simple_aggregate

SAMPLE = ROOT / "sample_data" / "interactions.csv"


def test_fused_metrics_equal_their_own_files():
    definitions = resolve(overrides={"timezone": "America/New_York"})
    engine = Engine()
    engine.load([str(SAMPLE)])
    report = engine.report(definitions, group_by="day,queue")
    fused = [m for m in load_registry().metrics if m.aggregate is not None]
    assert len(fused) >= 20  # most metrics are a single aggregate
    values = definitions.bind_values() | {"date_from": None, "date_to": None}
    # The report reads `scoped` as a CTE; store it to run each file alone and compare with the report's column.
    scope = engine._scope_select(parse_group_by("day,queue"), values, external=False)
    engine._execute(f"CREATE TEMP TABLE scoped AS {scope.sql}", scope.binds, "scope")
    keys = engine._query("SELECT DISTINCT grp__day, grp__queue FROM scoped", {}, "keys")
    for m in fused:
        alone = engine._query(m.sql, {u: values[u] for u in m.uses}, m.name)
        together = engine._query(
            f"SELECT grp__day, grp__queue, {m.aggregate} AS {m.name} FROM scoped GROUP BY ALL",
            {u: values[u] for u in m.uses}, m.name,
        )
        joined = keys.join(alone, on=["grp__day", "grp__queue"], nulls_equal=True).join(
            together, on=["grp__day", "grp__queue"], nulls_equal=True, suffix="_together"
        )
        assert joined.height == keys.height
        assert joined.select((pl.col(m.name) == pl.col(f"{m.name}_together")) | pl.col(m.name).is_null()).to_series().all(), m.name
    assert report.rows.height == keys.height


def test_simple_aggregate_recognises_only_the_simple_form():
    assert simple_aggregate("select columns('^grp__'), count(*) as n from scoped group by all", "n") == "count(*)"
    assert simple_aggregate("select columns('^grp__'), count(*) as n from scoped group by all", "m") is None
    assert simple_aggregate("select columns('^grp__'), count(*) as n, sum(x) as m from scoped group by all", "m") is None
    assert simple_aggregate("with a as (select 1) select columns('^grp__'), 1 as n from scoped group by all", "n") is None
    assert simple_aggregate(
        "select columns('^grp__'), (select count(*) from t) as n from scoped group by all", "n"
    ) is None
