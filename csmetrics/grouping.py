"""The allow-list of --by groupings and the fixed SQL expression behind each.

Users choose groupings by name; the SQL text comes only from this table.
Time buckets use ``offered_local`` (offered_at in the report time zone).
"""

from __future__ import annotations

from dataclasses import dataclass

from csmetrics.errors import ConfigError
from csmetrics.schema import quote_identifier

GROUP_PREFIX = "grp__"
ALL_GROUP = "grp__all"  # the one constant group of a report without --by


@dataclass(frozen=True)
class Grouping:
    name: str  # the --by token
    key: str  # output key in rows
    sql: str  # typed expression over the scoped contacts (cheap to group and sort by)
    format_sql: str  # turns the typed key (placeholder ``{k}``) into the output text; may use $timezone
    meaning: str = ""


# A bucket instant written as its local start with the UTC offset in force, e.g. 2024-11-03T01:00:00-05:00.
_ISO_LOCAL = "csm_iso_with_offset(timezone($timezone, {k}), {k})"


def _bucket(minutes: int, token: str, key: str) -> Grouping:
    local = f"time_bucket(INTERVAL '{minutes} minutes', offered_local)"
    return Grouping(
        name=token,
        key=key,
        sql=f"csm_bucket_instant(offered_at, offered_local, {local})",
        format_sql=_ISO_LOCAL,
        meaning=f"{minutes}-minute bucket start, ISO 8601 with the offset in force",
    )


GROUPINGS: dict[str, Grouping] = {
    g.name: g
    for g in (
        _bucket(15, "interval:15m", "interval"),
        _bucket(30, "interval:30m", "interval"),
        _bucket(60, "interval:60m", "interval"),
        _bucket(60, "hour", "hour"),
        Grouping("day", "day", "CAST(offered_local AS DATE)", "strftime({k}, '%Y-%m-%d')", "local date, YYYY-MM-DD"),
        Grouping(
            "week", "week", "CAST(date_trunc('week', offered_local) AS DATE)", "strftime({k}, '%Y-%m-%d')",
            "ISO week, as the date of its Monday",
        ),
        Grouping("month", "month", "CAST(date_trunc('month', offered_local) AS DATE)", "strftime({k}, '%Y-%m')",
                 "YYYY-MM"),
        Grouping("queue", "queue", "queue", "{k}", "queue / skill"),
        Grouping("channel", "channel", "channel", "{k}", "voice, chat, email, ..."),
        Grouping("agent", "agent", "agent_id", "{k}", "agent_id of the answering agent"),
        Grouping("reason", "reason", "reason", "{k}", "contact reason"),
        Grouping("team", "team", "team", "{k}", "the agent's team, from --roster"),
    )
}
ALIASES = {"interval": "interval:30m", "interval:15": "interval:15m", "interval:30": "interval:30m",
           "interval:60": "interval:60m"}


def parse_group_by(text: str | None) -> list[Grouping]:
    """``"day,queue"`` -> the groupings, checked against the allow-list."""
    if not text:
        return []
    chosen: list[Grouping] = []
    for raw in text.split(","):
        token = raw.strip().lower()
        token = ALIASES.get(token, token)
        if token not in GROUPINGS:
            valid = ", ".join(GROUPINGS)
            msg = f"--by: unknown grouping {raw.strip()!r}; valid: {valid}"
            raise ConfigError(msg)
        g = GROUPINGS[token]
        if any(c.key == g.key for c in chosen):
            msg = f"--by: {g.key} given twice"
            raise ConfigError(msg)
        chosen.append(g)
    return chosen


def group_key(grouping: Grouping) -> str:
    """The quoted typed key column of a grouping: ``"grp__<key>"``."""
    return quote_identifier(GROUP_PREFIX + grouping.key)


def group_columns(groupings: list[Grouping]) -> list[str]:
    """The SELECT items that compute the typed key columns (a constant grp__all without groupings)."""
    if not groupings:
        return [f"'all' AS {ALL_GROUP}"]
    return [f"{g.sql} AS {group_key(g)}" for g in groupings]
