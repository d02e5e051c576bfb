"""docs/architecture.md stays true: its "how to add a metric" example works as written, and the columns it lists
for a contact metric are exactly the columns of `scoped`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import ROOT, report_of, session_of

from csmetrics.definitions.config import resolve
from csmetrics.definitions.registry import load_registry, sql_dir
from csmetrics.pipeline.contract import check_relations
from csmetrics.pipeline.session import Session

DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def _example() -> str:
    block = DOC.split("<!-- example metric:", 1)[1]
    return re.search(r"```sql\n(.*?)```", block, re.DOTALL).group(1)


def test_the_example_metric_of_the_checklist_works_as_written(tmp_path, write_csv):
    root = Path(shutil.copytree(sql_dir(), tmp_path / "sql"))
    (root / "metrics" / "long_waits.sql").write_text(_example(), encoding="utf-8")
    registry = load_registry(root)
    check_relations(registry)
    path = write_csv(
        """
        interaction_id,offered_at,answered_at,ended_at
        1,2024-03-04T09:00:00Z,2024-03-04T09:00:20Z,2024-03-04T09:05:00Z
        2,2024-03-04T09:01:00Z,2024-03-04T09:01:21Z,2024-03-04T09:05:00Z
        3,2024-03-04T09:02:00Z,,2024-03-04T09:03:00Z
        """
    )
    session = Session(registry=registry)
    session.read_interactions([str(path)], source_timezone="UTC")
    defs = resolve(registry=registry)
    [row] = report_of(session, defs, metrics=["long_waits", "answered"]).rows.to_dicts()
    # waits 20 s (= threshold 20: not longer) and 21 s (longer); the abandon is not answered
    assert row == {"long_waits": 1, "answered": 2}


def test_the_columns_listed_for_contact_metrics_are_the_scopes(tmp_path):
    listed = DOC.split("For contacts (`scoped`) those are:", 1)[1].split("For example")[0]
    names = set(re.findall(r"`([a-z_]+)`", listed)) - {"grp__"}
    session = session_of([ROOT / "sample_data" / "interactions.csv"])
    from csmetrics.pipeline import compose

    chain = compose.scoped_chain(session.registry, [], external=False)
    columns = {r[0] for r in session.con.execute("DESCRIBE " + chain.select("SELECT * FROM scoped")).fetchall()}
    assert names == columns - {"grp__all"}
