"""The opening-hours configuration: parse and validate it into frozen dataclasses.

A calendar is written in TOML, in a file given with ``--hours FILE`` or inside ``csmetrics.toml``::

    timezone = "Europe/London"
    holidays = "GB-ENG"            # holidays package: country "GB", subdivision "ENG"
    closures = "closures.csv"      # optional, relative to the TOML file: date,open,close
    [week]
    mon = "09:00-17:00"            # several ranges: "08:00-12:00,13:00-18:00"; all day: "00:00-24:00"
    ...                            # a day left out is closed

The top-level calendar, when there is one (a top-level ``[week]`` table), is named ``default``. Further
calendars are ``[calendars.NAME]`` tables with the same keys (``[calendars.NAME.week]`` for the week), and
``calendar = "NAME"`` under ``[channels.X]`` or ``[queues.Y]`` assigns one to a channel or a queue.

Every problem raises :class:`HoursConfigError` (a ``ValueError``, and a ``ConfigError`` so that the command
line exits 2) whose message names the file and the key, and says how to fix it.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any

from csmetrics.errors import ConfigError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # position + 1 = ISO day of week
CALENDAR_KEYS = ("timezone", "holidays", "closures", "week")
ASSIGNMENT_SCOPES = ("channels", "queues")
HOURS_FILE_KEYS = (*CALENDAR_KEYS, "calendars", *ASSIGNMENT_SCOPES)
DEFAULT_CALENDAR = "default"
MINUTES_PER_DAY = 24 * 60
CLOSED = "closed"  # may be written for a day instead of leaving it out

_MACHINE_ZONES = frozenset({"localtime", "posixrules"})  # files of the zone database, not zones DuckDB knows
_RANGE = re.compile(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_RANGE_HELP = 'write ranges like "09:00-17:00", several as "08:00-12:00,13:00-18:00", all day as "00:00-24:00"'
_CLOSURES_HEADER = ["date", "open", "close"]


class HoursConfigError(ConfigError, ValueError):
    """An invalid opening-hours configuration; the message names the file and key and says how to fix it."""


@dataclass(frozen=True, order=True)
class TimeRange:
    """Local opening hours within one day, in minutes after local midnight; ``close_minute`` 1440 is 24:00."""

    open_minute: int
    close_minute: int

    def __str__(self) -> str:
        return f"{_hhmm(self.open_minute)}-{_hhmm(self.close_minute)}"


@dataclass(frozen=True)
class HolidayCode:
    """A country (and optional subdivision) of the ``holidays`` package, e.g. GB and ENG for "GB-ENG"."""

    country: str
    subdivision: str | None = None

    def __str__(self) -> str:
        return self.country if self.subdivision is None else f"{self.country}-{self.subdivision}"


@dataclass(frozen=True)
class Closure:
    """One date of the closures file: closed all day (no ranges) or open only during ``ranges``."""

    day: date
    ranges: tuple[TimeRange, ...] = ()

    @property
    def closed_all_day(self) -> bool:
        return not self.ranges


@dataclass(frozen=True)
class Calendar:
    """Opening hours in one time zone: a weekly template, public holidays and dated exceptions."""

    name: str
    timezone: str
    week: tuple[tuple[TimeRange, ...], ...]  # seven entries, Monday first; () = closed that day
    holidays: HolidayCode | None = None
    closures: tuple[Closure, ...] = ()
    closures_file: Path | None = None

    def ranges_on(self, isodow: int) -> tuple[TimeRange, ...]:
        """The template ranges of an ISO day of the week (1 = Monday ... 7 = Sunday)."""
        return self.week[isodow - 1]


@dataclass(frozen=True)
class HoursConfig:
    """Calendars by name (the top-level one is "default") and the channel and queue assignments."""

    calendars: Mapping[str, Calendar] = field(default_factory=dict)
    channel_calendars: Mapping[str, str] = field(default_factory=dict)
    queue_calendars: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("calendars", "channel_calendars", "queue_calendars"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def calendar_for(self, channel: str | None = None, queue: str | None = None) -> str | None:
        """The calendar of a contact: its queue's, else its channel's, else "default" when defined, else None."""
        if queue is not None and queue in self.queue_calendars:
            return self.queue_calendars[queue]
        if channel is not None and channel in self.channel_calendars:
            return self.channel_calendars[channel]
        return DEFAULT_CALENDAR if DEFAULT_CALENDAR in self.calendars else None

    def describe(self) -> dict[str, Any]:
        """The calendars and assignments as plain JSON data (for a report's document and its fingerprint): each
        calendar's zone, holiday code (with the holidays package's version, whose data can change), week and
        closures; empty without calendars."""
        if not self.calendars:
            return {}
        out: dict[str, Any] = {"calendars": {n: _describe(c) for n, c in sorted(self.calendars.items())}}
        if any(c.holidays is not None for c in self.calendars.values()):
            import holidays  # only when a calendar names holidays

            out["holidays_version"] = holidays.__version__
        out["channels"] = dict(sorted(self.channel_calendars.items()))
        out["queues"] = dict(sorted(self.queue_calendars.items()))
        return out


def _describe(calendar: Calendar) -> dict[str, Any]:
    return {
        "timezone": calendar.timezone,
        "holidays": None if calendar.holidays is None else str(calendar.holidays),
        "week": {
            day: ",".join(map(str, ranges)) for day, ranges in zip(WEEKDAYS, calendar.week, strict=True) if ranges
        },
        "closures": {c.day.isoformat(): ",".join(map(str, c.ranges)) or CLOSED for c in calendar.closures},
    }


# --- entry points -------------------------------------------------------------------------------------------


def load_hours_file(path: Path | str) -> HoursConfig:
    """Read and validate a dedicated hours file (``--hours FILE``); unknown top-level keys are errors."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        msg = f"cannot read hours file {path}: {e.strerror}; check the path given with --hours"
        raise HoursConfigError(msg) from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        msg = f"{path}: not valid TOML: {e}"
        raise HoursConfigError(msg) from e
    return parse_hours(data, source=str(path), base_dir=path.parent, strict=True)


