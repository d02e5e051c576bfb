"""The canonical interaction schema: column names, kinds and how each source type is read.

This module is the allow-list of canonical column names that may appear in SQL text. Every
identifier passes :func:`csmetrics.sqltext.quote_identifier`; values always travel as bound
parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from csmetrics.sqltext import quote_identifier, trimmed_text

ColumnKind = Literal["text", "timestamp", "number", "boolean", "direction", "channel", "score"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: ColumnKind
    required: bool
    meaning: str


INTERACTION_COLUMNS: tuple[Column, ...] = (
    Column("interaction_id", "text", True, "unique id of the contact"),
    Column("offered_at", "timestamp", True, "when the contact entered the queue"),
    Column("answered_at", "timestamp", False, "when an agent answered; empty = not answered"),
    Column("ended_at", "timestamp", False, "when the contact ended (abandoned: when the customer left)"),
    Column("updated_at", "timestamp", False, "version time of the record; the newest version of an id wins"),
    Column("channel", "channel", False, "voice, chat, email, ... (default voice)"),
    Column("direction", "direction", False, "inbound or outbound (default inbound)"),
    Column("queue", "text", False, "queue / skill / split"),
    Column("agent_id", "text", False, "agent who handled it"),
    Column("customer_id", "text", False, "the customer"),
    Column("reason", "text", False, "contact reason / disposition"),
    Column("talk_seconds", "number", False, "talk time in seconds"),
    Column("hold_seconds", "number", False, "hold time in seconds (missing = 0)"),
    Column("acw_seconds", "number", False, "after-contact work in seconds (missing = 0)"),
    Column("transferred", "boolean", False, "the contact was transferred"),
    Column("complaint", "boolean", False, "the contact is a complaint"),
    Column("resolved", "boolean", False, "the agent recorded the issue as resolved (empty = not recorded)"),
    Column("csat", "score", False, "customer satisfaction answer: a number on the csat scale, or good/bad"),
    Column("nps", "score", False, "likelihood-to-recommend answer 0-10"),
)

COLUMNS_BY_NAME = {c.name: c for c in INTERACTION_COLUMNS}
CANONICAL = ", ".join(quote_identifier(c.name) for c in INTERACTION_COLUMNS)
REQUIRED_COLUMNS = tuple(c.name for c in INTERACTION_COLUMNS if c.required)
# At least one of these must be present, or no contact could ever be classified.
OUTCOME_COLUMNS = ("answered_at", "ended_at")

TRUE_WORDS = ("true", "t", "yes", "y", "1")
FALSE_WORDS = ("false", "f", "no", "n", "0")


DUCKDB_TYPE_FAMILY = {
    "VARCHAR": "text",
    "JSON": "json",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "TIMESTAMPTZ_NS": "timestamptz",  # Parquet timestamp[ns, tz=...]
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_S": "timestamp",
    "DATE": "timestamp",
    "BOOLEAN": "boolean",
}
NUMERIC_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "FLOAT",
    "DOUBLE",
)


def type_family(duckdb_type: str) -> str:
    if duckdb_type in DUCKDB_TYPE_FAMILY:
        return DUCKDB_TYPE_FAMILY[duckdb_type]
    if duckdb_type in NUMERIC_TYPES or duckdb_type.startswith("DECIMAL"):
        return "number"
    return "other"


# Durations beyond this many seconds (about 31,700 years) are not durations: like inf and nan, unreadable.
MAX_ABS_NUMBER = 1e12


def _usable(expr: str) -> str:
    """SQL true when the DOUBLE ``expr`` is a usable number: finite (DuckDB orders nan above every number but
    abs(nan) < x is true, so isfinite is tested first) and not absurdly large."""
    return f"(isfinite({expr}) AND abs({expr}) < {MAX_ABS_NUMBER:.0e})"


def _finite(expr: str) -> str:
    """NULL (so: reported as unreadable) for nan, +-inf and absurd magnitudes."""
    return f"CASE WHEN {_usable(expr)} THEN {expr} END"


def typed_number_check(source: str) -> str:
    """The raw text of a typed (numeric) source value that is not a usable number, else NULL."""
    return f"CASE WHEN NOT {_usable(f'CAST({source} AS DOUBLE)')} THEN CAST({source} AS VARCHAR) END"


def typed_time_check(source: str) -> str:
    """The raw text of a typed time value that is not a time (infinity, -infinity), else NULL."""
    return f"CASE WHEN NOT isfinite(CAST({source} AS TIMESTAMPTZ)) THEN CAST({source} AS VARCHAR) END"


# The text forms of a time csmetrics reads (RE2, whole value): an ISO 8601 date and time, then optionally Z, an
# offset of at most 18 hours, UTC/GMT, or an IANA zone name (Area/Location). Everything else is refused before
# DuckDB sees it: zone abbreviations (PST is Los Angeles time with its daylight saving, BST is Bangladesh, CST
# China or Chicago), impossible offsets (+25:00), infinity, years beyond 9999 or before year 1.
TIME_PATTERN = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?)?"
    r" ?(?:[Zz]|[+-](?:0[0-9]|1[0-8])(?::?[0-5][0-9])?|UTC|GMT|[A-Za-z][A-Za-z_]*(?:/[A-Za-z0-9_+-]+)+)?"
)
# Shapes so common that they are recognised without the pattern (a LIKE is ~30 times cheaper than RE2); the
# cast decides the rest (its digits), as for every value.
COMMON_TIME_SHAPES = ("____-__-__T__:__:__Z", "____-__-__ __:__:__", "____-__-__T__:__:__", "____-__-__T__:__:__.___Z")


def text_time(text: str) -> str:
    """SQL reading the trimmed text ``text`` as a TIMESTAMPTZ (a naive time in the session's TimeZone), NULL
    when it is not one of the accepted forms."""
    shapes = " OR ".join(f"{text} LIKE '{shape}'" for shape in COMMON_TIME_SHAPES)
    return f"CASE WHEN {shapes} OR regexp_full_match({text}, '{TIME_PATTERN}') THEN try_cast({text} AS TIMESTAMPTZ) END"


def _read_text(column: Column, source: str, family: str) -> str | None:
    return source if family == "clean_text" else trimmed_text(source)


def _read_score(column: Column, source: str, family: str) -> str | None:
    # The answer as given in text; readable = a number, or (csat only) good/bad. Range checks are reject reasons.
    # A typed number has no text: its value is the answer's number column (answer_value), never turned into text.
    if family == "number":
        return "CAST(NULL AS VARCHAR)"
    if family not in ("text", "clean_text"):  # a flag or a time is no answer: refused, never read as empty
        return None
    t = trimmed_text(source)
    words = " OR lower(" + t + ") IN ('good', 'bad')" if column.name == "csat" else ""
    return f"CASE WHEN try_cast({t} AS DOUBLE) IS NOT NULL{words} THEN {t} END"


def answer_value(source: str, family: str) -> str:
    """SQL of a survey answer's number (its ``_value`` column, DOUBLE) from source column ``source``: a typed
    number as it is, text read as a number once, where it is read (NULL for good/bad and unreadable text)."""
    if family == "json":
        source, family = f"({source} ->> '$')", "text"
    if family == "number":
        return f"CAST({source} AS DOUBLE)"
    return text_answer_value(source)


def text_answer_value(text: str) -> str:
    """SQL of the number of an answer given as text (NULL when it is not a number, e.g. good/bad)."""
    return f"try_cast({trimmed_text(text)} AS DOUBLE)"


def value_column(column: Column) -> str:
    """The name of a survey answer's number column: csat -> csat_value."""
    return f"{column.name}_value"


def answer_value_columns(columns: tuple[Column, ...]) -> tuple[str, ...]:
    """The number columns of the survey answers among ``columns``; they follow the columns, in this order, in
    every relation that reads them (loaded_rows and its parts, survey_rows, the store)."""
    return tuple(value_column(c) for c in columns if c.kind == "score")


def column_names(columns: tuple[Column, ...]) -> str:
    """The quoted names of ``columns`` and then of their answers' number columns (csat_value, nps_value)."""
    return ", ".join(quote_identifier(n) for n in [*(c.name for c in columns), *answer_value_columns(columns)])


def _read_timestamp(column: Column, source: str, family: str) -> str | None:
    # a typed time column whose every value is finite (finite_time_check): read as it is, no check per row
    if family == "finite_timestamptz":
        return f"CAST({source} AS TIMESTAMPTZ)"
    if family == "finite_timestamp":
        return f"timezone($source_timezone, CAST({source} AS TIMESTAMP))"
    if family == "timestamptz":  # infinity is no time: NULL, reported as unreadable
        return f"CASE WHEN isfinite(CAST({source} AS TIMESTAMPTZ)) THEN CAST({source} AS TIMESTAMPTZ) END"
    if family == "timestamp":
        return (
            f"CASE WHEN isfinite(CAST({source} AS TIMESTAMP)) "
            f"THEN timezone($source_timezone, CAST({source} AS TIMESTAMP)) END"
        )
    if family != "text":
        return None
    # ISO 8601 with an offset, Z or a zone name keeps it; a naive time is read in the session's TimeZone, which
    # the reader sets to the source time zone while the file is read (FileRead.timezone).
    return text_time(trimmed_text(source))


def _read_number(column: Column, source: str, family: str) -> str | None:
    if family == "bounded_number":  # a typed integer column whose every value is within the bounds
        return f"CAST({source} AS DOUBLE)"
    if family == "number":
        return _finite(f"CAST({source} AS DOUBLE)")
    if family == "text":
        return _finite(f"try_cast({trimmed_text(source)} AS DOUBLE)")
    return None


def _read_boolean(column: Column, source: str, family: str) -> str | None:
    if family == "boolean":
        return source
    if family == "number":
        return f"({source} <> 0)"
    if family != "text":
        return None
    t = f"lower({trimmed_text(source)})"
    trues = ", ".join(f"'{w}'" for w in TRUE_WORDS)
    falses = ", ".join(f"'{w}'" for w in FALSE_WORDS)
    return f"CASE WHEN {t} IN ({trues}) THEN true WHEN {t} IN ({falses}) THEN false END"


def _read_direction(column: Column, source: str, family: str) -> str | None:
    t = source if family == "clean_text" else f"lower({trimmed_text(source)})"
    return f"CASE WHEN {t} IN ('inbound', 'outbound') THEN {t} END"


def _read_channel(column: Column, source: str, family: str) -> str | None:
    return source if family == "clean_text" else f"lower({trimmed_text(source)})"


# Kinds whose text values csmetrics trims (and lower-cases, for channel and direction) when it reads them. A
# source column whose values are all already in that form ("clean_text") is read as it is: the same values,
# without the per-row trim.
CLEAN_TEXT_KINDS = {"text": False, "channel": True, "direction": True}  # kind -> also lower-cased


INTEGER_TYPES = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
)


