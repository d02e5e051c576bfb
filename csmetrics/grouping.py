"""The allow-list of --by groupings and the fixed SQL expression behind each.

Users choose groupings by name; the SQL text comes only from this table.
Time buckets use ``offered_local`` (offered_at in the report time zone).
"""

from __future__ import annotations

from dataclasses import dataclass

from csmetrics.errors import ConfigError


@dataclass(frozen=True)
class Grouping:
    name: str  # the --by token
    key: str  # output key in rows
    sql: str  # expression over the scoped contacts
    order_sql: str | None = None  # a sortable value when the key's text does not sort in time order
    meaning: str = ""


def _bucket(minutes: int, token: str, key: str) -> Grouping:
    local = f"time_bucket(INTERVAL '{minutes} minutes', offered_local)"
    instant = f"csm_bucket_instant(offered_at, offered_local, {local})"
    return Grouping(
        name=token,
        key=key,
        sql=f"csm_iso_with_offset({local}, {instant})",
        order_sql=instant,
        meaning=f"{minutes}-minute bucket start, ISO 8601 with the offset in force",
    )


GROUPINGS: dict[str, Grouping] = {
    g.name: g
    for g in (
        _bucket(15, "interval:15m", "interval"),
        _bucket(30, "interval:30m", "interval"),
        _bucket(60, "interval:60m", "interval"),
        _bucket(60, "hour", "hour"),
        Grouping("day", "day", "strftime(offered_local, '%Y-%m-%d')", meaning="local date, YYYY-MM-DD"),
        Grouping(
            "week", "week", "strftime(date_trunc('week', offered_local), '%Y-%m-%d')",
            meaning="ISO week, as the date of its Monday",
        ),
        Grouping("month", "month", "strftime(offered_local, '%Y-%m')", meaning="YYYY-MM"),
        Grouping("queue", "queue", "queue", meaning="queue / skill"),
        Grouping("channel", "channel", "channel", meaning="voice, chat, email, ..."),
        Grouping("agent", "agent", "agent_id", meaning="agent_id of the answering agent"),
        Grouping("reason", "reason", "reason", meaning="contact reason"),
        Grouping("team", "team", "team", meaning="the agent's team, from --roster"),
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