def parse_hours(
    data: Mapping[str, Any], *, source: str = "csmetrics.toml", base_dir: Path | None = None, strict: bool = False
) -> HoursConfig:
    """Calendars by name and the channel/queue assignments from a whole parsed TOML document.

    ``source`` names the file in messages; relative closures paths are read from ``base_dir`` (default: the
    working directory). With ``strict`` (a dedicated hours file) every top-level key must be an hours key;
    without it (``csmetrics.toml``, which holds other settings too) other top-level keys are left alone, and
    ``[channels.X]``/``[queues.Y]`` tables may hold other keys besides ``calendar``.
    """
    if strict:
        _check_keys(data, HOURS_FILE_KEYS, source, "")
    calendars: dict[str, Calendar] = {}
    top = _top_level_calendar(data, source, base_dir)
    if top is not None:
        calendars[DEFAULT_CALENDAR] = top
    for name, calendar in _named_calendars(data.get("calendars"), source, base_dir).items():
        if name in calendars:
            msg = (
                f'{source}: calendars.{name}: the name "{name}" is taken by the top-level calendar; '
                "rename the table or move the top-level keys into it"
            )
            raise HoursConfigError(msg)
        calendars[name] = calendar
    return HoursConfig(
        calendars=calendars,
        channel_calendars=_assignments(data, "channels", calendars, source, strict),
        queue_calendars=_assignments(data, "queues", calendars, source, strict),
    )


