"""``csmetrics inspect FILE``: what is in an export, which preset fits, and a starter mapping.

Everything is read with DuckDB (one query for the samples); the guesses are made on column
names and a few sample values, never on every row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from csmetrics.inputs.files import describe, detect_format, read_error, reader_params
from csmetrics.inputs.interactions import file_reader
from csmetrics.inputs.mapping.presets import load_preset, preset_names, presets_dir
from csmetrics.sqltext import connect, quote_identifier

SAMPLE_ROWS = 2000
SAMPLES = 3

# Normalised column names (lower case, letters and digits only) that suggest a mapping key.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "interaction_id": (
        "interactionid",
        "callid",
        "contactid",
        "conversationid",
        "callref",
        "callreference",
        "callnumber",
        "callno",
        "ticketid",
        "ticketno",
        "ticket",
        "caseid",
        "reference",
        "ref",
        "id",
    ),
    "offered_at": (
        "offeredat",
        "offered",
        "queuedat",
        "enqueuetimestamp",
        "enqueuetime",
        "arrivaltime",
        "arrival",
        "starttime",
        "startedat",
        "startat",
        "callstart",
        "start",
        "createdat",
        "timestamp",
        "datetime",
        "calltime",
        "time",
        "date",
    ),
    "answered_at": ("answeredat", "answertime", "connectedat", "connectedtoagenttimestamp", "pickupat"),
    "ended_at": ("endedat", "endtime", "endat", "end", "callend", "disconnecttimestamp", "hangupat", "finishedat"),
    "wait_seconds": (
        "waitseconds",
        "wait",
        "waittime",
        "queuewait",
        "queuewaittime",
        "queuetime",
        "qtime",
        "speedofanswer",
        "speedofanswerinseconds",
        "timetoanswer",
        "answerdelay",
        "asa",
    ),
    "talk_seconds": (
        "talkseconds",
        "talk",
        "talktime",
        "talkduration",
        "avgtalkduration",
        "sertime",
        "servicetime",
        "conversationtime",
        "agentinteractionduration",
    ),
    "hold_seconds": ("holdseconds", "hold", "holdtime", "holdduration", "customerholdduration"),
    "acw_seconds": (
        "acwseconds",
        "acw",
        "acwtime",
        "wrapup",
        "wrapuptime",
        "aftercallwork",
        "aftercallworktime",
        "aftercontactworkduration",
    ),
    "queue": (
        "queue",
        "queuename",
        "skill",
        "skillname",
        "split",
        "topic",
        "service",
        "department",
        "ringgroups",
        "ringgroup",
        "team",
        "group",
        "line",
        "type",
    ),
    "agent_id": (
        "agentid",
        "agent",
        "agentname",
        "agentusername",
        "user",
        "username",
        "userid",
        "server",
        "employee",
        "rep",
        "operator",
    ),
    "customer_id": ("customerid", "customer", "callerid", "caller", "ani", "phonenumber", "phone"),
    "reason": ("reason", "disposition", "wrapupcode", "contactreason", "category"),
    "channel": ("channel", "mediatype", "media"),
    "direction": ("direction", "calltype", "originatingdirection"),
    "transferred": ("transferred", "transfer", "istransfer", "transfers"),
    "resolved": ("resolved", "isresolved", "resolvedyn", "resolution", "issueresolved"),
    "csat": ("csat", "csatscore", "satisfaction", "satisfactionrating", "rating", "satisfactionscore"),
    "nps": ("nps", "npsscore", "likelihoodtorecommend"),
    "outcome": (
        "outcome",
        "answered",
        "answeredyn",
        "abandoned",
        "isabandoned",
        "status",
        "callstatus",
        "completionstatus",
        "result",
        "callresult",
    ),
}
# What each mapping key feeds, for "what is missing for which metrics".
NEEDED_FOR: dict[str, str] = {
    "answered_at": "asa_seconds, service_level, avg_wait_seconds (and answered vs abandoned without an outcome)",
    "ended_at": "abandon waits, talk time when no talk column",
    "talk_seconds": "aht_seconds, avg_talk_seconds (unless ended_at is known)",
    "hold_seconds": "avg_hold_seconds and the hold part of AHT (missing = 0)",
    "acw_seconds": "acw_seconds and the ACW part of AHT (missing = 0)",
    "transferred": "transfer_rate",
    "resolved": "resolution_rate",
    "queue": "--by queue",
    "agent_id": "--by agent",
    "reason": "--by reason",
    "channel": "--by channel (default voice)",
    "direction": "outbound exclusion (default inbound)",
    "customer_id": "repeat-contact metrics",
    "csat": "CSAT metrics",
    "nps": "NPS metrics",
}
ANSWERED_WORDS = ("answer", "complet", "agent", "handled", "served", "connected", "inbound")
ABANDONED_WORDS = ("aband", "hang", "missed", "drop", "lost", "unanswer", "voicemail")
YES = ("y", "yes", "true", "t", "1")
NO = ("n", "no", "false", "f", "0")


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass
class ColumnInfo:
    name: str
    type: str
    samples: list[str]
    distinct: list[str] = field(default_factory=list)  # up to 20 distinct values (for value maps)


@dataclass
class Inspection:
    path: str
    format: str
    rows: int
    columns: list[ColumnInfo]
    presets: list[dict[str, Any]]
    proposed: dict[str, str]  # mapping key -> how (human text)
    missing: dict[str, str]
    mapping_text: str
    notes: list[str]

    def to_document(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "rows": self.rows,
            "columns": [{"name": c.name, "type": c.type, "samples": c.samples} for c in self.columns],
            "presets": self.presets,
            "proposed": self.proposed,
            "missing": self.missing,
            "notes": self.notes,
            "mapping": self.mapping_text,
        }


def inspect_file(path: Path, *, sheet: str | int | None = None) -> Inspection:
    """What the export at ``path`` holds; a file DuckDB cannot read is an InputError naming its line."""
    con = connect()
    try:
        return _inspect(con, path, sheet)
    except duckdb.Error as e:
        raise read_error(con, path, e) from e
    finally:
        con.close()


def _inspect(con: duckdb.DuckDBPyConnection, path: Path, sheet: str | int | None) -> Inspection:
    fmt = detect_format(path)
    reader = file_reader(con, path, fmt, 0, sheet)
    params = reader_params(reader, path)
    described = describe(con, reader, path)
    rows = int(con.execute(f"SELECT count(*) FROM {reader}", params).fetchall()[0][0])
    columns = _sample(con, reader, params, described)
    presets = _match_presets(described)
    matching = [p for p in presets if p["matches"]]
    if matching:
        name = matching[0]["preset"]
        text = (presets_dir() / f"{name}.toml").read_text(encoding="utf-8")
        proposed = {k: _describe_spec(v) for k, v in load_preset(name).columns.items()}
        notes = [f"this looks like a {name} export: use --preset {name} (the mapping below is that preset)"]
    else:
        proposed, text, notes = _guess(columns)
        notes += _repeated_id_note(con, reader, params, proposed.get("interaction_id"))
    missing = {k: v for k, v in NEEDED_FOR.items() if k not in proposed}
    return Inspection(str(path), fmt, rows, columns, presets, proposed, missing, text, notes)


def _sample(
    con: duckdb.DuckDBPyConnection, reader: str, params: dict[str, Any], described: list[tuple[str, str]]
) -> list[ColumnInfo]:
    """Each column with a few sample values and (when there are few) its distinct values, from the first rows."""
    parts = [
        f"list(DISTINCT CAST({quote_identifier(n)} AS VARCHAR)) FILTER (WHERE {quote_identifier(n)} IS NOT NULL "
        f"AND trim(CAST({quote_identifier(n)} AS VARCHAR)) <> '')"
        for n, _ in described
    ]
    distinct: list[list[str]] = [[] for _ in described]
    if parts:
        sql = f"SELECT {', '.join(parts)} FROM (SELECT * FROM {reader} LIMIT {SAMPLE_ROWS})"
        distinct = [sorted(v or [])[:50] for v in con.execute(sql, params).fetchall()[0]]
    return [
        ColumnInfo(n, t, _spread(d, SAMPLES), d[:20] if len(d) <= 20 else [])
        for (n, t), d in zip(described, distinct, strict=True)
    ]


def _repeated_id_note(
    con: duckdb.DuckDBPyConnection, reader: str, params: dict[str, Any], id_col: str | None
) -> list[str]:
    if id_col is None:
        return []
    ident = quote_identifier(id_col)
    n_rows, n_ids = con.execute(f"SELECT count({ident}), count(DISTINCT {ident}) FROM {reader}", params).fetchall()[0]
    if n_ids >= n_rows:
        return []
    return [
        f"{id_col} repeats ({n_rows} values, {n_ids} distinct): rows with the same id are treated as versions "
        f"of one contact; if they are different calls, join it with another column, "
        f'e.g. interaction_id = {{ from = ["OTHER", "{id_col}"] }}'
    ]


def _spread(values: list[str], n: int) -> list[str]:
    if len(values) <= n:
        return values
    step = (len(values) - 1) / (n - 1)
    return [values[round(i * step)] for i in range(n)]


def _match_presets(described: list[tuple[str, str]]) -> list[dict[str, Any]]:
    names = {n.strip().lower() for n, _ in described}
    heads = {n.strip().lower() for n, t in described if t.startswith("STRUCT")}

    def has(col: str) -> bool:
        c = col.strip().lower()
        return c in names or (c.partition(".")[0] in heads)

    out = []
    for name in preset_names():
        m = load_preset(name)
        cols = sorted(set(m.source_columns()))
        found = [c for c in cols if has(c)]
        out.append(
            {
                "preset": name,
                "matches": bool(m.detect) and all(has(c) for c in m.detect),
                "columns_found": len(found),
                "columns_used": len(cols),
            }
        )
    out.sort(key=lambda p: (not p["matches"], -p["columns_found"] / max(p["columns_used"], 1)))
    return out


def _describe_spec(spec: dict[str, Any]) -> str:
    if "derive" in spec:
        return " + ".join(spec["derive"])
    if "date" in spec:
        return f"{spec['date']} + {spec['time']}"
    if "first" in spec:
        return " or else ".join(spec["first"])
    src = spec["from"]
    return " & ".join(src) if isinstance(src, list) else str(src)


def toml_string(value: Any) -> str:
    """A TOML basic string (or an array of them): non-ASCII kept as is, control characters escaped.

    ``json.dumps`` is not TOML: it writes characters outside the BMP as surrogate pairs
    (``\\ud83d\\udcde``), which TOML rejects.
    """
    if isinstance(value, list):
        return "[" + ", ".join(toml_string(v) for v in value) + "]"
    out = []
    for ch in str(value):
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ch == "\t":
            out.append(ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _looks(values: list[str], pattern: str) -> bool:
    return bool(values) and all(re.fullmatch(pattern, v.strip()) for v in values)


CLOCK = r"\d{1,2}:\d\d(:\d\d(\.\d+)?)?"
HMS = r"-?\d+:\d\d(:\d\d(\.\d+)?)?"
NUMBER = r"-?\d+(\.\d+)?"
DATE_FORMATS = (
    (r"\d{4}-\d\d-\d\d", None),
    (r"\d{6}", "%y%m%d"),
    (r"\d{8}", "%Y%m%d"),
    (r"\d{4}/\d\d/\d\d", "%Y/%m/%d"),
    (r"\d\d/\d\d/\d{4}", "%d/%m/%Y"),
)
DATETIME = r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|[+-]\d\d(:?\d\d)?)?"
EXCEL_TIME = r"1899-12-3[01] \d\d:\d\d:\d\d(\.\d+)?"


def _is_datetime(c: ColumnInfo) -> bool:
    if any(v.startswith("1899-12-3") for v in c.samples):  # an Excel clock time, not a date-time
        return False
    return c.type.startswith("TIMESTAMP") or _looks(c.samples, DATETIME)


def _is_date(c: ColumnInfo) -> bool:
    return c.type == "DATE" or any(_looks(c.samples, p) for p, _ in DATE_FORMATS)


def _is_clock(c: ColumnInfo) -> bool:
    return (
        (c.type.startswith("TIME") and not c.type.startswith("TIMESTAMP"))
        or _looks(c.samples, CLOCK)
        or _looks(c.samples, EXCEL_TIME)
    )


def _is_duration(c: ColumnInfo) -> bool:
    return (
        c.type.startswith(("INT", "BIGINT", "DOUBLE", "DECIMAL", "FLOAT"))
        or _looks(c.samples, NUMBER)
        or _looks(c.samples, HMS)
        or _looks(c.samples, EXCEL_TIME)
    )


def _duration_unit(c: ColumnInfo) -> str:
    n = _norm(c.name)
    if _looks(c.samples, HMS) or _looks(c.samples, EXCEL_TIME):
        return "hms"
    if "ms" in n or "milli" in n:
        return "milliseconds"
    return "minutes" if "min" in n else "seconds"


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
    """A starter mapping from column names and sample values: each export column is used at most once."""

    def __init__(self, columns: list[ColumnInfo]) -> None:
        self.by_norm: dict[str, ColumnInfo] = {}
        for c in columns:
            self.by_norm.setdefault(_norm(c.name), c)
        self.taken: set[str] = set()
        self.lines: dict[str, str] = {}
        self.proposed: dict[str, str] = {}
        self.notes: list[str] = []

    def find(self, key: str, test: Any = None) -> ColumnInfo | None:
        """The first free column named like ``key`` (exactly, then containing a longer synonym)."""
        fits = [self.by_norm.get(syn) for syn in SYNONYMS[key]]
        fits += [c for syn in SYNONYMS[key] if len(syn) >= 4 for n, c in self.by_norm.items() if syn in n]
        for c in fits:
            if c is not None and c.name not in self.taken and (test is None or test(c)):
                self.taken.add(c.name)
                return c
        return None

    def put(self, key: str, toml: str, how: str) -> None:
        self.lines[key] = f"{key} = {toml}"
        self.proposed[key] = how

    def plain(self, key: str, test: Any = None) -> None:
        c = self.find(key, test)
        if c is not None:
            self.put(key, toml_string(c.name), c.name)

    def duration(self, key: str) -> None:
        c = self.find(key, _is_duration)
        if c is not None:
            unit = _duration_unit(c)
            self.put(key, f"{{ from = {toml_string(c.name)}, unit = {toml_string(unit)} }}", f"{c.name} ({unit})")

    def offered_from_date_and_time(self) -> None:
        d = self.find("offered_at", _is_date)
        t = self.find("offered_at", _is_clock)
        if d is None or t is None:
            return
        date_format = next((fmt for pattern, fmt in DATE_FORMATS if _looks(d.samples, pattern)), None)
        extra = f", date_format = {toml_string(date_format)}" if date_format else ""
        toml = f"{{ date = {toml_string(d.name)}, time = {toml_string(t.name)}{extra} }}"
        self.put("offered_at", toml, f"{d.name} + {t.name}")

    def derived(self) -> None:
        if "answered_at" not in self.lines and "wait_seconds" in self.lines:
            self.put("answered_at", '{ derive = ["offered_at", "wait_seconds"] }', "offered_at + wait_seconds")
        if "ended_at" not in self.lines and "answered_at" in self.lines and "talk_seconds" in self.lines:
            parts = ["answered_at", "talk_seconds"] + (["hold_seconds"] if "hold_seconds" in self.lines else [])
            self.put("ended_at", "{ derive = " + toml_string(parts) + " }", " + ".join(parts))

    def outcome(self) -> None:
        oc = self.find("outcome", lambda c: bool(c.distinct) and len(c.distinct) <= 20)
        if oc is None:
            if "answered_at" in self.lines and self.proposed.get("answered_at", "").endswith("wait_seconds"):
                self.notes.append(
                    "no outcome column found: every row with a wait is taken as answered; add columns.outcome"
                )
            return
        values = _outcome_values(oc)
        table = ", ".join(f"{toml_string(k)} = {toml_string(v)}" for k, v in values.items())
        self.put("outcome", f"{{ from = {toml_string(oc.name)}, values = {{ {table} }} }}", oc.name)
        unknown = [k for k, v in values.items() if v == "excluded"]
        if unknown:
            self.notes.append(
                f"outcome values {', '.join(unknown)} were not recognised and are mapped to excluded: check them"
            )

    def guess(self) -> tuple[dict[str, str], str, list[str]]:
        self.plain("interaction_id")
        self.plain("offered_at", _is_datetime)
        if "offered_at" not in self.lines:  # a date column and a clock-time column
            self.offered_from_date_and_time()
        self.plain("answered_at", _is_datetime)
        self.plain("ended_at", _is_datetime)
        for key in ("wait_seconds", "talk_seconds", "hold_seconds", "acw_seconds"):
            self.duration(key)
        self.derived()
        self.outcome()
        for key in (
            "queue",
            "agent_id",
            "customer_id",
            "reason",
            "channel",
            "direction",
            "transferred",
            "resolved",
            "csat",
            "nps",
        ):
            self.plain(key)
        for key in ("interaction_id", "offered_at"):
            if key not in self.lines:
                self.lines[key] = f'# {key} = "EXPORT COLUMN"   # required: no column found'
                self.notes.append(f"no column found for {key} (required): fill it in")
        if not {"answered_at", "ended_at", "outcome"} & set(self.proposed):
            self.notes.append("nothing tells answered from abandoned: map answered_at, ended_at or outcome")
        body = [self.lines[k] for k in _ORDER if k in self.lines]
        body += [v for k, v in self.lines.items() if k not in _ORDER]
        return self.proposed, "\n".join(_HEADER + body) + "\n", self.notes


def _guess(columns: list[ColumnInfo]) -> tuple[dict[str, str], str, list[str]]:
    """(mapping key -> the export column(s) proposed, the starter mapping as TOML, notes for the user)."""
    return _Guesser(columns).guess()


def _outcome_values(c: ColumnInfo) -> dict[str, str]:
    n = _norm(c.name)
    out: dict[str, str] = {}
    for v in c.distinct:
        low = v.strip().lower()
        if low in YES or low in NO:
            yes = low in YES
            if "aband" in n:
                out[v] = "abandoned" if yes else "answered"
            else:
                out[v] = "answered" if yes else "abandoned"
        elif any(w in low for w in ABANDONED_WORDS):
            out[v] = "abandoned"
        elif any(w in low for w in ANSWERED_WORDS):
            out[v] = "answered"
        else:
            out[v] = "excluded"
    return out
