"""One report over a prepared session: the passes, the groups, the rows and their data quality.

Every aggregate metric of a relation is computed in one pass over it (the contacts' pass also
computes the data-quality aggregates of sql/quality); a standalone metric runs on its own. The
scoped contacts are a CTE of the contacts' pass and are stored only when a standalone metric reads
them too. Results are joined on the typed group keys, then the keys are written as text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from csmetrics.calendars.spec import HoursConfig
from csmetrics.definitions.model import Grouping, Metric, Registry
from csmetrics.definitions.params import Definitions, overrides
from csmetrics.errors import ConfigError
from csmetrics.pipeline import compose
from csmetrics.pipeline.compose import ALL_GROUP, QUALITY_PREFIX, Chain
from csmetrics.pipeline.quality import (
    answer_quality,
    contact_counts,
    data_span,
    fcr_final,
    load_quality,
    states_quality,
)
from csmetrics.pipeline.result import Report
from csmetrics.pipeline.session import Session
from csmetrics.sqltext import quote_identifier, utc_now_iso


@dataclass(frozen=True)
class ReportSpec:
    """What a report computes over the session's inputs."""

    group_by: str | Sequence[str] | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    metrics: Sequence[str] | None = None
    hours: HoursConfig | None = None  # opening-hours calendars (--hours FILE, [week] in csmetrics.toml)


HOURS_HINT = "give --hours FILE or a [week] table in csmetrics.toml (see docs/definitions.md, Opening hours)"


def choose_metrics(
    registry: Registry, names: Sequence[str] | None, *, has_states: bool, has_hours: bool = False
) -> list[Metric]:
    """The metrics asked for (all by default), in registry order; state metrics only with agent states,
    calendar metrics only with opening hours."""
    if names is not None:
        _check_asked(registry, names, has_states=has_states)
        needing = [m.name for m in registry.metrics if m.name in names and m.needs == "hours"]
        if needing and not has_hours:
            msg = f"{', '.join(needing)} need(s) opening hours: {HOURS_HINT}"
            raise ConfigError(msg)
    chosen = [m for m in registry.metrics if names is None or m.name in names]
    # Without agent states (and not asked for by name) the state metrics are absent from the report (not NULL);
    # so are the calendar metrics without opening hours.
    return [m for m in chosen if (m.source != "states" or has_states) and (m.needs != "hours" or has_hours)]


def _check_clock(definitions: Definitions, hours: HoursConfig) -> None:
    """service_level.clock = business (anywhere: globally, for a channel or a queue) needs opening hours."""
    name = "service_level.clock"
    business = [f"{name} = business"] if definitions[name] == "business" else []
    for scope in definitions.specs[name].scopes:
        business += [f"{scope} {k}" for k, v in overrides(definitions, name, scope).items() if v == "business"]
    if business and not hours.calendars:
        msg = f"{name} = business ({', '.join(business)}) needs opening hours: {HOURS_HINT}"
        raise ConfigError(msg)


def _calendars(session: Session, spec: ReportSpec, hours: HoursConfig) -> None:
    """Expand the calendars over the report's days: the data's span and the period, whichever is wider (without
    calendars, or without days, the tables are emptied: an earlier report's calendars do not linger)."""
    span = data_span(session) if hours.calendars else {"from": None, "to": None}
    firsts = [d for d in (spec.date_from, span["from"] and dt.date.fromisoformat(span["from"])) if d]
    lasts = [d for d in (spec.date_to, span["to"] and dt.date.fromisoformat(span["to"])) if d]
    if hours.calendars and firsts and lasts:
        session.use_hours(hours, min(firsts), max(lasts))
    else:
        session.use_hours(HoursConfig(), None, None)