def parse_calendar(
    name: str, table: Mapping[str, Any], *, source: str, prefix: str = "", base_dir: Path | None = None
) -> Calendar:
    """One calendar from its table; ``prefix`` is its key path in messages ("" or "calendars.NAME.")."""
    _check_keys(table, CALENDAR_KEYS, source, prefix)
    if "timezone" not in table:
        msg = f'{source}: {prefix}timezone is missing; add {prefix}timezone = "Europe/London" (an IANA time zone)'
        raise HoursConfigError(msg)
    if "week" not in table:
        msg = f'{source}: {prefix}week is missing; add a [{prefix}week] table with lines such as mon = "09:00-17:00"'
        raise HoursConfigError(msg)
    closures_file = None
    closures: tuple[Closure, ...] = ()
    if "closures" in table:
        closures_file = _closures_path(table["closures"], source, f"{prefix}closures", base_dir)
        closures = read_closures(closures_file, label=f"{source}: {prefix}closures")
    holidays = table.get("holidays")
    return Calendar(
        name=name,
        timezone=parse_timezone(table["timezone"], where=f"{source}: {prefix}timezone"),
        week=parse_week(table["week"], where=f"{source}: {prefix}week"),
        holidays=None if holidays is None else parse_holiday_code(holidays, where=f"{source}: {prefix}holidays"),
        closures=closures,
        closures_file=closures_file,
    )


# --- parts of a calendar ------------------------------------------------------------------------------------


def parse_timezone(value: Any, *, where: str) -> str:
    """An IANA time zone name known to zoneinfo (``where`` prefixes messages: "file: key")."""
    hint = 'use an IANA name such as "Europe/London" or "America/New_York"'
    if not isinstance(value, str) or not value.strip():
        msg = f"{where}: expected a time zone name, got {value!r}; {hint}"
        raise HoursConfigError(msg)
    try:
        if value in _MACHINE_ZONES:
            raise ValueError(value)
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as e:
        msg = f'{where}: "{value}" is not a time zone of the IANA database; {hint}'
        raise HoursConfigError(msg) from e
    return value


def parse_holiday_code(value: Any, *, where: str) -> HolidayCode:
    """A holidays-package code: "GB" (country) or "GB-ENG" (country-subdivision); case-insensitive."""
    if not isinstance(value, str) or not value.strip():
        msg = f'{where}: expected a code such as "GB" or "GB-ENG", got {value!r}'
        raise HoursConfigError(msg)
    supported = _supported_holiday_codes(where)
    country, _, subdivision = value.strip().partition("-")
    canonical = {c.upper(): c for c in supported}.get(country.upper())
    if canonical is None:
        msg = (
            f'{where}: "{value}" is not a country of the holidays package; use an ISO 3166 code such as "GB", '
            f'"US" or "GB-ENG" (python -c "import holidays; print(holidays.list_supported_countries())")'
        )
        raise HoursConfigError(msg)
    if not subdivision:
        return HolidayCode(canonical)
    subdivisions = {s.upper(): s for s in supported[canonical]}
    if subdivision.upper() not in subdivisions:
        valid = ", ".join(supported[canonical]) or "none"
        msg = (
            f'{where}: "{value}": the holidays package has no subdivision "{subdivision}" of {canonical}; '
            f"valid: {valid}"
        )
        raise HoursConfigError(msg)
    return HolidayCode(canonical, subdivisions[subdivision.upper()])


def parse_week(value: Any, *, where: str) -> tuple[tuple[TimeRange, ...], ...]:
    """The weekly template: mon ... sun, each a list of ranges; a day left out (or "closed") is closed."""
    if not isinstance(value, Mapping):
        msg = f'{where}: expected a table with lines such as mon = "09:00-17:00", got {value!r}'
        raise HoursConfigError(msg)
    for key in value:
        if key not in WEEKDAYS:
            msg = f"{where}.{key}: unknown key; the days are {', '.join(WEEKDAYS)}"
            raise HoursConfigError(msg)
    week = tuple(parse_day(value[day], where=f"{where}.{day}") if day in value else () for day in WEEKDAYS)
    if not any(week):
        msg = f'{where}: no day has opening hours; give at least one, such as mon = "09:00-17:00"'
        raise HoursConfigError(msg)
    return week


def parse_day(value: Any, *, where: str) -> tuple[TimeRange, ...]:
    """One day's ranges, "08:00-12:00,13:00-18:00", sorted; "closed" gives none. Overlaps are errors."""
    if not isinstance(value, str):
        msg = f'{where}: expected a string such as "09:00-17:00", got {value!r}'
        raise HoursConfigError(msg)
    if value.strip().lower() == CLOSED:
        return ()
    ranges = sorted(parse_range(part.strip(), where=where) for part in value.split(","))
    for earlier, later in itertools.pairwise(ranges):
        if later.open_minute < earlier.close_minute:
            msg = f'{where}: ranges "{earlier}" and "{later}" overlap; merge them into one range'
            raise HoursConfigError(msg)
    return tuple(ranges)


