#!/usr/bin/env python3
"""Deterministic generator of a synthetic multi-channel contact-centre export.

Produces interaction records in the canonical csmetrics schema::

    interaction_id, offered_at, answered_at, ended_at, channel, direction,
    queue, agent_id, customer_id, reason, talk_seconds, hold_seconds,
    acw_seconds, transferred, complaint, csat, nps

Everything is generated set-based inside DuckDB (no per-row Python loop).
Pseudo-randomness comes from DuckDB's ``hash()`` of a per-contact key, the
seed and a per-purpose salt, so the output is byte-identical across runs and
thread counts for a given DuckDB version and set of arguments.
``random()``/``setseed()`` are never used.

Volumes and the intraday pattern are shaped in America/New_York local time
(the centre's time zone) and converted to UTC instants with
``timezone('America/New_York', local_timestamp)``, so DST days (e.g. the
23-hour 2024-03-10) are handled correctly.

CLI examples::

    python sample_data/generate.py --start 2024-03-04 --days 14 -o sample_data/interactions.csv
    python sample_data/generate.py --rows 10000000 --format parquet -o big.parquet

Library use::

    import duckdb
    from generate import generate, write          # (sample_data on sys.path)
    rel = generate(duckdb.connect(), start="2024-03-04", days=14)
    write("out.parquet", "parquet", days=14)

See sample_data/README.md for the distributions and the deliberate faults.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import math
import os
import sys
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import duckdb

TZ = "America/New_York"
COLUMNS = [
    "interaction_id",
    "offered_at",
    "answered_at",
    "ended_at",
    "channel",
    "direction",
    "queue",
    "agent_id",
    "customer_id",
    "reason",
    "talk_seconds",
    "hold_seconds",
    "acw_seconds",
    "transferred",
    "complaint",
    "csat",
    "nps",
]

# Mon..Sun weights (ISO day of week 1..7).
WEEKDAY_WEIGHTS = [1.25, 1.10, 1.00, 1.00, 0.95, 0.45, 0.30]
OPEN_SLOT, CLOSE_SLOT = 32, 80  # 15-minute slots: 08:00 .. 20:00 local
DEFAULT_VOLUME = 450  # base contacts on a weight-1.0 day
# Rows produced per unit of volume per unit of weekday weight (base contacts +
# outage spike + repeat contacts), measured empirically; used only to turn
# --rows into a volume.
ROWS_PER_VOLUME_WEIGHT = 1.149
KEY_STRIDE = 100_000_000  # key = ((day + WARMUP_DAYS)*96 + slot) * stride + k
# Contacts are also simulated for a few days before --start (and not written)
# so that their follow-up contacts land in the first days, as in a real export.
WARMUP_DAYS = 3
VOICE_PATIENCE, CHAT_PATIENCE = 180, 360  # mean customer patience, seconds
CUSTOMERS_PER_ROW, CUSTOMER_SKEW = 2.0, 1.5
REPEAT_SHARE = 0.135  # answered inbound contacts followed up
OUTBOUND_SHARE = 0.034  # of base contacts (~3% of all rows)
# Staffing (see README "Agents and shifts").  Agents work in pods of identical
# schedules; one pod serves POD_VOLUME of daily volume, --rows/--volume scale the
# number of pods.  Times are minutes after local (New York) midnight.
POD_VOLUME = 450
AGENTS_PER_WEIGHT = 10.5  # agents on shift per pod per unit of weekday weight
SHIFT_SHARES = (0.45, 0.2)  # of a day's agents on the early and the mid shift (rest late)
SHIFT_LEN = 510  # 8.5 h incl. lunch
SHIFTS = {"early": 480, "mid": 600, "late": 690}  # 08:00-16:30, 10:00-18:30, 11:30-20:00 local
CHUNK = 64  # contacts per stage of the routing fold
AGENT_BLOCK = 100  # agent number = pod * 100 + index + 1
CH_T = "ENUM('voice', 'chat', 'email')"
DIR_T = "ENUM('inbound', 'outbound')"
Q_T = "ENUM('sales', 'billing', 'support', 'tech')"
R_T = "ENUM('billing_question', 'outage', 'upgrade', 'cancel', 'password_reset', 'delivery')"


@dataclass(frozen=True)
class Params:
    start: _dt.date
    days: int
    volume: float
    seed: int
    clean: bool

    @property
    def weight_sum(self) -> float:
        return sum(WEEKDAY_WEIGHTS[(self.start + _dt.timedelta(d)).isoweekday() - 1] for d in range(self.days))

    @property
    def expected_rows(self) -> float:
        return self.volume * self.weight_sum * ROWS_PER_VOLUME_WEIGHT

    @property
    def n_pods(self) -> int:
        return max(1, round(self.volume / POD_VOLUME))

    @property
    def agents_per_weight(self) -> float:
        return AGENTS_PER_WEIGHT * self.volume / self.n_pods / POD_VOLUME

    @property
    def pod_size(self) -> int:
        """Agents per pod (every agent of a pod works some days, not all)."""
        return min(AGENT_BLOCK - 1, max(3, math.ceil(self.agents_per_weight * max(WEEKDAY_WEIGHTS))))

    def on_shift(self, isodow: int) -> tuple[int, int, int]:
        """(agents working, of which early, early + mid) per pod on an ISO weekday."""
        n = min(self.pod_size, max(3, round(self.agents_per_weight * WEEKDAY_WEIGHTS[isodow - 1])))
        e = max(1, min(n - 1, round(n * SHIFT_SHARES[0])))
        return n, e, min(n - 1, e + round(n * SHIFT_SHARES[1]))

    @property
    def n_customers(self) -> int:
        return max(1000, round(self.expected_rows * CUSTOMERS_PER_ROW))

    @property
    def outage_day(self) -> int:
        # One afternoon tech outage (13:00-17:00 local) on a weekday if possible.
        # (2024-03-13, a Wednesday, for the default 14 days from 2024-03-04)
        d = (self.days * 9) // 14
        return d if self.days >= 2 else -1


def _salt(salt: str) -> int:
    return int.from_bytes(hashlib.blake2b(salt.encode(), digest_size=8).digest(), "little")


def _u(key: str, salt: str, seed: int) -> str:
    """SQL expression: deterministic uniform draw in (0, 1).

    ``key == "key"`` means "per contact": the row's precomputed
    ``h0 = hash(key, seed)`` is xor-ed with a per-purpose constant and
    re-hashed (much cheaper than hashing a string salt on every row).
    Otherwise ``hash(<key>, seed, salt)``."""
    if key == "key":
        return f"(((hash(xor(h0, {_salt(salt)}::UBIGINT)) >> 11)::DOUBLE + 0.5) * {2.0**-53!r})"
    return f"(((hash({key}, {seed}, '{salt}') >> 11)::DOUBLE + 0.5) * {2.0**-53!r})"


def _normal_pair(key: str, salt: str, seed: int) -> tuple[str, str]:
    """Two independent standard normals via Box-Muller."""
    r = f"sqrt(-2.0 * ln({_u(key, salt + '1', seed)}))"
    a = f"(2.0 * pi() * {_u(key, salt + '2', seed)})"
    return f"({r} * cos({a}))", f"({r} * sin({a}))"


def _roll_open(epoch_col: str, key: str, salt: str, seed: int, alias: str) -> str:
    """SQL expression: move an epoch outside 08:00-20:00 local to next opening.

    Uses the precomputed local timestamp ``{alias}`` (naive, New York)."""
    jitter = f"to_seconds(floor({_u(key, salt, seed)} * 7200)::BIGINT)"
    return f"""CASE WHEN hour({alias}) BETWEEN 8 AND 19 THEN {epoch_col}
        ELSE epoch(timezone('{TZ}',
            (CASE WHEN hour({alias}) >= 20 THEN {alias}::DATE + 1 ELSE {alias}::DATE END)::TIMESTAMP
            + INTERVAL 8 HOUR + {jitter}))::BIGINT END"""


def aux_sql(idx: str, dn: str, st: str, seed: int) -> str:
    """SQL: an agent-day's planned auxiliary time, a LIST of STRUCT(kind, m0, m1).

    ``idx``: the agent's index in its pod ((agent number - 1) % 100), ``dn``: the
    local day as days since 1970-01-01, ``st``: shift start, minutes after local
    midnight; m0/m1 are minutes after local midnight too.  Shared with
    generate_states.py, which rebuilds the same schedule from the agent_id and
    the day, so both scripts must hash the same BIGINTs.  All items start on a
    15-minute boundary (if ``st`` does), starts are staggered between agents,
    and items never overlap (minutes into the shift): huddle (meeting, 15 min,
    weekdays) at 0-45; break (15 min) at 120-165; lunch (30/45/60/60 min) at
    195-240; coaching (meeting, 30 min, one agent-day in three) at 300; break
    (15 min) at 330-375; training (half the agent-days, 60 or 90 min) at
    390-420, so that it never falls in the busy early morning."""
    h = f"hash(({idx})::BIGINT, ({dn})::BIGINT, {int(seed)}::BIGINT, 'aux')"

    def bits(shift, n):
        return f"(({h} >> {shift}) % {n})::INTEGER"

    st = f"({st})::INTEGER"
    weekday = f"((({dn})::BIGINT + 3) % 7 < 5)"
    train_len = f"CASE WHEN {bits(0, 2)} = 0 THEN CASE WHEN {bits(30, 2)} = 0 THEN 60 ELSE 90 END ELSE 0 END"

    def at(base, shift, n=4):
        return f"{st} + {base} + 15 * {bits(shift, n)}"  # staggered start

    items = [
        ("meeting", at(0, 3), f"{at(0, 3)} + CASE WHEN {weekday} THEN 15 ELSE 0 END"),
        ("break", at(120, 5), f"{at(120, 5)} + 15"),
        ("lunch", at(195, 9), f"{at(195, 9)} + [30, 45, 60, 60][{bits(13, 4)} + 1]"),
        ("meeting", f"{st} + 300", f"{st} + 300 + CASE WHEN {bits(25, 3)} = 0 THEN 30 ELSE 0 END"),
        ("break", at(330, 17), f"{at(330, 17)} + 15"),
        ("training", at(390, 21, 3), f"{at(390, 21, 3)} + {train_len}"),
    ]
    lst = ", ".join(f"{{'kind': '{k}', 'm0': {a}, 'm1': {b}}}" for k, a, b in items)
    return f"list_filter([{lst}], lambda x: x.m1 > x.m0)"


def _route(acc: str, c: str, S: int) -> str:
    """SQL: the seat (0-based) contact ``c`` is routed to, given the fold state
    ``acc.free`` (per seat, the epoch at which it is next free).

    Candidates are ranked by a preference class, then by the time the seat
    became free (longest idle first), then by seat number.  Voice: an idle
    voice agent (0), an idle chat/email agent with no chat open (1), else the
    agent free soonest (3, an overlap).  Chat/email: a chat/email agent's free
    first seat (0), their free second seat (1), an idle voice agent (2), else
    the seat free soonest (3/4)."""
    f = f"greatest({acc}.free[x % 128 + 1], {acc}.free[(x // 128) % 128 + 1])"
    key = (
        f"(CASE WHEN {f} <= {c}.t THEN (x // 16384) % 8 ELSE x // 131072 END * 10000000000::BIGINT + {f})"
        " * 10000 + x % 128"
    )
    return f"(list_min(list_transform(els[{c}.e], lambda x: {key})) % 10000)::INTEGER"


def _outcome_ctes(prefix: str, src: str, seed: int) -> list[str]:
    """CTEs modelling wait / abandonment / handling / surveys for a contact set.

    ``src`` provides: key, d, s, lf (load factor, ~0..1.35), off (epoch s),
    direction, channel, queue, reason, cust (int), is_repeat (bool).
    The last CTE is named ``{prefix}out``."""
    U = lambda salt: _u("key", salt, seed)  # noqa: E731
    zt, za = _normal_pair("key", "t", seed)
    zc, _ = _normal_pair("key", "c", seed)
    zn, _ = _normal_pair("key", "n", seed)
    sigma = "CASE channel WHEN 'voice' THEN 0.75 WHEN 'chat' THEN 0.6 ELSE 0.8 END"
    talk_mean = """(CASE WHEN direction = 'outbound' THEN 180 WHEN channel = 'voice' THEN 300
                     WHEN channel = 'chat' THEN 600 ELSE 420 END
              * CASE queue WHEN 'sales' THEN 1.05 WHEN 'billing' THEN 0.9 WHEN 'tech' THEN 1.35 ELSE 1.0 END)"""
    return [
        # 1. raw draws.  Waits follow an Erlang-C-like mixture: most contacts
        #    are picked up within a few seconds, the rest queue for an
        #    exponential time whose probability and mean grow with load.
        f"""{prefix}1 AS (
  SELECT c.*,
    CASE
      WHEN direction = 'outbound' THEN 5 + floor({U("ring")} * 20)::BIGINT
      WHEN channel = 'email' THEN 60 + least(86400, floor(-ln({U("w")}) * (5400 + 7200 * lf)))::BIGINT
      WHEN {U("busy")} < CASE channel WHEN 'voice' THEN 0.08 + 0.32 * lf ELSE 0.15 + 0.45 * lf END
        THEN 2 + floor(-ln({U("w")}) * CASE channel WHEN 'voice' THEN 28 + 45 * lf ELSE 40 + 90 * lf END)::BIGINT
      ELSE floor({U("w")} * CASE channel WHEN 'voice' THEN 5 ELSE 12 END)::BIGINT
    END AS wait,
    CASE WHEN direction = 'outbound' OR channel = 'email' THEN NULL
         ELSE -ln({U("pat")}) * CASE channel WHEN 'voice' THEN {VOICE_PATIENCE} ELSE {CHAT_PATIENCE} END END AS patience,
    {U("xfer")} < CASE WHEN direction = 'outbound' THEN 0.02 WHEN channel = 'voice' THEN 0.095
                        WHEN channel = 'chat' THEN 0.07 ELSE 0.04 END AS xfer0,
    greatest(15, round(exp(ln({talk_mean}) - 0.5 * pow({sigma}, 2) + {sigma} * {zt})))::BIGINT AS talk0,
    CASE WHEN channel = 'voice' AND {U("h")} < CASE direction WHEN 'inbound' THEN 0.35 ELSE 0.10 END
         THEN 5 + round(-ln({U("hd")}) * 55)::BIGINT ELSE 0 END AS hold,
    greatest(0, round(exp(ln(CASE channel WHEN 'voice' THEN 40 WHEN 'chat' THEN 30 ELSE 60 END)
                           - 0.125 + 0.5 * {za})))::BIGINT AS acw
  FROM {src} c
)""",
        # 2. abandonment (patience < wait) and transfers (add consult time)
        f"""{prefix}2 AS (
  SELECT * EXCLUDE (talk0, xfer0),
    NOT coalesce(patience < wait, false) AS answered,
    NOT coalesce(patience < wait, false) AND xfer0 AS transferred,
    talk0 + CASE WHEN xfer0 THEN 30 + round(-ln({U("xt")}) * 150)::BIGINT ELSE 0 END AS talk,
    CASE WHEN channel = 'email' THEN timezone('{TZ}', to_timestamp(off + wait)) END AS eloc
  FROM {prefix}1
)""",
        # 3. answer time (emails answered only during opening hours)
        f"""{prefix}3 AS (
  SELECT * EXCLUDE (eloc),
    CASE WHEN NOT answered THEN NULL
         WHEN channel = 'email' THEN {_roll_open("off + wait", "key", "er", seed, "eloc")}
         ELSE off + wait END AS ans
  FROM {prefix}2
)""",
        # 4. end time, long-wait penalty, survey flags
        f"""{prefix}4 AS (
  SELECT *,
    CASE WHEN answered THEN ans + talk + hold ELSE off + floor(patience)::BIGINT END AS ended,
    least(1.5, coalesce(ans - off, wait)
               / CASE channel WHEN 'voice' THEN 120.0 WHEN 'chat' THEN 240.0 ELSE 28800.0 END) AS lw,
    answered AND direction = 'inbound' AND {U("sv")} < 0.20 AS survey_csat,
    answered AND direction = 'inbound' AND {U("nv")} < 0.15 AS survey_nps
  FROM {prefix}3
)""",
        # 5. csat / nps / complaint, worse after long waits, transfers, repeats
        f"""{prefix}out AS (
  SELECT *,
    CASE WHEN survey_csat THEN least(5, greatest(1, round(
        4.35 - 0.8 * lw - 0.8 * transferred::INT - 0.3 * is_repeat::INT + 0.85 * {zc})))::INT END AS csat,
    CASE WHEN survey_nps THEN least(10, greatest(0, round(
        8.6 - 1.2 * lw - 1.2 * transferred::INT - 0.6 * is_repeat::INT + 1.9 * {zn})))::INT END AS nps,
    {U("cmp")} < CASE WHEN direction = 'outbound' THEN 0.004
                     ELSE 0.007 + 0.025 * lw + 0.04 * transferred::INT + 0.015 * is_repeat::INT
                          + 0.01 * (NOT answered)::INT END AS complaint
  FROM {prefix}4
)""",
    ]


def build_sql(p: Params, text: bool = False) -> str:
    """The complete, ordered SELECT producing the export.

    ``text=True`` renders timestamps as ISO-8601 strings with a 'Z' suffix
    (for CSV/JSON); otherwise they are TIMESTAMPTZ values."""
    seed = int(p.seed)
    start = p.start.isoformat()
    NC, days = p.n_customers, p.days
    P, S = p.n_pods, p.pod_size
    id_width = max(7, len(str(int(p.expected_rows * 1.3))))
    cust_width = max(5, len(str(NC)))
    ag_width = max(2, len(str((P - 1) * AGENT_BLOCK + S)))
    start_dn = (p.start - _dt.date(1970, 1, 1)).days
    n_work = "[" + ", ".join(str(p.on_shift(w)[0]) for w in range(1, 8)) + "]"
    n_early = "[" + ", ".join(str(p.on_shift(w)[1]) for w in range(1, 8)) + "]"
    offs = (
        "["
        + ", ".join(
            str(
                int(
                    _dt.datetime.combine(p.start + _dt.timedelta(d), _dt.time(12), ZoneInfo(TZ))
                    .utcoffset()
                    .total_seconds()
                )
            )
            for d in range(-WARMUP_DAYS, days + 3)
        )
        + "]"
    )
    # routing fold stages: enough chunks for the busiest pod-day (~2.5x the pod volume)
    nst = max(2, math.ceil(2.5 * p.volume / P / CHUNK) + 1)
    n_mid = "[" + ", ".join(str(p.on_shift(w)[2]) for w in range(1, 8)) + "]"
    ww = "[" + ", ".join(str(w) for w in WEEKDAY_WEIGHTS) + "]"
    ukey = lambda salt: _u("key", salt, seed)  # noqa: E731
    ziv, _ = _normal_pair("d, s", "cnt", seed)
    zo, _ = _normal_pair("d, s", "ocnt", seed)
    h = "(s / 4.0 + 0.125)"  # local hour at the slot midpoint
    # intraday shape: morning peak ~11:00, afternoon peak ~15:00, quiet evening
    iw = (
        f"(0.20 + 0.05 * ({h} - 8) + exp(-pow(({h} - 11.1) / 1.9, 2))"
        f" + 0.9 * exp(-pow(({h} - 15.0) / 1.8, 2)) - 0.07 * greatest(0, {h} - 18))"
    )
    channel_expr = f"""CASE WHEN direction = 'outbound' THEN 'voice'
        WHEN {ukey("ch")} < 0.64 THEN 'voice' WHEN {ukey("ch")} < 0.895 THEN 'chat' ELSE 'email' END::{CH_T}"""
    queue_expr = f"""CASE
        WHEN outage THEN CASE WHEN {ukey("q")} < 0.7 THEN 'tech' ELSE 'support' END
        WHEN direction = 'outbound' THEN CASE WHEN {ukey("q")} < 0.6 THEN 'sales' ELSE 'billing' END
        WHEN {ukey("q")} < 0.22 THEN 'sales' WHEN {ukey("q")} < 0.52 THEN 'billing'
        WHEN {ukey("q")} < 0.85 THEN 'support' ELSE 'tech' END::{Q_T}"""
    reason_expr = f"""CASE
        WHEN outage THEN 'outage'
        WHEN queue = 'sales' THEN CASE WHEN {ukey("r")} < 0.55 THEN 'upgrade' WHEN {ukey("r")} < 0.75 THEN 'cancel' ELSE 'delivery' END
        WHEN queue = 'billing' THEN CASE WHEN {ukey("r")} < 0.70 THEN 'billing_question' WHEN {ukey("r")} < 0.90 THEN 'cancel' ELSE 'upgrade' END
        WHEN queue = 'support' THEN CASE WHEN {ukey("r")} < 0.35 THEN 'delivery' WHEN {ukey("r")} < 0.70 THEN 'password_reset'
                                        WHEN {ukey("r")} < 0.85 THEN 'outage' ELSE 'billing_question' END
        ELSE CASE WHEN {ukey("r")} < 0.55 THEN 'outage' ELSE 'password_reset' END END::{R_T}"""
    local = lambda e: f"timezone('{TZ}', to_timestamp({e}))"  # noqa: E731
    period_end = f"epoch(timezone('{TZ}', (DATE '{start}' + {days - 1})::TIMESTAMP + INTERVAL 20 HOUR))::BIGINT"

    ctes = [
        # 15-minute intervals of the opening hours, in New York local time
        f"""iv0 AS (
  SELECT d, s,
    epoch(timezone('{TZ}', (DATE '{start}' + d::INT)::TIMESTAMP + to_minutes(s * 15)))::BIGINT AS t0,
    {ww}[isodow(DATE '{start}' + d::INT)] AS dw,
    {iw} AS iw,
    (d = {p.outage_day} AND s BETWEEN 52 AND 67) AS out_slot
  FROM range({-WARMUP_DAYS}, {days}) t1(d), range({OPEN_SLOT}, {CLOSE_SLOT}) t2(s)
)""",
        "iv1 AS (SELECT *, dw * iw / sum(iw) OVER (PARTITION BY d) AS share FROM iv0)",
        f"""iv AS (
  SELECT *,
    dw * share / max(dw * share) OVER () + CASE WHEN out_slot THEN 0.35 ELSE 0 END AS lf,
    greatest(0, round({p.volume} * share + sqrt({p.volume} * share) * {ziv}))::BIGINT AS n_norm,
    CASE WHEN out_slot THEN greatest(0, round({p.volume} * 0.018
         + sqrt({p.volume} * 0.018) * {zo}))::BIGINT ELSE 0 END AS n_out
  FROM iv1
)""",
        # n contacts per interval, uniformly spread inside it
        "base0 AS (SELECT d, s, t0, lf, n_norm, unnest(range(n_norm + n_out)) AS k FROM iv)",
        f"""base1 AS (
  SELECT key, h0, d, s, lf, outage, t0 + floor({ukey("sec")} * 900)::BIGINT AS off,
    (CASE WHEN NOT outage AND {ukey("dir")} < {OUTBOUND_SHARE} THEN 'outbound' ELSE 'inbound' END)::{DIR_T} AS direction,
    1 + floor({NC} * pow({ukey("cust")}, {CUSTOMER_SKEW}))::BIGINT AS cust,
    false AS is_repeat
  FROM (SELECT key, hash(key, {seed}) AS h0, d, s, t0, lf, outage
        FROM (SELECT ((d + {WARMUP_DAYS}) * 96 + s) * {KEY_STRIDE} + k AS key, d, s, t0, lf, k >= n_norm AS outage FROM base0))
)""",
        f"base2 AS (SELECT *, {channel_expr} AS channel, {queue_expr} AS queue FROM base1)",
        f"""base AS (SELECT key, h0, d, s, lf, off, direction, cust, is_repeat, channel, queue,
  {reason_expr} AS reason FROM base2)""",
    ]
    narrow = """key, h0, d, off, ans, ended, channel, direction, queue, reason, cust::INTEGER AS cust,
    answered,
    CASE WHEN answered THEN talk END::INTEGER AS talk, CASE WHEN answered THEN hold END::INTEGER AS hold,
    CASE WHEN answered THEN acw END::INTEGER AS acw, transferred, complaint,
    csat::TINYINT AS csat, nps::TINYINT AS nps"""
    ctes += _outcome_ctes("b", "base", seed)
    ctes.append(f"bnar AS MATERIALIZED (SELECT {narrow} FROM bout)")
    ctes += [
        # repeat contacts: follow-ups by the same customer after an answered contact
        f"""rep0 AS (
  SELECT -key - 1 AS key, queue, cust, direction, channel AS pchannel, reason AS preason,
         ended + 60 + round(-ln({ukey("rd")}) * 72000)::BIGINT AS cand
  FROM bnar
  WHERE answered AND direction = 'inbound' AND {ukey("rep")} < {REPEAT_SHARE}
)""",
        f"rep1 AS (SELECT *, hash(key, {seed}) AS h0, {local('cand')} AS cloc FROM rep0)",
        f"rep2 AS (SELECT * EXCLUDE (cloc), {_roll_open('cand', 'key', 'rroll', seed, 'cloc')} AS off FROM rep1)",
        f"rep3 AS (SELECT r.*, {local('off')} AS oloc FROM rep2 r WHERE off < {period_end})",
        f"""rep4 AS (
  SELECT r.*, iv.d, iv.s, iv.lf, true AS is_repeat, false AS outage,
    CASE WHEN {ukey("rch")} < 0.6 THEN pchannel ELSE ({channel_expr}) END AS channel
  FROM rep3 r
  JOIN iv ON iv.d = datediff('day', DATE '{start}', r.oloc::DATE)
         AND iv.s = hour(r.oloc) * 4 + minute(r.oloc) // 15
  WHERE iv.d >= 0
)""",
        f"""rep AS (
  SELECT key, h0, d, s, lf, off, direction, cust, is_repeat, channel, queue,
    CASE WHEN {ukey("rr")} < 0.75 THEN preason ELSE ({reason_expr}) END AS reason
  FROM rep4
)""",
    ]
    ctes += _outcome_ctes("r", "rep", seed)
    ctes.append(f"rnar AS (SELECT {narrow} FROM rout)")
    ctes.append("allc0 AS (SELECT * FROM bnar WHERE d >= 0 UNION ALL SELECT * FROM rnar)")
    ctes += [
        # Shifts: the same schedule in every pod.  Agent i of a pod has rank
        # (i - day) mod S on a day; ranks below the day's head count work, the
        # lowest ones on the early shift, then mid, then late.  In each shift
        # the 2nd, 4th, 7th, 9th, ... agent (two in five) takes chat and email,
        # the others voice.
        f"""sched0 AS (
  SELECT i, d, d + {start_dn} AS dn, ((i - d - {start_dn}) % {S} + {S}) % {S} AS r,
    {n_work}[isodow(DATE '{start}' + d::INT)] AS n_d, {n_early}[isodow(DATE '{start}' + d::INT)] AS n_e,
    {n_mid}[isodow(DATE '{start}' + d::INT)] AS n_m
  FROM range({S}) t1(i), range(0, {days + 1}) t2(d)
)""",
        f"""sched AS (
  SELECT i, d, dn,
    CASE WHEN r < n_e THEN {SHIFTS["early"]} WHEN r < n_m THEN {SHIFTS["mid"]} ELSE {SHIFTS["late"]} END AS st,
    (CASE WHEN r < n_e THEN r WHEN r < n_m THEN r - n_e ELSE r - n_m END) % 5 IN (1, 3) AS digital
  FROM sched0 WHERE r < n_d
)""",
        f"""slots AS (
  SELECT i, d, slot, digital,
    NOT list_bool_or(list_transform({aux_sql("i", "dn", "st", seed)},
        lambda x: x.m0 <= slot * 15 AND slot * 15 < x.m1)) AS free
  FROM (SELECT *, unnest(range(st // 15, (st + {SHIFT_LEN}) // 15)) AS slot FROM sched)
)""",
        # Agents a contact can go to in a local 15-minute slot: the free (on
        # shift, not on planned auxiliary time) voice and chat/email agents;
        # if nobody is free, everyone on shift.
        """elig0 AS (
  SELECT d, slot, CASE WHEN len(vf) + len(df) > 0 THEN vf ELSE va END AS vo,
    CASE WHEN len(vf) + len(df) > 0 THEN df ELSE da END AS di
  FROM (
    SELECT d, slot,
      coalesce(list(i ORDER BY i) FILTER (WHERE free AND NOT digital), []) AS vf,
      coalesce(list(i ORDER BY i) FILTER (WHERE free AND digital), []) AS df,
      coalesce(list(i ORDER BY i) FILTER (WHERE NOT digital), []) AS va,
      coalesce(list(i ORDER BY i) FILTER (WHERE digital), []) AS da
    FROM slots GROUP BY ALL)
)""",
        # Routing candidates per slot and pool, in preference classes (see
        # _route): seat s (s2: a second seat that must be free too, else s),
        # class when free (cf) and when busy (cb).
        f"""elig AS (
  SELECT d, slot, 'voice' AS pool,
    list_concat(list_transform(vo, lambda e: e + 128 * e + 16384 * 0 + 131072 * 3),
                list_transform(di, lambda e: e + 128 * (e + {S}) + 16384 * 1 + 131072 * 3)) AS el
  FROM elig0
  UNION ALL
  SELECT d, slot, 'digital',
    list_concat(list_transform(di, lambda e: e + 128 * e + 16384 * 0 + 131072 * 3),
                list_transform(di, lambda e: (e + {S}) * 129 + 16384 * 1 + 131072 * 3),
                list_transform(vo, lambda e: e * 129 + 16384 * 2 + 131072 * 4))
  FROM elig0
)""",
        # local day and 15-minute slot of answered_at without a time-zone
        # lookup per row: 08:00-20:00 local never straddles midnight or a DST
        # switch, so (ans - 4.5 h) gives the local date and the day's offset the slot.
        f"""allc1 AS (
  SELECT * EXCLUDE (ad0), ad0 AS ad,
    CASE WHEN answered THEN least(79, greatest(32,
      ((ans + {offs}[ad0 + {WARMUP_DAYS + 1}]) % 86400) // 900)) END AS aslot
  FROM (SELECT *,
    CASE WHEN answered THEN floor({ukey("pod")} * {P})::INTEGER END AS pod,
    CASE WHEN answered THEN (ans - 16200) // 86400 - {start_dn} END AS ad0
    FROM allc0)
)""",
        # contacts per pod and local day in answer order, in chunks of CHUNK
        f"""parts AS (
  SELECT pod, ad, least(rk // {CHUNK}, {nst - 1}) AS ch,
    list({{'k': key, 't': ans, 'be': be, 'v': v, 'e': (aslot - 32) * 2 + (NOT v)::INTEGER + 1}} ORDER BY rk) AS cs
  FROM (
    SELECT pod, ad, key, ans, ended + acw AS be, channel = 'voice' AS v, aslot,
      row_number() OVER (PARTITION BY pod, ad ORDER BY ans, key) - 1 AS rk
    FROM allc1
    WHERE answered)
  GROUP BY ALL
)""",
        # per day: the candidate lists of every slot and pool, indexed by c.e
        """eltab AS (SELECT d, list(el ORDER BY slot, pool DESC) AS els FROM elig GROUP BY d)""",
        f"""s0 AS MATERIALIZED (
  SELECT DISTINCT pod, ad, NULL AS cs,
    {{'free': list_transform(range({2 * S}), lambda j: 0::BIGINT), 'out': []::INTEGER[]}} AS r
  FROM parts
)""",
    ]

    # Routing, simulated per pod and day by a fold (list_reduce) over the
    # contacts in answer order (see _route): every agent has a first seat (i),
    # chat and email agents a second one (i + S) for a second chat.  The fold
    # runs chunk by chunk, each stage starting from the previous one's state,
    # so that the list of routing decisions it accumulates stays short.
    def upd(fr, x):
        return f"list_concat({fr}[:{x}], [greatest({fr}[{x} + 1], c.be)], {fr}[{x} + 2:])"

    fold = (
        f"list_reduce(c.cs, lambda acc, c: list_transform([{_route('acc', 'c', S)}], lambda b: {{"
        f"'free': CASE WHEN c.v AND b < {S} THEN {upd(upd('acc.free', 'b'), f'b + {S}')}"
        f" ELSE {upd('acc.free', 'b')} END, 'out': list_append(acc.out, b)}})[1],"
        " {'free': prev.r.free, 'out': []::INTEGER[]})"
    )
    for k in range(1, nst + 1):
        ctes.append(f"""s{k} AS MATERIALIZED (
  SELECT prev.pod, prev.ad, c.cs, coalesce({fold}, {{'free': prev.r.free, 'out': []::INTEGER[]}}) AS r
  FROM s{k - 1} prev LEFT JOIN parts c ON c.pod = prev.pod AND c.ad = prev.ad AND c.ch = {k - 1}
    LEFT JOIN eltab ON eltab.d = prev.ad
)""")
    ctes += [
        "asg AS ("
        + " UNION ALL ".join(
            f"SELECT unnest(cs).k AS key, unnest(r.out) AS seat FROM s{k} WHERE cs IS NOT NULL"
            for k in range(1, nst + 1)
        )
        + ")",
        f"""allc AS (
  SELECT a.* EXCLUDE (pod, ad, aslot),
    CASE WHEN a.answered THEN a.pod * {AGENT_BLOCK} + g.seat % {S} + 1 END::INTEGER AS agent
  FROM allc1 a LEFT JOIN asg g ON g.key = a.key
)""",
    ]

    if p.clean:
        ctes.append("src AS (SELECT 0 AS grp, *, false AS is_dup, NULL::BIGINT AS rn_fix FROM allc)")
    else:
        dup_day = min(6, days - 1)
        fault_pool = (
            f"answered AND direction = 'inbound' AND channel = 'voice' AND hold > 0 "
            f"AND d BETWEEN {min(1, days - 1)} AND {max(0, days - 2)}"
        )
        fh = f"hash(key, {seed}, 'fault')"
        wip_key = -(10**15)
        ctes += [
            # deterministic choice of the rows that get faults
            f"""picks AS (
  SELECT key, row_number() OVER (ORDER BY {fh}, key) AS fr
  FROM (SELECT key FROM bnar WHERE {fault_pool} ORDER BY {fh}, key LIMIT 5)
)""",
            f"""roles AS (
  SELECT key, CASE fr WHEN 1 THEN 'ans_before_off' WHEN 2 THEN 'ans_before_off'
                      WHEN 3 THEN 'end_before_ans' WHEN 4 THEN 'neg_hold' ELSE 'reexport' END AS role
  FROM picks
  UNION ALL
  SELECT key, 'dup' FROM (SELECT key FROM bnar WHERE d = {dup_day} AND answered
                          ORDER BY off DESC, key DESC LIMIT 3)
)""",
            "rx AS (SELECT b.* FROM allc b JOIN roles r USING (key) WHERE r.role = 'reexport')",
            # id (rank by offered_at) of the re-exported row
            """rxrn AS (SELECT
    (SELECT count(*) FROM bnar a, rx WHERE a.d >= 0 AND (a.off < rx.off OR (a.off = rx.off AND a.key <= rx.key)))
  + (SELECT count(*) FROM rnar a, rx WHERE a.off < rx.off OR (a.off = rx.off AND a.key <= rx.key)) AS rn)""",
            f"""src AS (
  SELECT 0 AS grp, a.* EXCLUDE (h0) REPLACE (
      CASE role WHEN 'ans_before_off' THEN a.off - 20 - abs(a.key) % 97 ELSE a.ans END AS ans,
      CASE role WHEN 'end_before_ans' THEN a.ans - 60 - abs(a.key) % 89 ELSE a.ended END AS ended,
      CASE role WHEN 'neg_hold' THEN -a.hold ELSE a.hold END AS hold),
    coalesce(role = 'dup', false) AS is_dup, NULL::BIGINT AS rn_fix
  FROM allc a LEFT JOIN roles USING (key)
  UNION ALL BY NAME  -- contacts still in progress when the export was taken (ids after the last)
  SELECT 1 AS grp, {wip_key} - i AS key, {days - 1} AS d, {period_end} - secs AS off,
    NULL::BIGINT AS ans, NULL::BIGINT AS ended, channel::{CH_T} AS channel, 'inbound'::{DIR_T} AS direction,
    queue::{Q_T} AS queue, reason::{R_T} AS reason, (1 + hash(i, {seed}, 'wipc') % {NC})::INTEGER AS cust,
    NULL::INTEGER AS agent, false AS answered, NULL::INTEGER AS talk, NULL::INTEGER AS hold,
    NULL::INTEGER AS acw, false AS transferred, false AS complaint, NULL::TINYINT AS csat,
    NULL::TINYINT AS nps, false AS is_dup, NULL::BIGINT AS rn_fix
  FROM (VALUES (1, 'voice', 'support', 'delivery', 431), (2, 'voice', 'billing', 'billing_question', 257),
               (3, 'chat', 'tech', 'outage', 118), (4, 'email', 'sales', 'upgrade', 36))
       v(i, channel, queue, reason, secs)
  UNION ALL BY NAME  -- corrected re-export of an earlier row, at the very end of the file
  SELECT 2 AS grp, rx.* EXCLUDE (h0) REPLACE (rx.acw + 47 AS acw), false AS is_dup, (SELECT rn FROM rxrn) AS rn_fix
  FROM rx
)""",
        ]
    if text:

        def ts(col: str) -> str:
            return f"strftime(make_timestamp({col} * 1000000), '%Y-%m-%dT%H:%M:%SZ')"
    else:

        def ts(col: str) -> str:
            return f"make_timestamptz({col} * 1000000)"

    # One sort; ids are assigned by a streaming row_number() over the sorted
    # stream; duplicates are emitted next to their original with unnest().
    final = f"""
SELECT 'I' || lpad(coalesce(rn_fix, pos)::VARCHAR, {id_width}, '0') AS interaction_id,
  {ts("off")} AS offered_at, {ts("ans")} AS answered_at, {ts("ended")} AS ended_at,
  channel::VARCHAR AS channel, direction::VARCHAR AS direction, queue::VARCHAR AS queue,
  'A' || lpad(agent::VARCHAR, {ag_width}, '0') AS agent_id,
  'C' || lpad(cust::VARCHAR, {cust_width}, '0') AS customer_id,
  reason::VARCHAR AS reason,
  talk AS talk_seconds, hold AS hold_seconds, acw AS acw_seconds, transferred, complaint,
  csat::INTEGER AS csat, nps::INTEGER AS nps
FROM (
  SELECT *, unnest(CASE WHEN is_dup THEN [0, 1] ELSE [0] END) AS copy_no
  FROM (SELECT row_number() OVER () AS pos, * FROM (SELECT * FROM src ORDER BY grp, off, key))
)"""
    return "WITH " + ",\n".join(ctes) + final


def _params(start="2024-03-04", days=14, rows=None, volume=None, seed=42, clean=False) -> Params:
    if isinstance(start, str):
        start = _dt.date.fromisoformat(start)
    days = int(days)
    if days < 1:
        raise ValueError("days must be >= 1")
    p = Params(start, days, float(volume or DEFAULT_VOLUME), int(seed), bool(clean))
    if rows is not None:
        if volume is not None:
            raise ValueError("give either rows or volume, not both")
        vol = float(rows) / (p.weight_sum * ROWS_PER_VOLUME_WEIGHT)
        p = Params(start, days, round(vol, 3), int(seed), bool(clean))
    return p


def generate(con=None, *, start="2024-03-04", days=14, rows=None, volume=None, seed=42, clean=False, text=False):
    """Return a DuckDB relation with the generated export (canonical columns).

    ``con``: a DuckDB connection (a new in-memory one if None).  ``rows``:
    approximate total row count (scales the daily volume); ``volume``: base
    contacts on a weight-1.0 day (default 400).  ``text=True`` gives
    timestamps as ISO strings instead of TIMESTAMPTZ."""
    p = _params(start, days, rows, volume, seed, clean)
    if con is None:
        con = duckdb.connect()
    return con.sql(build_sql(p, text=text))


def write(
    path, fmt=None, *, con=None, start="2024-03-04", days=14, rows=None, volume=None, seed=42, clean=False
) -> None:
    """Generate and write to ``path`` as csv, parquet or json (NDJSON).

    ``fmt`` defaults to the file extension."""
    path = os.fspath(path)
    if fmt is None:
        ext = os.path.splitext(path)[1].lower().lstrip(".")
        fmt = {
            "csv": "csv",
            "parquet": "parquet",
            "pq": "parquet",
            "json": "json",
            "ndjson": "json",
            "jsonl": "json",
        }.get(ext, "csv")
    fmt = fmt.lower()
    if fmt not in ("csv", "parquet", "json"):
        raise ValueError(f"unknown format {fmt!r}")
    p = _params(start, days, rows, volume, seed, clean)
    if con is None:
        con = duckdb.connect()
    sql = build_sql(p, text=(fmt != "parquet"))
    target = path.replace("'", "''")
    opts = {"csv": "FORMAT csv, HEADER true", "parquet": "FORMAT parquet, COMPRESSION zstd", "json": "FORMAT json"}[fmt]
    con.execute("SET preserve_insertion_order = true")
    con.execute(f"COPY ({sql}) TO '{target}' ({opts})")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--start", default="2024-03-04", help="first day, YYYY-MM-DD (default 2024-03-04, a Monday)")
    ap.add_argument("--days", type=int, default=14, help="number of days (default 14)")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--rows", type=int, help="approximate total rows; scales the daily volume over --days")
    g.add_argument(
        "--volume", type=float, help=f"base contacts on a weight-1.0 day (default {DEFAULT_VOLUME}; Monday is 1.25x)"
    )
    ap.add_argument("--format", choices=["csv", "parquet", "json"], help="output format (default: from -o extension)")
    ap.add_argument("-o", "--output", default="interactions.csv", help="output path")
    ap.add_argument("--seed", type=int, default=42, help="salt for the hash-based pseudo-randomness (default 42)")
    ap.add_argument("--clean", action="store_true", help="omit the deliberate data-quality faults")
    ap.add_argument("--threads", type=int, help="DuckDB threads (output is identical regardless)")
    ap.add_argument("--memory-limit", help="DuckDB memory_limit, e.g. 2GB")
    a = ap.parse_args(argv)
    con = duckdb.connect()
    if a.threads:
        con.execute(f"SET threads = {int(a.threads)}")
    if a.memory_limit:
        con.execute("SET memory_limit = ?", [a.memory_limit])
    t = time.perf_counter()
    write(
        a.output,
        a.format,
        con=con,
        start=a.start,
        days=a.days,
        rows=a.rows,
        volume=a.volume,
        seed=a.seed,
        clean=a.clean,
    )
    print(f"wrote {a.output} in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
