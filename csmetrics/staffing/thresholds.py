"""The definitions a from-data staffing run uses: every abandon a miss, and one service-level threshold per row.

The report judges each contact by its own threshold (``channels.NAME.`` and ``queues.NAME.`` overrides of
``service_level.threshold_seconds``, sql/report/scope.sql); a queueing model takes one threshold for a row.
So a row's threshold is that of its queue or channel when the rows are split by them, and overrides the rows
are not split by are refused (exit 2) unless ``--threshold`` sets one threshold for every contact.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from csmetrics.definitions.params import Definitions, overrides, parse_override
from csmetrics.errors import ConfigError
from csmetrics.staffing.columns import THRESHOLD

DENOMINATOR = "service_level.denominator"
SCOPES = ("channel", "queue")


@dataclass(frozen=True)
class Thresholds:
    """The service-level threshold of each row: its queue's override, else its channel's, else the default."""

    default: int
    by_scope: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def for_row(self, keys: Mapping[str, Any]) -> int:
        for scope in ("queue", "channel"):  # a queue's override wins over its channel's, as in the report
            value = keys.get(scope)
            if value is not None and value in self.by_scope.get(scope, {}):
                return self.by_scope[scope][value]
        return self.default

    def as_json(self) -> dict[str, dict[str, int]]:
        """{scope: {channel or queue: threshold}} of the overrides in effect (empty without any)."""
        return {scope: dict(values) for scope, values in self.by_scope.items() if values}


def staffing_definitions(
    definitions: Definitions, threshold_seconds: float | None, split_keys: Sequence[str]
) -> tuple[Definitions, Thresholds, list[str]]:
    """The definitions a staffing run uses, the rows' thresholds, and notes on what was changed.

    * ``--threshold`` sets service_level.threshold_seconds for every contact: the global value and every
      channel or queue override of it (a note names the overrides it replaced).
    * The models count every abandon as a miss, so service_level.denominator is ``offered``, globally and in
      every override (a note says so when it was not).
    * Without ``--threshold``, overrides that differ from the global threshold need the rows split by their
      scope (``--by interval:30m,channel`` for channel overrides); otherwise a row would mix contacts judged
      by different thresholds, which no single model run can predict: ConfigError (exit 2).
    """
    notes: list[str] = []
    if threshold_seconds is not None:
        definitions, replaced = _one_threshold(definitions, threshold_seconds)
        if replaced:
            notes.append(f"--threshold {definitions[THRESHOLD]} applies to every contact (it replaces {replaced})")
    definitions, changed = _offered(definitions)
    if changed:
        notes.append(f"{DENOMINATOR} is offered here (it was {changed}): the models count every abandon as a miss")
    default = definitions[THRESHOLD]
    by_scope = {scope: overrides(definitions, THRESHOLD, scope) for scope in SCOPES}
    for scope, values in by_scope.items():
        differing = {value: t for value, t in values.items() if t != default}
        if differing and scope not in split_keys:
            listed = ", ".join(f"{value} {t} s" for value, t in sorted(differing.items()))
            msg = (
                f"{THRESHOLD} differs by {scope} ({listed}; {default} s otherwise), and a queueing model takes one "
                f"threshold per row: add {scope} to --by (e.g. --by interval:30m,{scope}), or give --threshold "
                "SECONDS for every contact"
            )
            raise ConfigError(msg)
    return definitions, Thresholds(default, by_scope), notes


def _scoped_names(definitions: Definitions, base: str) -> list[str]:
    spec = {base: definitions.specs[base]}
    return sorted(name for name in definitions.values if parse_override(name, spec) is not None)


def _one_threshold(definitions: Definitions, threshold_seconds: float) -> tuple[Definitions, str]:
    value = definitions.specs[THRESHOLD].coerce(threshold_seconds)
    names = _scoped_names(definitions, THRESHOLD)
    replaced = ", ".join(f"{name} = {definitions[name]}" for name in names if definitions[name] != value)
    return definitions.replace(dict.fromkeys([THRESHOLD, *names], value), "--threshold"), replaced


def _offered(definitions: Definitions) -> tuple[Definitions, str]:
    names = [DENOMINATOR, *_scoped_names(definitions, DENOMINATOR)]
    changed = [n for n in names if definitions[n] != "offered"]
    described = "; ".join(
        ("" if n == DENOMINATOR else f"{n} = ") + f"{definitions[n]}, from {definitions.sources[n]}" for n in changed
    )
    if changed:
        definitions = definitions.replace(dict.fromkeys(changed, "offered"), "staffing")
    return definitions, described