def parse_range(text: str, *, where: str) -> TimeRange:
    """One range HH:MM-HH:MM with 00:00 <= open < close <= 24:00 (ranges never cross midnight)."""
    match = _RANGE.fullmatch(text)
    if match is None:
        msg = f'{where}: "{text}" is not HH:MM-HH:MM; {_RANGE_HELP}'
        raise HoursConfigError(msg)
    oh, om, ch, cm = (int(g) for g in match.groups())
    for hours, minutes in ((oh, om), (ch, cm)):
        if minutes > 59 or hours > 24 or (hours == 24 and minutes > 0):
            msg = f'{where}: "{text}": {hours:02d}:{minutes:02d} is not a time of day; use 00:00 to 24:00'
            raise HoursConfigError(msg)
    opens, closes = oh * 60 + om, ch * 60 + cm
    if opens >= closes:
        msg = (
            f'{where}: "{text}" opens at or after it closes; a range cannot cross midnight: split it into '
            f'"{_hhmm(opens)}-24:00" on this day and "00:00-{_hhmm(closes)}" on the next'
        )
        raise HoursConfigError(msg)
    return TimeRange(opens, closes)


def read_closures(path: Path, *, label: str) -> tuple[Closure, ...]:
    """Dated exceptions from a CSV file ``date,open,close`` (header optional; blank and # lines skipped).

    A row with empty open and close (or only a date) closes that date all day; a row with both replaces the
    date's hours (several rows for one date give several ranges). ``label`` prefixes messages ("file: key").
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as e:
        msg = f"{label}: cannot read {path}: {e.strerror}; the path is relative to the folder of the TOML file"
        raise HoursConfigError(msg) from e
    except UnicodeDecodeError as e:
        msg = f"{label}: cannot read {path}: not UTF-8 text; save it as UTF-8 CSV"
        raise HoursConfigError(msg) from e
    days: dict[date, tuple[int, tuple[TimeRange, ...] | None]] = {}  # day -> (first line, ranges or None = closed)
    reader = csv.reader(io.StringIO(text))
    for row in reader:
        cells = [cell.strip() for cell in row]
        if not any(cells) or cells[0].startswith("#") or [c.lower() for c in cells] == _CLOSURES_HEADER:
            continue
        where = f"{label}: {path} line {reader.line_num}"
        day, ranges = _closure_row(cells, where)
        _merge_closure(days, day, ranges, reader.line_num, where)
    return tuple(Closure(day, ranges or ()) for day, (_, ranges) in sorted(days.items()))


# --- helpers ------------------------------------------------------------------------------------------------


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _check_keys(table: Mapping[str, Any], allowed: tuple[str, ...], source: str, prefix: str) -> None:
    for key in table:
        if key not in allowed:
            msg = f"{source}: {prefix}{key}: unknown key; valid keys here: {', '.join(allowed)}"
            raise HoursConfigError(msg)


def _top_level_calendar(data: Mapping[str, Any], source: str, base_dir: Path | None) -> Calendar | None:
    if "week" not in data:
        for key in ("holidays", "closures"):
            if key in data:
                msg = f'{source}: {key}: given without a top-level [week] table; add [week] with mon = "09:00-17:00"'
                raise HoursConfigError(msg)
        return None
    table = {key: data[key] for key in CALENDAR_KEYS if key in data}
    return parse_calendar(DEFAULT_CALENDAR, table, source=source, base_dir=base_dir)


def _named_calendars(value: Any, source: str, base_dir: Path | None) -> dict[str, Calendar]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        msg = f"{source}: calendars: expected tables such as [calendars.support], got {value!r}"
        raise HoursConfigError(msg)
    out: dict[str, Calendar] = {}
    for name, table in value.items():
        if not isinstance(table, Mapping):
            msg = f"{source}: calendars.{name}: expected a table [calendars.{name}] with timezone and a week"
            raise HoursConfigError(msg)
        out[name] = parse_calendar(name, table, source=source, prefix=f"calendars.{name}.", base_dir=base_dir)
    return out


def _assignments(
    data: Mapping[str, Any], scope: str, calendars: Mapping[str, Calendar], source: str, strict: bool
) -> dict[str, str]:
    """``calendar = "NAME"`` under ``[channels.X]`` or ``[queues.Y]``: {X: NAME}."""
    section = data.get(scope)
    if not isinstance(section, Mapping):
        if strict and section is not None:
            msg = f'{source}: {scope}: expected tables such as [{scope}.NAME] with calendar = "NAME"'
            raise HoursConfigError(msg)
        return {}
    out: dict[str, str] = {}
    for key, entry in section.items():
        where = f"{source}: {scope}.{key}"
        if not isinstance(entry, Mapping):
            if strict:
                msg = f'{where}: expected a table [{scope}.{key}] with calendar = "NAME"'
                raise HoursConfigError(msg)
            continue
        if strict:
            _check_keys(entry, ("calendar",), source, f"{scope}.{key}.")
        if "calendar" in entry:
            out[key] = _calendar_name(entry["calendar"], calendars, f"{where}.calendar")
    return out


def _calendar_name(value: Any, calendars: Mapping[str, Calendar], where: str) -> str:
    defined = ", ".join(sorted(calendars)) or "none (add a top-level [week] or a [calendars.NAME] table)"
    if not isinstance(value, str) or value not in calendars:
        msg = f"{where}: {value!r} is not a defined calendar; defined calendars: {defined}"
        raise HoursConfigError(msg)
    return value


def _closures_path(value: Any, source: str, key: str, base_dir: Path | None) -> Path:
    if not isinstance(value, str) or not value.strip():
        msg = f'{source}: {key}: expected a file name such as "closures.csv", got {value!r}'
        raise HoursConfigError(msg)
    path = Path(value)
    return path if path.is_absolute() or base_dir is None else base_dir / path


def _supported_holiday_codes(where: str) -> dict[str, list[str]]:
    try:
        import holidays  # imported here: only a calendar with holidays needs it (a declared dependency)
    except ImportError as e:
        msg = f"{where}: the holidays package is not installed; install it (pip install holidays) or remove the key"
        raise HoursConfigError(msg) from e
    return holidays.list_supported_countries()


def _closure_row(cells: list[str], where: str) -> tuple[date, tuple[TimeRange, ...] | None]:
    """(date, ranges) of one CSV row; ranges None = closed all day."""
    if len(cells) not in (1, 3):
        msg = f"{where}: expected date,open,close (3 fields), got {len(cells)}: {','.join(cells)}"
        raise HoursConfigError(msg)
    day = _closure_date(cells[0], where)
    opens, closes = (cells[1], cells[2]) if len(cells) == 3 else ("", "")
    if not opens and not closes:
        return day, None
    if not opens or not closes:
        msg = f"{where}: give both open and close (special hours), or neither (closed all day)"
        raise HoursConfigError(msg)
    return day, (parse_range(f"{opens}-{closes}", where=where),)


def _closure_date(text: str, where: str) -> date:
    msg = f'{where}: "{text}" is not a date; write it as YYYY-MM-DD, for example 2024-12-24'
    if _DATE.fullmatch(text) is None:
        raise HoursConfigError(msg)
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        raise HoursConfigError(msg) from e


def _merge_closure(
    days: dict[date, tuple[int, tuple[TimeRange, ...] | None]],
    day: date,
    ranges: tuple[TimeRange, ...] | None,
    line: int,
    where: str,
) -> None:
    if day not in days:
        days[day] = (line, ranges)
        return
    first_line, earlier = days[day]
    if earlier is None and ranges is None:
        return  # closed twice: the same thing
    if earlier is None or ranges is None:
        msg = (
            f"{where}: {day} is also on line {first_line}, once closed all day and once with hours; "
            "keep only the rows you mean"
        )
        raise HoursConfigError(msg)
    merged = parse_day(",".join(str(r) for r in (*earlier, *ranges)), where=where)
    days[day] = (first_line, merged)
