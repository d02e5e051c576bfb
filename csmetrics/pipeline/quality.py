"""data_quality: counts that explain every row and answer read, from the session's tables.

Identities (tested): ``rows_read = contacts + rejected.contacts + duplicates_merged +
duplicates_superseded``; ``contacts = contacts_in_report + outside_period + in_progress + outbound``;
for answers ``read = used + rejected.total + not_counted.total``; for agent states
``rows_read = states_kept + rejected.total + duplicates_merged``.
"""

from __future__ import annotations

from typing import Any

from csmetrics.pipeline.session import Session

# Why a valid answer of a contact is not counted: csm_not_counted in sql/macros/time.sql, or, for an
# interaction's answer, a valid survey answer replaces it (replaced_by_survey).
_NOT_COUNTED = "csm_not_counted(contact_outcome, contact_direction, contact_offered_at)"


def _counts(pairs: list[tuple[Any, Any]]) -> dict[str, Any]:
    by_reason = {str(k): int(v) for k, v in sorted(pairs)}
    return {"total": sum(by_reason.values()), "by_reason": by_reason}


def contact_counts(session: Session) -> tuple[int, int, int]:
    """(in progress, outbound not in progress, all) valid contacts."""
    row = session.execute(
        "SELECT count(*) FILTER (WHERE outcome = 'in_progress'), "
        "count(*) FILTER (WHERE direction <> 'inbound' AND outcome <> 'in_progress'), count(*) FROM contacts",
        {},
        "counting contacts",
    ).fetchall()[0]
    return int(row[0]), int(row[1]), int(row[2])


def load_quality(session: Session) -> dict[str, Any]:
    """Counts that explain every interaction row read."""
    con = session.con
    dup = dict(con.execute("SELECT kind, count(*) FROM superseded GROUP BY kind").fetchall())
    by_reason = dict(con.execute("SELECT reject_reason, count(*) FROM rejects GROUP BY ALL ORDER BY ALL").fetchall())
    parts = con.execute(
        "SELECT (SELECT count(*) FROM checked WHERE reject_reason IS NOT NULL), "
        "(SELECT count(*) FROM answer_checked WHERE reject_reason IS NOT NULL), "
        "(SELECT count(*) FROM survey_checked WHERE reject_reason IS NOT NULL)"
    ).fetchall()[0]
    in_progress, outbound, contacts = contact_counts(session)
    files = session.inputs.interactions
    excluded = sum(f.excluded for f in files)
    return {
        "rows_read": session.inputs.rows_read,
        "files": [f.to_document() for f in files],
        **({"excluded_by_mapping": excluded} if excluded else {}),
        "duplicates_merged": int(dup.get("identical", 0)),
        "duplicates_superseded": int(dup.get("older_version", 0)),
        "rejected": {
            "total": int(sum(by_reason.values())),
            "by_reason": {k: int(v) for k, v in by_reason.items()},
            "contacts": int(parts[0]),
            "answers": int(parts[1]),
            "survey_rows": int(parts[2]),
        },
        "contacts": contacts,
        "in_progress": in_progress,
        "outbound": outbound,
    }


def answer_quality(session: Session) -> dict[str, Any]:
    """Accounting of survey answers for the period in the session's variables.

    ``answers``: the csat/nps values on valid contacts' interaction rows,
    read = used + rejected.total + not_counted.total (counted per answer: a row with csat and nps gives two).
    ``surveys`` (only when survey answers were read, from files or the store): rows_read = used +
    rejected.total + not_counted.total per survey row, plus the same per-answer object for the answers of
    rows that are not rejected.
    """
    rows = session.execute(
        f"SELECT input, CASE WHEN reject_reason IS NOT NULL THEN 'rejected' "
        f"WHEN {_NOT_COUNTED} IS NOT NULL OR replaced THEN 'not_counted' ELSE 'used' END, "
        f"coalesce(reject_reason, {_NOT_COUNTED}, CASE WHEN replaced THEN 'replaced_by_survey' END), count(*) "
        "FROM answer_checked GROUP BY ALL",
        {},
        "counting answers",
    ).fetchall()

    def answers_of(input_name: str) -> dict[str, Any]:
        mine = [r for r in rows if r[0] == input_name]
        used = sum(int(n) for _, kind, _, n in mine if kind == "used")
        rejected = _counts([(why, n) for _, kind, why, n in mine if kind == "rejected"])
        not_counted = _counts([(why, n) for _, kind, why, n in mine if kind == "not_counted"])
        return {
            "read": used + rejected["total"] + not_counted["total"],
            "used": used,
            "rejected": rejected,
            "not_counted": not_counted,
        }

    out: dict[str, Any] = {"answers": answers_of("interactions")}
    if session.inputs.surveys is not None:
        survey_rows = session.execute(
            f"SELECT CASE WHEN reject_reason IS NOT NULL THEN 'rejected' "
            f"WHEN {_NOT_COUNTED} IS NOT NULL THEN 'not_counted' ELSE 'used' END, "
            f"coalesce(reject_reason, {_NOT_COUNTED}), count(*) FROM survey_checked GROUP BY ALL",
            {},
            "counting survey rows",
        ).fetchall()
        rejected = _counts([(why, n) for kind, why, n in survey_rows if kind == "rejected"])
        not_counted = _counts([(why, n) for kind, why, n in survey_rows if kind == "not_counted"])
        out["surveys"] = {
            "rows_read": int(session.scalar("SELECT count(*) FROM survey_rows")),
            "used": sum(int(n) for kind, _, n in survey_rows if kind == "used"),
            "rejected": rejected,
            "not_counted": not_counted,
            "answers": answers_of("surveys"),
        }
    return out


def states_quality(session: Session) -> dict[str, Any] | None:
    """Counts that explain every state row read: rows_read = kept + rejected + duplicates_merged."""
    states = session.inputs.states
    if states is None:
        return None
    con = session.con
    by_reason = dict(
        con.execute("SELECT reason, count(*) FROM state_rejects GROUP BY reason ORDER BY reason").fetchall()
    )
    copies, kept, cut, seen, span_end = con.execute(
        "SELECT count(*) FILTER (WHERE reject_reason = 'identical_copy'), "
        "count(*) FILTER (WHERE reject_reason IS NULL), "
        "(SELECT count(*) FROM agent_states WHERE is_cut), "
        "(SELECT list(DISTINCT state ORDER BY state) FROM agent_states), "
        "csm_utc_iso(max(span_end)) FROM state_checked"
    ).fetchall()[0]
    out: dict[str, Any] = {
        "shape": states.shape,
        "rows_read": states.rows_read,
        "files": [f.to_document() for f in states.files],
        "states_kept": int(kept),
        "duplicates_merged": int(copies),
        "rejected": {"total": int(sum(by_reason.values())), "by_reason": {k: int(v) for k, v in by_reason.items()}},
        "span_end": span_end,
        "cut_at_span_end": int(cut),
        "state_names": list(seen or []),
    }
    if session.inputs.roster is not None:
        out["agents_not_in_roster"] = int(
            session.scalar("SELECT count(DISTINCT agent_id) FROM agent_states ANTI JOIN roster USING (agent_id)")
        )
    return out
