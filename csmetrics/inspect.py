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

from csmetrics.loading import READERS, _describe, detect_format
from csmetrics.mapping import Mapping, preset_names, presets_dir
from csmetrics.schema import quote_identifier

SAMPLE_ROWS = 2000
SAMPLES = 3

# Normalised column names (lower case, letters and digits only) that suggest a mapping key.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "interaction_id": ("interactionid", "callid", "contactid", "conversationid", "callref", "callreference",
                       "callnumber", "callno", "ticketid", "ticketno", "ticket", "caseid", "reference", "ref", "id"),
    "offered_at": ("offeredat", "offered", "queuedat", "enqueuetimestamp", "enqueuetime", "arrivaltime", "arrival",
                   "starttime", "startedat", "startat", "callstart", "start", "createdat", "timestamp", "datetime",
                   "calltime", "time", "date"),
    "answered_at": ("answeredat", "answertime", "connectedat", "connectedtoagenttimestamp", "pickupat"),
    "ended_at": ("endedat", "endtime", "endat", "end", "callend", "disconnecttimestamp", "hangupat", "finishedat"),
    "wait_seconds": ("waitseconds", "wait", "waittime", "queuewait", "queuewaittime", "queuetime", "qtime",
                     "speedofanswer", "speedofanswerinseconds", "timetoanswer", "answerdelay", "asa"),
    "talk_seconds": ("talkseconds", "talk", "talktime", "talkduration", "avgtalkduration", "sertime", "servicetime",
                     "conversationtime", "agentinteractionduration"),
    "hold_seconds": ("holdseconds", "hold", "holdtime", "holdduration", "customerholdduration"),
    "acw_seconds": ("acwseconds", "acw", "acwtime", "wrapup", "wrapuptime", "aftercallwork", "aftercallworktime",
                    "aftercontactworkduration"),
    "queue": ("queue", "queuename", "skill", "skillname", "split", "topic", "service", "department", "ringgroups",
              "ringgroup", "team", "group", "line", "type"),
    "agent_id": ("agentid", "agent", "agentname", "agentusername", "user", "username", "userid", "server", "employee",
                 "rep", "operator"),
    "customer_id": ("customerid", "customer", "callerid", "caller", "ani", "phonenumber", "phone"),
    "reason": ("reason", "disposition", "wrapupcode", "contactreason", "category"),
    "channel": ("channel", "mediatype", "media"),
    "direction": ("direction", "calltype", "originatingdirection"),
    "transferred": ("transferred", "transfer", "istransfer", "transfers"),
    "csat": ("csat", "csatscore", "satisfaction", "satisfactionrating", "rating", "satisfactionscore"),
    "nps": ("nps", "npsscore", "likelihoodtorecommend"),
    "outcome": ("outcome", "answered", "answeredyn", "abandoned", "isabandoned", "status", "callstatus",
                "completionstatus", "result", "callresult"),
}
# What each mapping key feeds, for "what is missing for which metrics".
NEEDED_FOR: dict[str, str] = {
    "answered_at": "asa_seconds, service_level, avg_wait_seconds (and answered vs abandoned without an outcome)",
    "ended_at": "abandon waits, talk time when no talk column",
    "talk_seconds": "aht_seconds, avg_talk_seconds (unless ended_at is known)",
    "hold_seconds": "avg_hold_seconds and the hold part of AHT (missing = 0)",
    "acw_seconds": "acw_seconds and the ACW part of AHT (missing = 0)",
    "transferred": "transfer_rate",
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
    con = duckdb.connect()
    fmt = detect_format(path)
    reader = READERS[fmt]
    if fmt == "xlsx":
        from csmetrics.sources import register_excel

        reader = register_excel(con, path, file_index=0, sheet=sheet)
    params = {"path": str(path)} if "$path" in reader else {}
    described = _describe(con, reader, path)
    rows = int(con.execute(f"SELECT count(*) FROM {reader}", params).fetchall()[0][0])
    parts = [
        f"list(DISTINCT CAST({quote_identifier(n)} AS VARCHAR)) FILTER (WHERE {quote_identifier(n)} IS NOT NULL "
        f"AND trim(CAST({quote_identifier(n)} AS VARCHAR)) <> '')"
        for n, _ in described
    ]
    distinct: list[list[str]] = [[] for _ in described]
    if parts:
        row = con.execute(f"SELECT {', '.join(parts)} FROM (SELECT * FROM {reader} LIMIT {SAMPLE_ROWS})", params).fetchall()[0]
        distinct = [sorted(v or [])[:50] for v in row]
    columns = [
        ColumnInfo(n, t, _spread(d, SAMPLES), d[:20] if len(d) <= 20 else [])
        for (n, t), d in zip(described, distinct, strict=True)
    ]
    presets = _match_presets(described)
    notes: list[str] = []
    matching = [p for p in presets if p["matches"]]
    if matching:
        name = matching[0]["preset"]
        text = (presets_dir() / f"{name}.toml").read_text(encoding="utf-8")
        proposed = {k: _describe_spec(v) for k, v in Mapping.preset(name).columns.items()}
        notes.append(f"this looks like a {name} export: use --preset {name} (the mapping below is that preset)")
    else:
        proposed, text, notes = _guess(columns)
    id_col = next((c.name for c in columns if c.name == proposed.get("interaction_id")), None)
    if id_col is not None and not matching:
        ident = quote_identifier(id_col)
        n_rows, n_ids = con.execute(f"SELECT count({ident}), count(DISTINCT {ident}) FROM {reader}", params).fetchall()[0]
        if n_ids < n_rows:
            notes.append(
                f"{id_col} repeats ({n_rows} values, {n_ids} distinct): rows with the same id are treated as versions "
                f"of one contact; if they are different calls, join it with another column, "
                f'e.g. interaction_id = {{ from = ["OTHER", "{id_col}"] }}'
            )
    missing = {k: v for k, v in NEEDED_FOR.items() if k not in proposed}
    return Inspection(str(path), fmt, rows, columns, presets, proposed, missing, text, notes)


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
        m = Mapping.preset(name)
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


def _guess(columns: list[ColumnInfo]) -> tuple[dict[str, str], str, list[str]]:
    by_norm: dict[str, ColumnInfo] = {}
    for c in columns:
        by_norm.setdefault(_norm(c.name), c)
    taken: set[str] = set()

    def find(key: str, test: Any = None) -> ColumnInfo | None:
        for syn in SYNONYMS[key]:
            c = by_norm.get(syn)
            if c is not None and c.name not in taken and (test is None or test(c)):
                taken.add(c.name)
                return c
        for syn in SYNONYMS[key]:  # a synonym inside a longer name, e.g. "Queue Wait (s)"
            if len(syn) < 4:
                continue
            for n, c in by_norm.items():
                if syn in n and c.name not in taken and (test is None or test(c)):
                    taken.add(c.name)
                    return c
        return None

    def is_dt(c: ColumnInfo) -> bool:
        if any(v.startswith("1899-12-3") for v in c.samples):  # an Excel clock time, not a date-time
            return False
        return c.type.startswith("TIMESTAMP") or _looks(c.samples, DATETIME)

    def is_date(c: ColumnInfo) -> bool:
        return c.type == "DATE" or any(_looks(c.samples, p) for p, _ in DATE_FORMATS)

    def is_clock(c: ColumnInfo) -> bool:
        return c.type.startswith("TIME") and not c.type.startswith("TIMESTAMP") or _looks(c.samples, CLOCK) or _looks(
            c.samples, EXCEL_TIME
        )

    def is_duration(c: ColumnInfo) -> bool:
        return c.type.startswith(("INT", "BIGINT", "DOUBLE", "DECIMAL", "FLOAT")) or _looks(c.samples, NUMBER) or _looks(
            c.samples, HMS
        ) or _looks(c.samples, EXCEL_TIME)

    lines: dict[str, str] = {}
    proposed: dict[str, str] = {}
    notes: list[str] = []
    q = toml_string

    def put(key: str, toml: str, how: str) -> None:
        lines[key] = f"{key} = {toml}"
        proposed[key] = how

    def duration(key: str) -> None:
        c = find(key, is_duration)
        if c is None:
            return
        unit = "seconds"
        n = _norm(c.name)
        if _looks(c.samples, HMS) or _looks(c.samples, EXCEL_TIME):
            unit = "hms"
        elif "ms" in n or "milli" in n:
            unit = "milliseconds"
        elif "min" in n:
            unit = "minutes"
        put(key, f"{{ from = {q(c.name)}, unit = {q(unit)} }}", f"{c.name} ({unit})")

    def timestamp(key: str) -> None:
        c = find(key, is_dt)
        if c is not None:
            put(key, q(c.name), c.name)

    idc = find("interaction_id")
    if idc is not None:
        put("interaction_id", q(idc.name), idc.name)
    timestamp("offered_at")
    date_format: str | None = None
    if "offered_at" not in lines:  # a date column and a clock-time column
        d = find("offered_at", is_date)
        t = find("offered_at", is_clock)
        if d is not None and t is not None:
            for pattern, fmt in DATE_FORMATS:
                if _looks(d.samples, pattern):
                    date_format = fmt
                    break
            extra = f", date_format = {q(date_format)}" if date_format else ""
            put("offered_at", f"{{ date = {q(d.name)}, time = {q(t.name)}{extra} }}", f"{d.name} + {t.name}")
    timestamp("answered_at")
    timestamp("ended_at")
    duration("wait_seconds")
    duration("talk_seconds")
    duration("hold_seconds")
    duration("acw_seconds")
    if "answered_at" not in lines and "wait_seconds" in lines:
        put("answered_at", '{ derive = ["offered_at", "wait_seconds"] }', "offered_at + wait_seconds")
    if "ended_at" not in lines and "answered_at" in lines and "talk_seconds" in lines:
        parts = ["answered_at", "talk_seconds"] + (["hold_seconds"] if "hold_seconds" in lines else [])
        put("ended_at", "{ derive = " + q(parts) + " }", " + ".join(parts))
    oc = find("outcome", lambda c: bool(c.distinct) and len(c.distinct) <= 20)
    if oc is not None:
        values = _outcome_values(oc)
        table = ", ".join(f"{q(k)} = {q(v)}" for k, v in values.items())
        put("outcome", f"{{ from = {q(oc.name)}, values = {{ {table} }} }}", oc.name)
        unknown = [k for k, v in values.items() if v == "excluded"]
        if unknown:
            notes.append(f"outcome values {', '.join(unknown)} were not recognised and are mapped to excluded: check them")
    elif "answered_at" in lines and proposed.get("answered_at", "").endswith("wait_seconds"):
        notes.append("no outcome column found: every row with a wait is taken as answered; add columns.outcome")
    for key in ("queue", "agent_id", "customer_id", "reason", "channel", "direction"):
        c = find(key)
        if c is not None:
            put(key, q(c.name), c.name)
    tc = find("transferred")
    if tc is not None:
        put("transferred", q(tc.name), tc.name)
    for key in ("csat", "nps"):
        c = find(key)
        if c is not None:
            put(key, q(c.name), c.name)
    for key in ("interaction_id", "offered_at"):
        if key not in lines:
            lines[key] = f'# {key} = "EXPORT COLUMN"   # required: no column found'
            notes.append(f"no column found for {key} (required): fill it in")
    if not {"answered_at", "ended_at", "outcome"} & set(proposed):
        notes.append("nothing tells answered from abandoned: map answered_at, ended_at or outcome")
    header = [
        "# Starter mapping written by csmetrics inspect: check every line before trusting the figures.",
        "# Keys: docs/definitions.md, 'Column mappings and presets'.",
        "",
        "[source]",
        '# timezone = "Europe/London"   # zone of naive times (default: source_timezone)',
        "",
        "[columns]",
    ]
    order = ["interaction_id", "offered_at", "wait_seconds", "answered_at", "talk_seconds", "hold_seconds",
             "acw_seconds", "ended_at", "outcome"]
    body = [lines[k] for k in order if k in lines] + [v for k, v in lines.items() if k not in order]
    return proposed, "\n".join(header + body) + "\n", notes


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