def bounded_check(source: str) -> str:
    """SQL aggregate: true when every value of an integer ``source`` is a usable duration (|x| < MAX_ABS_NUMBER),
    so it needs no check per row (an integer is never nan or inf)."""
    return f"coalesce(max(abs(CAST({source} AS DOUBLE))) < {MAX_ABS_NUMBER:.0e}, true)"


def finite_time_check(source: str) -> str:
    """SQL aggregate: true when every value of a typed time ``source`` is a time (no infinity), so it needs no
    check per row."""
    # infinity sorts after every time and -infinity before: the extremes decide (two cheap aggregates)
    low, high = f"CAST(min({source}) AS TIMESTAMPTZ)", f"CAST(max({source}) AS TIMESTAMPTZ)"
    return f"coalesce(isfinite({low}) AND isfinite({high}), true)"


def clean_text_check(source: str, kind: str) -> str:
    """SQL aggregate: true when every value of ``source`` is NULL or already canonical text for ``kind``
    (no leading or trailing space, not empty, lower-case where the kind is)."""
    padded = f"{source} = '' OR {source} LIKE ' %' OR {source} LIKE '% '"
    if CLEAN_TEXT_KINDS[kind]:
        padded += f" OR {source} <> lower({source})"
    return f"count(*) FILTER (WHERE {padded}) = 0"


