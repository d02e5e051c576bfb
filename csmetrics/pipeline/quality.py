"""data_quality: counts that explain every row and answer read, from the queries of sql/accounting.

Identities (tested): ``rows_read = contacts + rejected.contacts + duplicates_merged +
duplicates_superseded``; ``contacts = contacts_in_report + outside_period + in_progress + outbound``;
for answers ``read = used + rejected.total + not_counted.total``; for agent states
``rows_read = states_kept + rejected.total + duplicates_merged``. The queries read the small tables the
steps leave (contact_buckets, superseded, survey_checked, ...), never the contacts themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from csmetrics.pipeline.session import Session


def _rows(session: Session, name: str) -> list[tuple[Any, ...]]:
    query = session.registry.accounting[name]
    return session.execute(query.sql, {}, f"sql/accounting/{query.path.name}").fetchall()


def _counts(pairs: Iterable[tuple[Any, Any]]) -> dict[str, Any]:
    totals: dict[str, int] = defaultdict(int)
    for reason, n in pairs:
        if n:
            totals[str(reason)] += int(n)
    by_reason = dict(sorted(totals.items()))
    return {"total": sum(by_reason.values()), "by_reason": by_reason}


def contact_counts(session: Session) -> tuple[int, int, int]:
    """(in progress, outbound not in progress, all) valid contacts."""
    contacts, in_progress, outbound = _rows(session, "contacts")[0]
    return int(in_progress), int(outbound), int(contacts)


def load_quality(session: Session) -> dict[str, Any]:
    """Counts that explain every interaction row read."""
    duplicates = dict(_rows(session, "duplicates"))
    rejected = [(record, reason, n) for record, reason, n in _rows(session, "rejected") if n]
    in_progress, outbound, contacts = contact_counts(session)
    files = session.inputs.interactions
    excluded = sum(f.excluded for f in files)
    by_record = _counts((record, n) for record, _, n in rejected)["by_reason"]
    return {
        "rows_read": session.inputs.rows_read,
        "files": [f.to_document() for f in files],
        **({"excluded_by_mapping": excluded} if excluded else {}),
        "duplicates_merged": int(duplicates.get("identical", 0)),
        "duplicates_superseded": int(duplicates.get("older_version", 0)),
        "rejected": {
            **_counts((reason, n) for _, reason, n in rejected),
            "contacts": by_record.get("contact", 0),
            "answers": by_record.get("answer", 0),
            "survey_rows": by_record.get("survey_row", 0),
        },
        "contacts": contacts,
        "in_progress": in_progress,
        "outbound": outbound,
    }


def fcr_final(session: Session) -> dict[str, str | None]:
    """The first and last local day whose contacts all have complete FCR windows (sql/accounting/fcr_final.sql)."""
    first, through = _rows(session, "fcr_final")[0]
    return {"from": first.isoformat() if first else None, "through": through.isoformat() if through else None}


def data_span(session: Session) -> dict[str, str | None]:
    """The first and last local day of the valid contacts and states (sql/accounting/data_span.sql)."""
    first, last = _rows(session, "data_span")[0]
    return {"from": first.isoformat() if first else None, "to": last.isoformat() if last else None}


def _accounted(rows: Iterable[tuple[Any, Any, Any]]) -> dict[str, Any]:
    rows = list(rows)
    used = sum(int(n or 0) for kind, _, n in rows if kind == "used")
    rejected = _counts((why, n) for kind, why, n in rows if kind == "rejected")
    not_counted = _counts((why, n) for kind, why, n in rows if kind == "not_counted")
    return {
        "read": used + rejected["total"] + not_counted["total"],
        "used": used,
        "rejected": rejected,
        "not_counted": not_counted,
    }


def answer_quality(session: Session) -> dict[str, Any]:
    """Accounting of survey answers for the period in the session's variables.

    ``answers``: the csat/nps values on valid contacts' interaction rows,
    read = used + rejected.total + not_counted.total (counted per answer: a row with csat and nps gives two).
    ``surveys`` (only when survey answers were read, from files or the store): rows_read = used +
    rejected.total + not_counted.total per survey row, plus the same per-answer object for the answers of
    rows that are not rejected.
    """
    rows = []
    for _score, kind, reason, n in _rows(session, "interaction_answers"):
        if kind == "replaced":  # a used answer that a survey answer replaces
            rows += [("used", None, -int(n)), ("not_counted", reason, n)]
        else:
            rows.append((kind, reason, n))
    out: dict[str, Any] = {"answers": _accounted(rows)}
    if session.inputs.surveys is not None:
        survey_rows = _accounted(_rows(session, "survey_rows"))
        out["surveys"] = {
            "rows_read": int(session.scalar("SELECT count(*) FROM survey_rows")),
            "used": survey_rows["used"],
            "rejected": survey_rows["rejected"],
            "not_counted": survey_rows["not_counted"],
            "answers": _accounted(_rows(session, "survey_answers")),
        }
    return out


def states_quality(session: Session) -> dict[str, Any] | None:
    """Counts that explain every state row read: rows_read = kept + rejected + duplicates_merged."""
    states = session.inputs.states
    if states is None:
        return None
    by_reason = dict(_rows(session, "state_rejects"))
    copies, kept, cut, seen, span_end = _rows(session, "states")[0]
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