def _check_asked(registry: Registry, names: Sequence[str], *, has_states: bool) -> None:
    known = {m.name for m in registry.metrics}
    unknown = [n for n in names if n not in known]
    if unknown:
        msg = f"unknown metric(s) {', '.join(unknown)}; known: {', '.join(m.name for m in registry.metrics)}"
        raise ConfigError(msg)
    needing = [m.name for m in registry.metrics if m.name in names and m.source == "states"]
    if needing and not has_states:
        msg = (
            f"{', '.join(needing)} need(s) an agent state log: give --states FILE (or load one into the store "
            "with `csmetrics load FILE --kind agent_states`)"
        )
        raise ConfigError(msg)


def _check_groupings(session: Session, groupings: list[Grouping]) -> None:
    if compose.needs_team(groupings) and session.inputs.roster is None:
        msg = "--by team needs a roster: give --roster FILE (agent_id, team)"
        raise ConfigError(msg)


def _external(session: Session, definitions: Definitions, groupings: list[Grouping], chosen: list[Metric]) -> bool:
    """Whether complaint_rate divides by the --denominator file's counts (and its groupings allow it)."""
    read = session.inputs.denominator
    external = definitions["complaint.denominator"] == "external"
    if read is not None and not external:
        msg = (
            f"--denominator {read.path} is only used with --set complaint.denominator=external "
            f"(complaint.denominator is {definitions['complaint.denominator']})"
        )
        raise ConfigError(msg)
    if not external or not any(m.name == "complaint_rate" for m in chosen):
        return False
    if read is None:
        msg = "complaint.denominator=external needs the counts: give --denominator FILE (columns date,count[,queue])"
        raise ConfigError(msg)
    allowed = [g.token for g in session.registry.groupings.values() if g.denominator]
    for g in groupings:
        if not g.denominator:
            msg = (
                f"complaint.denominator=external gives a count per day{' and queue' if read.has_queue else ''}; "
                f"it cannot be split by --by {g.token} (use {', '.join(allowed)})"
            )
            raise ConfigError(msg)
        if g.key == "queue" and not read.has_queue:
            msg = f"--by queue with complaint.denominator=external needs a queue column in {read.path}"
            raise ConfigError(msg)
    session.execute(compose.denominators_table(session.registry, groupings), {}, "sql/report/denominators.sql")
    return True


def customers_denominator(registry: Registry, chosen: list[Metric], definitions: Definitions) -> bool:
    """Whether complaint_rate counts distinct customers (the scope then marks each customer's first contact)."""
    return definitions["complaint.denominator"] == "customers" and any(m.name == "complaint_rate" for m in chosen)


