"""The two periods of a comparison: local days of the report time zone, inclusive, and the checks between them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from csmetrics.definitions.model import Grouping
from csmetrics.errors import ConfigError


@dataclass(frozen=True)
class Period:
    """First and last local date, inclusive; ``None`` on both ends means all the data of the side."""

    first: dt.date | None = None
    last: dt.date | None = None

    def __post_init__(self) -> None:
        if (self.first is None) != (self.last is None):
            msg = "a period has both a first and a last date (FROM:TO), or neither"
            raise ConfigError(msg)
        if self.first is not None and self.last is not None and self.first > self.last:
            msg = f"period {self.first}:{self.last} ends before it starts"
            raise ConfigError(msg)

    @property
    def given(self) -> bool:
        return self.first is not None

    @property
    def days(self) -> int:
        assert self.first is not None and self.last is not None
        return (self.last - self.first).days + 1

    def __str__(self) -> str:
        return f"{self.first}:{self.last}" if self.given else "all the data"


def parse_period(text: str, option: str) -> Period:
    """``2024-03-04:2024-03-10`` (inclusive), or one date ``2024-03-04`` for a single day."""
    first_text, sep, last_text = text.strip().partition(":")
    try:
        first = dt.date.fromisoformat(first_text.strip())
        last = dt.date.fromisoformat(last_text.strip()) if sep else first
    except ValueError:
        msg = f"{option} expects FROM:TO local dates, e.g. 2024-03-04:2024-03-10 (or one date), got {text!r}"
        raise ConfigError(msg) from None
    if first > last:
        msg = f"{option} {text}: {first} is after {last}"
        raise ConfigError(msg)
    return Period(first, last)


def previous_period(after: Period) -> Period:
    """The period of equal length that ends the day before ``after`` starts (``--previous``)."""
    if after.first is None:
        msg = "--previous needs --after FROM:TO"
        raise ConfigError(msg)
    days = dt.timedelta(days=after.days)
    return Period(after.first - days, after.first - dt.timedelta(days=1))


def check_periods(before: Period, after: Period, *, one_input_set: bool) -> None:
    """One input set: both periods given and no day on both sides. Two input sets: any periods."""
    if not one_input_set:
        return
    if not before.given or not after.given:
        msg = (
            "give both periods: --before FROM:TO (or --previous) and --after FROM:TO; "
            "or compare two input sets with --before-inputs/--after-inputs"
        )
        raise ConfigError(msg)
    assert before.first and before.last and after.first and after.last
    first, last = max(before.first, after.first), min(before.last, after.last)
    if first <= last:
        msg = (
            f"the periods overlap ({first} to {last} is in both --before {before} and --after {after}); "
            "a day cannot be on both sides of a comparison"
        )
        raise ConfigError(msg)


def time_grouping(grouping: Grouping) -> bool:
    """A grouping whose key is computed from the offered time (interval, hour, day, week, month)."""
    return "offered_" in grouping.expression


def check_groupings(groupings: Sequence[Grouping], before: Period, after: Period) -> None:
    """A time grouping pairs the same bucket on both sides, so it needs the same period on both."""
    timed = [g.token for g in groupings if time_grouping(g)]
    if timed and before != after:
        msg = (
            f"--by {', '.join(timed)} splits by time, and the two periods share no such bucket; compare by "
            "queue, channel, agent, reason or team (time groupings work for two input sets over one period)"
        )
        raise ConfigError(msg)
