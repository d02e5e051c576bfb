"""The rules ``csmetrics inspect`` guesses a starter mapping by: synonyms of each mapping key, the shapes of
sample values (times, dates, durations, scores) and the words of outcome values. Data, and small tests on it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

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
        "queueentry",
        "queuestart",
        "qstart",
        "vruexit",
        "ivrexit",
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
    "csat": (
        "csat",
        "csatscore",
        "satisfaction",
        "satisfactionrating",
        "rating",
        "satisfactionscore",
        "satisfied",
    ),
    "nps": ("nps", "npsscore", "likelihoodtorecommend", "likelytorecommend", "recommend", "scaleof010", "outof10"),
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
ANSWERED_WORDS = ("answer", "complet", "agent", "handled", "served", "connected", "inbound")
ABANDONED_WORDS = ("aband", "hang", "missed", "drop", "lost", "unanswer", "voicemail")
YES = ("y", "yes", "true", "t", "1")
NO = ("n", "no", "false", "f", "0")


def norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass
class ColumnInfo:
    name: str
    type: str
    samples: list[str]
    distinct: list[str] = field(default_factory=list)  # up to 20 distinct values (for value maps)


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


def looks(values: list[str], pattern: str) -> bool:
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
NUMERIC_DATETIME = r"\d{1,2}([/.-])\d{1,2}\1(\d{2}|\d{4})[ T]\d{1,2}:\d\d(:\d\d)?"  # 04/03/2024 13:03
NUMERIC_DATE = r"\d\d/\d\d/\d{4}"
EXCEL_TIME = r"1899-12-3[01] \d\d:\d\d:\d\d(\.\d+)?"


def is_datetime(c: ColumnInfo) -> bool:
    if any(v.startswith("1899-12-3") for v in c.samples):  # an Excel clock time, not a date-time
        return False
    return c.type.startswith("TIMESTAMP") or looks(c.samples, DATETIME) or looks(c.samples, NUMERIC_DATETIME)


def is_code(c: ColumnInfo) -> bool:
    """An id or a label, not a survey question with free-text answers."""
    question = "?" in c.name or len(c.name) > 40
    long_text = bool(c.samples) and sum(len(v) for v in c.samples) / len(c.samples) > 30
    return not question and not long_text


def is_score(low: int, high: int) -> Any:
    def test(c: ColumnInfo) -> bool:
        return looks(c.samples, r"\d{1,2}(\.0+)?") and all(low <= float(v) <= high for v in c.samples)

    return test


def is_date(c: ColumnInfo) -> bool:
    return c.type == "DATE" or any(looks(c.samples, p) for p, _ in DATE_FORMATS)


def is_clock(c: ColumnInfo) -> bool:
    return (
        (c.type.startswith("TIME") and not c.type.startswith("TIMESTAMP"))
        or looks(c.samples, CLOCK)
        or looks(c.samples, EXCEL_TIME)
    )


def is_duration(c: ColumnInfo) -> bool:
    return (
        c.type.startswith(("INT", "BIGINT", "DOUBLE", "DECIMAL", "FLOAT"))
        or looks(c.samples, NUMBER)
        or looks(c.samples, HMS)
        or looks(c.samples, EXCEL_TIME)
    )


def duration_unit(c: ColumnInfo) -> str:
    n = norm(c.name)
    if looks(c.samples, HMS) or looks(c.samples, EXCEL_TIME):
        return "hms"
    if "ms" in n or "milli" in n:
        return "milliseconds"
    return "minutes" if "min" in n else "seconds"


def outcome_values(c: ColumnInfo) -> dict[str, str]:
    n = norm(c.name)
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