class _Passes:
    """The queries of one report and their results, joined on the typed group keys."""

    def __init__(
        self,
        session: Session,
        definitions: Definitions,
        groupings: list[Grouping],
        chosen: list[Metric],
        external: bool,
        business: bool = False,
    ) -> None:
        self.session = session
        self.registry = session.registry
        self.groupings = groupings
        self.chosen = chosen
        self.agent_time = all(g.agent_time for g in groupings)
        customers = customers_denominator(session.registry, chosen, definitions)
        self.chain: Chain | None = compose.scoped_chain(
            self.registry, groupings, external=external, customers=customers, business=business
        )

    def run(self) -> tuple[pl.DataFrame, pl.DataFrame]:
        """(rows with typed keys and every chosen metric, the contacts' pass with its quality columns)."""
        if any("scoped" in m.reads for m in self._standalone()):
            assert self.chain is not None
            self.session.execute(
                "CREATE OR REPLACE TEMP TABLE scoped AS\n" + self.chain.select("SELECT * FROM scoped"),
                {},
                "sql/report/scope.sql",
            )
            self.chain = None
        if self.agent_time:
            self._agent_time_tables()
        if any("backlog_rows" in m.reads for m in self._standalone()):
            self.session.execute(compose.backlog_table(self.registry, self.groupings), {}, "sql/report/backlog.sql")
        contacts = self._pass("scoped", "contacts", quality=True)
        rows = self._groups(contacts)
        keys = list(rows.columns)
        rows = rows.join(contacts, on=keys, how="left", nulls_equal=True)
        for source, relation in (("states", "state_time"), ("concurrency", "concurrency_time")):
            if self.agent_time and any(m.source == source and m.kind == "aggregate" for m in self.chosen):
                rows = rows.join(self._pass(relation, source), on=keys, how="left", nulls_equal=True)
        for m in self._standalone():
            result = self.session.query(m.sql, None, f"metric {m.name} (sql/metrics/{m.path.name})")
            rows = rows.join(result, on=keys, how="left", nulls_equal=True)
        return self._finish(rows, keys), contacts

    def _standalone(self) -> list[Metric]:
        return [m for m in self.chosen if m.kind == "standalone" and (m.source == "contacts" or self.agent_time)]

    def _pass(self, relation: str, source: str, *, quality: bool = False) -> pl.DataFrame:
        metrics = [m for m in self.chosen if m.source == source and m.kind == "aggregate"]
        sql = compose.aggregate_pass(
            relation, metrics, self.registry.quality if quality else (), self.chain if relation == "scoped" else None
        )
        return self.session.query(sql, None, f"metrics {', '.join(m.name for m in metrics) or relation}")

    def _agent_time_tables(self) -> None:
        has_states = self.session.inputs.states is not None
        steps = ([("state_time", "state_time", "state")] if has_states else []) + [
            ("concurrency_time", "concurrency_time", "level")
        ]
        for fragment, table, kind in steps:
            sql = compose.pieces_table(self.registry, fragment, table, kind, self.groupings)
            self.session.execute(sql, {}, f"sql/report/{fragment}.sql")

    def _groups(self, contacts: pl.DataFrame) -> pl.DataFrame:
        """The report's rows: the groups with contacts, plus, for agent-time groupings, the groups with
        only agent time (an hour with staffed time but no contact offered)."""
        if not self.groupings:
            return pl.DataFrame({ALL_GROUP: ["all"]})
        contact_groups = contacts.select(pl.col("^grp__.*$"))
        listings = []
        if any("backlog_rows" in m.reads for m in self._standalone()):
            # an opening with a backlog is a row even when nothing was offered in its group (a Monday morning)
            listings.append("SELECT DISTINCT columns('^grp__') FROM backlog_rows")
        if self.agent_time:
            listings.append("SELECT DISTINCT columns('^grp__') FROM concurrency_time")
            if self.session.inputs.states is not None:
                listings.append("SELECT DISTINCT columns('^grp__') FROM state_time WHERE csm_staffed(state)")
        if not listings:
            return contact_groups
        other_groups = self.session.query(" UNION ".join(listings), None, "listing groups")
        return pl.concat([contact_groups, other_groups], how="vertical_relaxed").unique(maintain_order=True)

    def _finish(self, rows: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
        for m in self.chosen:
            if m.source != "contacts" and not self.agent_time:
                dtype = pl.Int64 if m.unit == "count" else pl.Float64
                rows = rows.with_columns(pl.lit(None, dtype=dtype).alias(m.name))
            elif m.unit == "count":
                rows = rows.with_columns(pl.col(m.name).fill_null(0).cast(pl.Int64))
            elif m.source == "states" and m.unit == "hours":
                rows = rows.with_columns(pl.col(m.name).fill_null(0.0))
        return rows.select(keys + [m.name for m in self.chosen])


def _period(spec: ReportSpec, span: dict[str, str | None]) -> dict[str, str | None]:
    """The report's one period, for contacts and agent time alike: --from/--to as given, a missing bound from
    the data's span (null when the data lies wholly on the other side of the given bound)."""
    start = spec.date_from.isoformat() if spec.date_from else span["from"]
    end = spec.date_to.isoformat() if spec.date_to else span["to"]
    if spec.date_from and end and end < start:
        end = None
    if spec.date_to and start and start > end:
        start = None
    return {"from": start, "to": end}


def _sort_key(typed: str) -> str:
    """Rows in time order; within a text key the names first, then the rows labelled in parentheses (a missing
    key, (no agent), (not in roster))."""
    return f"coalesce(CAST({typed} AS VARCHAR), '(') LIKE '(%', {typed}"


def _format_keys(session: Session, rows: pl.DataFrame, groupings: list[Grouping]) -> pl.DataFrame:
    """Typed group keys -> their output text, rows sorted by the typed keys (time order)."""
    if not groupings:
        return rows.drop(ALL_GROUP)
    typed = [quote_identifier(g.column) for g in groupings]
    sql = (
        f"SELECT {', '.join(compose.label_select(groupings))}, * EXCLUDE ({', '.join(typed)}) FROM report_rows "
        f"ORDER BY {', '.join(_sort_key(t) for t in typed)}"
    )
    session.con.register("report_rows", rows)
    try:
        return session.query(sql, None, "formatting group keys")
    finally:
        session.con.unregister("report_rows")


def _quality(session: Session, contacts: pl.DataFrame, groupings: list[Grouping], agent_time: bool) -> dict:
    quality = load_quality(session)
    totals = {q.name: contacts.get_column(QUALITY_PREFIX + q.name) for q in session.registry.quality}
    in_report = int(totals["contacts_in_report"].sum() or 0)
    in_progress, outbound, all_contacts = contact_counts(session)
    quality["contacts_in_report"] = in_report
    quality["outside_period"] = all_contacts - in_progress - outbound - in_report
    quality["handle_time_unknown"] = int(totals["handle_time_unknown"].sum() or 0)
    quality["without_agent"] = int(totals["without_agent"].sum() or 0)
    quality["fcr_final"] = fcr_final(session)
    quality["data_span"] = data_span(session)
    quality.update(answer_quality(session))
    states = states_quality(session)
    if states is not None:
        if not agent_time:
            others = ", ".join(g.key for g in groupings if not g.agent_time)
            states["not_grouped"] = (
                f"agent state metrics are null: agent states have no {others}; group by time, agent or team to see them"
            )
        quality["states"] = states
    if session.inputs.roster is not None:
        quality["roster"] = {"path": str(session.inputs.roster.path), "agents": session.inputs.roster.rows}
    return quality


def _rejects(session: Session, quality: dict) -> pl.DataFrame:
    """The rejected rows, read only when there are any (the rejects view reads every row to find them)."""
    limit = "" if quality["rejected"]["total"] else " LIMIT 0"
    return session.query(f"SELECT * EXCLUDE (record) FROM rejects{limit}", None, "reading rejected rows")


def run_report(session: Session, definitions: Definitions, spec: ReportSpec | None = None) -> Report:
    """The report of ``spec`` over the session's inputs under ``definitions``."""
    spec = spec or ReportSpec()
    registry = session.registry
    groupings = compose.parse_group_by(registry, spec.group_by)
    _check_groupings(session, groupings)
    hours = spec.hours or HoursConfig()
    chosen = choose_metrics(
        registry, spec.metrics, has_states=session.inputs.states is not None, has_hours=bool(hours.calendars)
    )
    _check_clock(definitions, hours)
    session.prepare(definitions)
    session.set_variables(definitions, spec.date_from, spec.date_to)
    session.use_local_times()
    _calendars(session, spec, hours)
    external = _external(session, definitions, groupings, chosen)
    passes = _Passes(session, definitions, groupings, chosen, external, business=bool(hours.calendars))
    session.observer.stage("computing the metrics")
    rows, contacts = passes.run()
    rows = _format_keys(session, rows, groupings)
    session.observer.stage("counting data quality")
    quality = _quality(session, contacts, groupings, passes.agent_time)
    period = _period(spec, quality["data_span"])
    return Report(
        rows=rows,
        group_keys=[g.key for g in groupings],
        metrics=chosen,
        definitions=definitions,
        period=period,
        data_quality=quality,
        generated_at=utc_now_iso(),
        rejects=_rejects(session, quality),
        opening_hours=hours.describe(),
        state_rejects=(
            session.query("SELECT * FROM state_rejects", None, "reading rejected state rows")
            if session.inputs.states is not None
            else None
        ),
    )