# How each kind of column is read from a source of each type family (None: that type cannot hold it).
_READERS = {
    "text": _read_text,
    "score": _read_score,
    "timestamp": _read_timestamp,
    "number": _read_number,
    "boolean": _read_boolean,
    "direction": _read_direction,
    "channel": _read_channel,
}


def parse_expression(column: Column, source: str, family: str) -> str | None:
    """SQL that reads quoted source column ``source`` (of type ``family``) as ``column``.

    Returns ``None`` when that source type cannot hold this kind of value. A value
    that cannot be read yields NULL; the loader compares against the raw value to
    report it. ``$source_timezone`` is bound by the caller.
    """
    if family == "json":
        source = f"({source} ->> '$')"
        family = "text"
    return _READERS[column.kind](column, source, family)


EXPECTED_FORMAT = {
    "timestamp": "an ISO 8601 time such as 2024-03-04T09:15:00Z, 2024-03-04 09:15:00+01:00, "
    "or a naive 2024-03-04 09:15:00 (read in source_timezone)",
    "number": "a finite number of seconds such as 42 or 42.5",
    "boolean": "one of " + "/".join(TRUE_WORDS) + " or " + "/".join(FALSE_WORDS),
    "direction": "inbound or outbound",
    "score": "a survey answer: a number (csat on its scale, nps 0-10), or good/bad for csat",
}


