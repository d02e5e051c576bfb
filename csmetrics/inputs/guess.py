"""A starter mapping guessed from an export's column names and sample values (``csmetrics inspect``),
each guess then checked against the data (:mod:`csmetrics.inputs.inspect_checks`)."""

from __future__ import annotations

from typing import Any

from csmetrics.inputs import hints
from csmetrics.inputs.guess_rules import (
    DATE_FORMATS,
    NUMERIC_DATETIME,
    SYNONYMS,
    ColumnInfo,
    duration_unit,
    is_clock,
    is_code,
    is_date,
    is_datetime,
    is_duration,
    is_score,
    looks,
    norm,
    outcome_values,
    toml_string,
)
from csmetrics.inputs.inspect_checks import Probe

__all__ = ["ColumnInfo", "guess_mapping", "toml_string"]

_HEADER = [
    "# Starter mapping written by csmetrics inspect: check every line before trusting the figures.",
    "# Keys: docs/definitions.md, 'Column mappings and presets'.",
    "",
    "[source]",
    '# timezone = "Europe/London"   # zone of naive times (default: source_timezone)',
    "",
    "[columns]",
]
_ORDER = (
    "interaction_id",
    "offered_at",
    "wait_seconds",
    "answered_at",
    "talk_seconds",
    "hold_seconds",
    "acw_seconds",
    "ended_at",
    "outcome",
)


