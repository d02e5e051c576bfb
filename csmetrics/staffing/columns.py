"""The columns a from-data staffing run adds to the report's rows: declared once, here, with their meaning.

Each becomes a :class:`~csmetrics.definitions.model.Metric` of the staffing report, so the JSON
``definitions`` block defines it in words and the table and Markdown writers know its unit. The
measured figures the rows start from (offered, AHT, abandon rate, service level) are the report's own
metrics, defined in ``sql/metrics``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from csmetrics.definitions.model import Metric
from csmetrics.staffing.queries import staffing_query

THRESHOLD = "service_level.threshold_seconds"
SHORT = "abandon.short_abandon_seconds"
STATES = ("states.handling", "states.available", "states.unstaffed")


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    title: str
    unit: str
    description: str
    source: str  # sql/staffing/<source>.sql, or "model" (csmetrics/staffing, pure Python)
    parameters: tuple[str, ...] = ()
    states: bool = False  # only with --states

    def metric(self, order: int) -> Metric:
        path = staffing_query(self.source).path if self.source != "model" else Path(__file__).with_name("measured.py")
        return Metric(
            name=self.name,
            title=self.title,
            unit=self.unit,
            description=self.description,
            order=order,
            path=path,
            sql="",
            params=(),
            uses=self.parameters,
            label=self.label,
            source="contacts",
            kind="standalone",
        )


COLUMNS = (
    Column(
        "patience_seconds",
        "patience",
        "Mean patience",
        "seconds",
        "Mean time a contact is willing to wait: queue time of all queued contacts / abandons among them, over the "
        "group's whole period (--patience gives it instead); null when nobody abandoned (Erlang C is used).",
        "patience",
        (SHORT,),
    ),
    Column(
        "traffic_erlangs",
        "erlangs",
        "Offered load",
        "number",
        "Offered contacts x AHT / interval length, in erlangs (0 when nothing was offered).",
        "measured",
    ),
    Column(
        "required_agents",
        "req",
        "Required agents",
        "count",
        "Fewest whole agents with which the model meets the service-level target (and any occupancy, abandon and "
        "ASA caps).",
        "model",
        (THRESHOLD,),
    ),
    Column(
        "required_agents_fractional",
        "req frac",
        "Required agents, unrounded",
        "number",
        "The continuous agent count at which the model just meets every target (continuous Erlang B inside "
        "Erlang C; the incomplete-gamma form of Erlang A).",
        "model",
        (THRESHOLD,),
    ),
    Column(
        "required_fte",
        "req FTE",
        "Required FTE",
        "count",
        "Required agents / (1 - shrinkage), rounded up to whole positions (the unrounded required agents are "
        "the figure to sum).",
        "model",
        (THRESHOLD,),
    ),
    Column(
        "staffed_agents",
        "staffed",
        "Staffed agents",
        "number",
        "Agents staffed to take contacts: time in handling or available states / interval length.",
        "staffed",
        STATES,
        states=True,
    ),
    Column(
        "on_contact_agents",
        "on contact",
        "On-contact agents",
        "number",
        "Time in handling states / interval length.",
        "staffed",
        STATES,
        states=True,
    ),
    Column(
        "logged_in_agents",
        "logged in",
        "Logged-in agents",
        "number",
        "All staffed time (breaks, lunch, training and meetings included) / interval length.",
        "staffed",
        STATES,
        states=True,
    ),
    Column(
        "net_staffing",
        "net",
        "Net staffing",
        "number",
        "Staffed agents - unrounded required agents; negative is understaffed.",
        "compare",
        (THRESHOLD, *STATES),
        states=True,
    ),
    Column(
        "predicted_service_level",
        "SL pred",
        "Predicted service level",
        "ratio",
        "The model's service level (answered within the threshold over all arrivals) at the staffed agents.",
        "model",
        (THRESHOLD, *STATES),
        states=True,
    ),
    Column(
        "predicted_abandon_rate",
        "abandon pred",
        "Predicted abandon rate",
        "ratio",
        "The model's P(abandon) at the staffed agents (Erlang A; null under Erlang C).",
        "model",
        STATES,
        states=True,
    ),
    Column(
        "service_level_se",
        "SL SE",
        "Service level standard error",
        "ratio",
        "Binomial standard error of the measured service level, sqrt(SL (1 - SL) / offered).",
        "measured",
        (THRESHOLD,),
        states=True,
    ),
    Column(
        "service_level_gap",
        "SL gap",
        "Service level gap",
        "ratio",
        "Measured - predicted service level.",
        "compare",
        (THRESHOLD, *STATES),
        states=True,
    ),
    Column(
        "gap_flagged",
        "flag",
        "Gap flagged",
        "number",
        "True when the gap exceeds 2 standard errors (the larger of the measured SE and the SE the predicted level "
        "implies for the interval's offered contacts).",
        "compare",
        (THRESHOLD, *STATES),
        states=True,
    ),
)

# The report metrics a staffing run reads, and those of them its rows show.
CONTACT_METRICS = ("offered", "aht_seconds", "abandon_rate", "service_level")
STATE_METRICS = ("staffed_hours", "handling_hours", "available_hours")
# Row order: the group keys, then these (the report's own metrics among them).
ORDER = (
    "offered",
    "aht_seconds",
    "abandon_rate",
    "patience_seconds",
    "traffic_erlangs",
    "required_agents",
    "required_agents_fractional",
    "required_fte",
    "service_level",
    "staffed_agents",
    "on_contact_agents",
    "logged_in_agents",
    "net_staffing",
    "predicted_service_level",
    "predicted_abandon_rate",
    "service_level_se",
    "service_level_gap",
    "gap_flagged",
)


def columns(*, states: bool) -> tuple[Column, ...]:
    return tuple(c for c in COLUMNS if states or not c.states)