# Agent state logs (--states): either intervals (started_at, ended_at) or events (at).
STATE_COLUMNS: tuple[Column, ...] = (
    Column("agent_id", "text", True, "the agent"),
    Column("state", "text", True, "state name, e.g. on_contact, acw, available, break, lunch, offline"),
    Column("started_at", "timestamp", False, "interval shape: when the state began"),
    Column(
        "ended_at", "timestamp", False, "interval shape: when it ended (empty = still open: cut at the data span end)"
    ),
    Column("at", "timestamp", False, "event shape: when the state began; it lasts until the agent's next event"),
)
STATE_COLUMNS_BY_NAME = {c.name: c for c in STATE_COLUMNS}

# Roster (--roster): one row per agent.
ROSTER_COLUMNS: tuple[Column, ...] = (
    Column("agent_id", "text", True, "the agent"),
    Column("team", "text", True, "the agent's team (--by team)"),
    Column("supervisor", "text", False, "the team's supervisor"),
    Column("site", "text", False, "the agent's site"),
)
ROSTER_COLUMNS_BY_NAME = {c.name: c for c in ROSTER_COLUMNS}


_SQL_TYPES = {"timestamp": "TIMESTAMPTZ", "number": "DOUBLE", "boolean": "BOOLEAN"}
_ROW_META = "_file VARCHAR, _line BIGINT, _seq BIGINT, _bad_column VARCHAR, _bad_value VARCHAR"


def sql_type(column: Column) -> str:
    """The DuckDB type a canonical column is read as."""
    return _SQL_TYPES.get(column.kind, "VARCHAR")


def _typed(columns: tuple[Column, ...]) -> str:
    values = "".join(f', "{v}" DOUBLE' for v in answer_value_columns(columns))
    return ", ".join(f'"{c.name}" {sql_type(c)}' for c in columns) + values


# The input relations the loaders fill (sql/pipeline.toml lists them), as column definitions.
INPUT_TABLES: dict[str, str] = {
    "loaded_rows": f"{_typed(INTERACTION_COLUMNS)}, {_ROW_META}",
    "survey_rows": "interaction_id VARCHAR, csat VARCHAR, nps VARCHAR, csat_value DOUBLE, nps_value DOUBLE, "
    "_file VARCHAR, _line BIGINT, _seq BIGINT",
    "loaded_states": f"{_typed(STATE_COLUMNS)}, {_ROW_META}",
    "roster": "agent_id VARCHAR, team VARCHAR, supervisor VARCHAR, site VARCHAR",
    "complaint_denominators": "day DATE, queue VARCHAR, external_count DOUBLE, _file VARCHAR, _line BIGINT",
}