class _Guesser:
    """A starter mapping from column names and sample values, each guess checked against the data (``probe``):
    each export column is used at most once."""

    def __init__(self, columns: list[ColumnInfo], probe: Probe | None = None) -> None:
        self.columns = columns
        self.probe = probe
        self.by_norm: dict[str, ColumnInfo] = {}
        for c in columns:
            self.by_norm.setdefault(norm(c.name), c)
        self.taken: set[str] = set()
        self.lines: dict[str, str] = {}
        self.proposed: dict[str, str] = {}
        self.chosen: dict[str, ColumnInfo] = {}  # mapping key -> the one export column it reads as it is
        self.outcome_values: dict[str, str] = {}
        self.definitions: dict[str, tuple[str, str]] = {}  # parameter -> (TOML value, why)
        self.notes: list[str] = []

    def candidates(self, key: str, test: Any = None) -> list[ColumnInfo]:
        """The free columns named like ``key`` (exactly, then containing a longer synonym), best first."""
        fits = [self.by_norm.get(syn) for syn in SYNONYMS[key]]
        fits += [c for syn in SYNONYMS[key] if len(syn) >= 4 for n, c in self.by_norm.items() if syn in n]
        out: list[ColumnInfo] = []
        for c in fits:
            if c is not None and c.name not in self.taken and c not in out and (test is None or test(c)):
                out.append(c)
        return out

    def find(self, key: str, test: Any = None) -> ColumnInfo | None:
        """The first free column named like ``key``, now taken."""
        fits = self.candidates(key, test)
        if fits:
            self.taken.add(fits[0].name)
            return fits[0]
        return None

    def put(self, key: str, toml: str, how: str, comment: str | None = None) -> None:
        self.lines[key] = f"{key} = {toml}" + (f"   # {comment}" if comment else "")
        self.proposed[key] = how

    def plain(self, key: str, test: Any = None) -> None:
        c = self.find(key, test)
        if c is not None:
            self.chosen[key] = c
            self.put(key, toml_string(c.name), c.name)

    def timestamp(self, key: str) -> None:
        c = self.find(key, is_datetime)
        if c is None:
            return
        self.chosen[key] = c
        decided = self._numeric_format(c) if looks(c.samples, NUMERIC_DATETIME) else None
        if decided is None:
            self.put(key, toml_string(c.name), c.name)
            return
        fmt, why = decided
        self.put(key, f"{{ from = {toml_string(c.name)}, format = {toml_string(fmt)} }}", f"{c.name} ({fmt})", why)
        self.notes.append(f"{c.name}: dates written {c.samples[0]!r} are read as {fmt} ({why})")

    def _numeric_format(self, c: ColumnInfo) -> tuple[str, str] | None:
        """Day first or month first, decided from every value of the column (from the samples without a probe)."""
        if self.probe is None:
            return hints.date_order(c.samples)
        first, second = self.probe.date_parts(c.name)
        return hints.numeric_date_format(c.samples[0], first, second)

    def duration(self, key: str) -> None:
        c = self.find(key, is_duration)
        if c is not None:
            self.chosen[key] = c
            unit = duration_unit(c)
            self.put(key, f"{{ from = {toml_string(c.name)}, unit = {toml_string(unit)} }}", f"{c.name} ({unit})")

    def offered_from_date_and_time(self) -> None:
        d = self.find("offered_at", is_date)
        clocks = self.candidates("offered_at", is_clock)
        if d is None or not clocks:
            return
        t = self._fullest_clock(clocks)
        self.taken.add(t.name)
        date_format = next((fmt for pattern, fmt in DATE_FORMATS if looks(d.samples, pattern)), None)
        why = None
        if date_format == "%d/%m/%Y":
            decided = self._numeric_format(d)
            date_format, why = decided if decided is not None else (date_format, None)
        extra = f", date_format = {toml_string(date_format)}" if date_format else ""
        toml = f"{{ date = {toml_string(d.name)}, time = {toml_string(t.name)}{extra} }}"
        self.put("offered_at", toml, f"{d.name} + {t.name}", why)

    def _fullest_clock(self, clocks: list[ColumnInfo]) -> ColumnInfo:
        """The clock column that is least often empty or a 0:00:00 placeholder (a date plus an empty clock
        time is not midnight); the first by name when they tie."""
        if self.probe is None or len(clocks) == 1:
            return clocks[0]
        shares = [self.probe.empty_clock_share(c.name) for c in clocks]
        best = min(range(len(clocks)), key=lambda i: shares[i])
        for c, share in zip(clocks, shares, strict=True):
            if share > 0 and c is not clocks[best] and clocks.index(c) < best:
                self.notes.append(
                    f"{c.name} is empty or 0:00:00 on {share:.1%} of rows (not a time of day there): "
                    f"offered_at uses {clocks[best].name} instead"
                )
        return clocks[best]

    def derived(self) -> None:
        if "answered_at" not in self.lines and "wait_seconds" in self.lines:
            self.put("answered_at", '{ derive = ["offered_at", "wait_seconds"] }', "offered_at + wait_seconds")
        if "ended_at" not in self.lines and "answered_at" in self.lines and "talk_seconds" in self.lines:
            parts = ["answered_at", "talk_seconds"] + (["hold_seconds"] if "hold_seconds" in self.lines else [])
            self.put("ended_at", "{ derive = " + toml_string(parts) + " }", " + ".join(parts))

    def outcome(self) -> None:
        oc = self.find("outcome", lambda c: bool(c.distinct) and len(c.distinct) <= 20 and not is_datetime(c))
        if oc is None:
            if "answered_at" in self.lines and self.proposed.get("answered_at", "").endswith("wait_seconds"):
                self.notes.append(
                    "no outcome column found: every row with a wait is taken as answered; add columns.outcome"
                )
            return
        self.chosen["outcome"] = oc
        values = self.outcome_values = outcome_values(oc)
        table = ", ".join(f"{toml_string(k)} = {toml_string(v)}" for k, v in values.items())
        self.put("outcome", f"{{ from = {toml_string(oc.name)}, values = {{ {table} }} }}", oc.name)
        unknown = [k for k, v in values.items() if v == "excluded"]
        if unknown:
            self.notes.append(
                f"outcome values {', '.join(unknown)} were not recognised and are mapped to excluded: check them"
            )

    def abandoned_without_wait(self) -> None:
        """Abandoned rows that carry no wait (and no end time) would all be short abandons: say so in the
        mapping's [definitions] (abandon.short_abandon_seconds = 0) rather than report abandon_rate 0."""
        wait, outcome = self.chosen.get("wait_seconds"), self.chosen.get("outcome")
        abandoned = [k for k, v in self.outcome_values.items() if v == "abandoned"]
        if self.probe is None or wait is None or outcome is None or "ended_at" in self.chosen or not abandoned:
            return
        total, with_wait = self.probe.abandoned_waits(outcome.name, abandoned, wait.name)
        if total and not with_wait:
            why = (
                f"none of the {total} abandoned rows carries a wait above 0 in {wait.name}, so under the "
                "default 5 s limit every abandon would be a short abandon and abandon_rate 0"
            )
            self.definitions["abandon.short_abandon_seconds"] = ("0", why)
            self.notes.append(f"{why}: the mapping sets abandon.short_abandon_seconds = 0")

    def unique_id(self) -> None:
        """An id that repeats is not trusted silently: another column that makes it unique is joined to it,
        or the line says how often it repeats."""
        c = self.chosen.get("interaction_id")
        if c is None or self.probe is None:
            return
        others = [x.name for x in self.columns if x.name != c.name]
        partners = ([n for n in others if n not in self.taken] + [n for n in others if n in self.taken])[:30]
        rows, distinct, partner = self.probe.uniqueness(c.name, partners)
        if distinct >= rows:
            return
        share = (rows - distinct) / rows
        repeats = f"{c.name} repeats on {rows - distinct} of {rows} rows ({share:.1%})"
        if partner is not None:
            self.put(
                "interaction_id",
                f'{{ from = {toml_string([partner, c.name])}, separator = "-" }}',
                f"{partner} & {c.name}",
                f"{c.name} alone is not unique; with {partner} it is",
            )
            self.notes.append(f"{repeats}; {partner} & {c.name} is unique and is the id in the mapping")
            return
        self.put(
            "interaction_id",
            toml_string(c.name),
            c.name,
            f"CHECK: not unique ({share:.1%} of rows repeat an id); rows sharing an id are read as versions of one "
            "contact, the latest kept",
        )
        self.notes.append(
            f"{repeats}: rows with the same id are treated as versions of one contact; if they are different "
            f'calls, join it with another column, e.g. interaction_id = {{ from = ["OTHER", "{c.name}"] }}'
        )

    def placeholders(self) -> None:
        """Values that stand for nobody (NO_SERVER, 0, NULL, -) are proposed as empty in a value map."""
        keys = [k for k in ("agent_id", "customer_id", "queue", "reason", "channel") if k in self.chosen]
        if self.probe is None or not keys:
            return
        found = self.probe.placeholders([self.chosen[k].name for k in keys])
        for key in keys:
            col = self.chosen[key].name
            values = found.get(col)
            if not values:
                continue
            table = ", ".join(f'{toml_string(v)} = ""' for v, _ in values)
            self.put(key, f"{{ from = {toml_string(col)}, values = {{ {table} }} }}", col, "placeholders: empty")
            shown = ", ".join(f"{v!r} on {n} rows" for v, n in values)
            self.notes.append(f"{col}: {shown} look like placeholders for none; the mapping reads them as empty")

    def guess(self) -> tuple[dict[str, str], str, list[str]]:
        self.plain("interaction_id", is_code)
        self.timestamp("offered_at")
        if "offered_at" not in self.lines:  # a date column and a clock-time column
            self.offered_from_date_and_time()
        self.timestamp("answered_at")
        self.timestamp("ended_at")
        for key in ("wait_seconds", "talk_seconds", "hold_seconds", "acw_seconds"):
            self.duration(key)
        self.derived()
        self.outcome()
        for key in ("queue", "agent_id", "customer_id", "reason", "channel", "direction"):
            self.plain(key, is_code)
        self.plain("transferred")
        self.plain("resolved")
        self.plain("nps", is_score(0, 10))
        self.plain("csat", is_score(0, 10))
        self.unique_id()
        self.placeholders()
        self.abandoned_without_wait()
        self.survey_only()
        return self.proposed, self._toml(), self.notes

    def survey_only(self) -> None:
        """A file of survey answers and nothing of a contact's course (no answer, end or outcome): each answer is
        read as one answered contact, so CSAT and NPS can be reported; what the file lacks the mapping sets."""
        if not {"nps", "csat"} & set(self.chosen) or {"answered_at", "ended_at", "outcome"} & set(self.lines):
            return
        if "interaction_id" not in self.lines:
            self.put("interaction_id", "{ record = true }", "the record number", "no id column: each answer its own")
        if "offered_at" not in self.lines:
            self.put(
                "offered_at",
                '{ value = "2024-01-01" }',
                "a date to set",
                "CHECK: no date in the file: write the day the survey ran",
            )
            self.notes.append("no date in the file: offered_at is set to 2024-01-01 in the mapping; write the real day")
        self.put("wait_seconds", "{ value = 0 }", "0 (set)", "a survey file: each answer is one answered contact")
        self.put("answered_at", '{ derive = ["offered_at", "wait_seconds"] }', "offered_at")
        self.notes.append(
            "a survey file (answers, no contact times): each answer is read as one answered contact, so CSAT and NPS "
            "report; queue figures (service level, ASA, abandon rate) mean nothing here"
        )

    def _toml(self) -> str:
        for key in ("interaction_id", "offered_at"):
            if key not in self.lines:
                self.lines[key] = f'# {key} = "EXPORT COLUMN"   # required: no column found'
                self.notes.append(f"no column found for {key} (required): fill it in")
        if not {"answered_at", "ended_at", "outcome"} & set(self.proposed):
            self.notes.append("nothing tells answered from abandoned: map answered_at, ended_at or outcome")
        body = [self.lines[k] for k in _ORDER if k in self.lines]
        body += [v for k, v in self.lines.items() if k not in _ORDER]
        if self.definitions:
            body += ["", "[definitions]"]
            for name, (value, why) in self.definitions.items():
                body += [f"# {why}", f"{name} = {value}"]
        return "\n".join(_HEADER + body) + "\n"


def guess_mapping(columns: list[ColumnInfo], probe: Probe | None = None) -> tuple[dict[str, str], str, list[str]]:
    """(mapping key -> the export column(s) proposed, the starter mapping as TOML, notes for the user)."""
    return _Guesser(columns, probe).guess()
