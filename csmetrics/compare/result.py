"""A comparison's result: its rows, both sides' reports (periods, data quality), the definitions, the JSON."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from csmetrics.definitions.model import Metric
from csmetrics.definitions.params import Definitions
from csmetrics.pipeline.result import Report, definitions_document

SCHEMA_VERSION = "1.0"  # docs/compare.schema.json


@dataclass
class CompareResult:
    """One row per group and metric (``rows``), and the two reports the figures come from."""

    rows: list[dict[str, Any]]
    group_keys: list[str]
    metrics: list[Metric]
    definitions: Definitions
    before: Report
    after: Report
    cluster: str  # compare.cluster in effect
    confidence: float
    significance: float
    generated_at: str
    has_targets: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        return self.definitions.fingerprint

    def with_targets(self, before: Iterable[Mapping[str, Any]], after: Iterable[Mapping[str, Any]]) -> None:
        """Attach both sides' target evaluations (``analysis.targets`` results) to the rows they apply to."""
        outcomes: dict[tuple[str, str, tuple[Any, ...]], dict[str, Any]] = {}
        for side, results in (("before", before), ("after", after)):
            for r in results:
                group = tuple(r["group"].get(k) for k in self.group_keys)
                entry = outcomes.setdefault((r["target"], r["metric"], group), {"target": r["target"]})
                entry[side] = r["outcome"]
        for row in self.rows:
            group = tuple(row[k] for k in self.group_keys)
            row["targets"] = [
                {"target": e["target"], "before": e.get("before", "no_data"), "after": e.get("after", "no_data")}
                for (_, metric, g), e in outcomes.items()
                if metric == row["metric"] and g == group
            ]
        self.has_targets = True

    def side_document(self, report: Report) -> dict[str, Any]:
        return {
            "period": report.period,
            "definitions_fingerprint": report.fingerprint,
            "data_quality": report.data_quality,
        }

    def to_document(self) -> dict[str, Any]:
        """The JSON document of ``csmetrics compare`` (schema: docs/compare.schema.json)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "generated_at": self.generated_at,
            "timezone": self.definitions["timezone"],
            "group_by": self.group_keys,
            "comparison": {
                "cluster": self.cluster,
                "confidence": self.confidence,
                "significance_level": self.significance,
                "notes": self.notes,
            },
            "definitions": definitions_document(self.definitions, self.metrics),
            "definitions_fingerprint": self.fingerprint,
            "before": self.side_document(self.before),
            "after": self.side_document(self.after),
            "rows": self.rows,
        }
