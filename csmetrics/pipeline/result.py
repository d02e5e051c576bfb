"""A report's result: its rows and everything needed to read them right (definitions, period, quality)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from csmetrics.definitions.model import Metric
from csmetrics.definitions.params import Definitions, fingerprint, plain

SCHEMA_VERSION = "1.0"


@dataclass
class Report:
    """The result of one report: rows plus everything needed to read them right."""

    rows: pl.DataFrame
    group_keys: list[str]
    metrics: list[Metric]
    definitions: Definitions
    period: dict[str, str | None]
    data_quality: dict[str, Any]
    generated_at: str
    rejects: pl.DataFrame = field(default_factory=pl.DataFrame)
    state_rejects: pl.DataFrame | None = None  # rejected agent state rows (None without --states)
    opening_hours: dict[str, Any] = field(default_factory=dict)  # the calendars used (HoursConfig.describe())

    @property
    def fingerprint(self) -> str:
        """The definitions' fingerprint; with opening hours, of the parameters and the calendars together (two
        reports under different opening hours never share a fingerprint)."""
        if not self.opening_hours:
            return self.definitions.fingerprint
        return fingerprint({**self.definitions.values, "opening_hours": self.opening_hours})

    def definitions_document(self) -> dict[str, Any]:
        """Every metric in the report with its definition in words and its parameters in effect."""
        return definitions_document(self.definitions, self.metrics)

    def to_document(self) -> dict[str, Any]:
        """The JSON document (schema in docs/report.schema.json)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "generated_at": self.generated_at,
            "timezone": self.definitions["timezone"],
            "period": self.period,
            "group_by": self.group_keys,
            "definitions": self.definitions_document(),
            "definitions_fingerprint": self.fingerprint,
            **({"opening_hours": self.opening_hours} if self.opening_hours else {}),
            "data_quality": self.data_quality,
            "rows": self.rows.to_dicts(),
        }


def metric_document(definitions: Definitions, m: Metric) -> dict[str, Any]:
    return {
        "name": m.name,
        "title": m.title,
        "unit": m.unit,
        "definition": m.description,
        **({"notes": m.notes} if m.notes else {}),
        "parameters": {n: plain(definitions[n]) for n in m.parameter_names},
    }


def definitions_document(definitions: Definitions, metrics: Iterable[Metric]) -> dict[str, Any]:
    return {
        "parameters": definitions.as_json(),
        # where each parameter that is not at its default got its value (config file, mapping, store, --set)
        "sources": {
            name: definitions.sources[name]
            for name in sorted(definitions.values)
            if definitions.sources[name] != "default"
        },
        "metrics": [metric_document(definitions, m) for m in metrics],
    }
