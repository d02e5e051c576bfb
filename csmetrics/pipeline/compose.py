"""Compose a report's queries from the SQL files: fragments chained as CTEs, group keys, fused passes.

Python adds no SQL of its own here beyond the glue: ``WITH <fragment> AS (...)`` chains, the
``grp__<key>`` columns (expressions from sql/groupings.toml, names quoted from that allow-list) and
the select list of a pass (metric expressions from sql/metrics, aliased by their quoted names).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from csmetrics.definitions.model import Grouping, Metric, QualityExpression, Registry
from csmetrics.definitions.params import Definitions, overrides, parse_override, plain
from csmetrics.errors import ConfigError
from csmetrics.sqltext import quote_identifier

ALL_GROUP = "grp__all"  # the one constant group of a report without --by
QUALITY_PREFIX = "__q_"  # data-quality aggregates in the contacts pass, dropped from the rows


def parse_group_by(registry: Registry, text: str | Sequence[str] | None) -> list[Grouping]:
    """``"day,queue"`` (or ``["day", "queue"]``) -> the groupings, checked against sql/groupings.toml."""
    if not text:
        return []
    tokens = text.split(",") if isinstance(text, str) else list(text)
    chosen: list[Grouping] = []
    for raw in tokens:
        token = raw.strip().lower()
        token = registry.aliases.get(token, token)
        if token not in registry.groupings:
            msg = f"--by: unknown grouping {raw.strip()!r}; valid: {', '.join(registry.groupings)}"
            raise ConfigError(msg)
        g = registry.groupings[token]
        if any(c.key == g.key for c in chosen):
            msg = f"--by: {g.key} given twice"
            raise ConfigError(msg)
        chosen.append(g)
    return chosen


def key_columns(groupings: Sequence[Grouping]) -> list[str]:
    """The quoted typed key columns (grp__<key>), or the constant grp__all."""
    return [quote_identifier(g.column) for g in groupings] or [ALL_GROUP]


def key_select(groupings: Sequence[Grouping]) -> list[str]:
    """SELECT items computing the typed key columns."""
    if not groupings:
        return [f"'all' AS {ALL_GROUP}"]
    return [f"{g.expression} AS {quote_identifier(g.column)}" for g in groupings]


def label_select(groupings: Sequence[Grouping]) -> list[str]:
    """SELECT items turning the typed keys into their output text, named by the grouping key."""
    out = []
    for g in groupings:
        column = quote_identifier(g.column)
        out.append(
            f"{g.label}({column}) AS {quote_identifier(g.key)}" if g.label else f"{column} AS {quote_identifier(g.key)}"
        )
    return out


def cte(name: str, sql: str) -> str:
    return f"{quote_identifier(name)} AS (\n{sql.strip().rstrip(';')}\n)"


@dataclass(frozen=True)
class Chain:
    """A WITH list of fragments; ``last`` is the relation the next query reads."""

    ctes: tuple[str, ...]
    last: str

    def then(self, name: str, sql: str) -> Chain:
        return Chain((*self.ctes, cte(name, sql)), name)

    def with_team(self, registry: Registry) -> Chain:
        """The team of each row's agent (sql/report/team.sql), read from ``team_input``."""
        team = registry.fragments["team"]
        return self.then("team_input", f"SELECT * FROM {quote_identifier(self.last)}").then(team.name, team.sql)

    def select(self, body: str) -> str:
        return ("WITH " + ",\n".join(self.ctes) + "\n" if self.ctes else "") + body


def needs_team(groupings: Sequence[Grouping]) -> bool:
    return any(g.needs == "roster" for g in groupings)


def scoped_chain(
    registry: Registry, groupings: Sequence[Grouping], *, external: bool, customers: bool = False
) -> Chain:
    """The CTEs that end in ``scoped``: the report's contacts with their group keys (report/scope.sql), the
    group's external complaint denominator (``external``) and the distinct-customer marks (``customers``,
    report/customers.sql); the columns are always there, NULL when not asked for."""
    outcomes = registry.fragments["outcomes"]
    scope = registry.fragments["scope"]
    chain = Chain((), "").then(outcomes.name, outcomes.sql).then(scope.name, scope.sql)
    if needs_team(groupings):
        chain = chain.with_team(registry)
    dropped = ", ".join(quote_identifier(c) for c in scope.key_only)
    keys = key_select(groupings)
    group = f", row({', '.join(key_columns(groupings))}) AS __group" if customers else ""
    chain = chain.then(
        "scope_keyed", f"SELECT {', '.join(keys)}, * EXCLUDE ({dropped}){group} FROM {quote_identifier(chain.last)}"
    )
    if customers:
        fragment = registry.fragments["customers"]
        chain = chain.then(fragment.name, fragment.sql)
    else:
        chain = chain.then(
            "scope_customers",
            "SELECT *, CAST(NULL AS BOOLEAN) AS customer_first, CAST(NULL AS BOOLEAN) AS customer_complained "
            "FROM scope_keyed",
        )
    if not external:
        return chain.then("scoped", "SELECT *, CAST(NULL AS DOUBLE) AS external_count FROM scope_customers")
    on = " AND ".join(f"g.{k} IS NOT DISTINCT FROM d.{k}" for k in key_columns(groupings))
    return chain.then(
        "scoped",
        f"SELECT g.*, d.external_count FROM scope_customers AS g LEFT JOIN complaint_denominator_grouped AS d ON {on}",
    )


def pieces_table(registry: Registry, fragment: str, table: str, kind: str, groupings: Sequence[Grouping]) -> str:
    """CREATE the per-report table of agent time (state_time or concurrency_time): the fragment's pieces
    summed per group, agent and ``kind`` (state or level)."""
    frag = registry.fragments[fragment]
    chain = Chain((), "").then(frag.name, frag.sql)
    if needs_team(groupings):
        chain = chain.with_team(registry)
    body = (
        f"SELECT {', '.join(key_select(groupings))}, agent_id, {kind}, sum(seconds) AS seconds "
        f"FROM {quote_identifier(chain.last)} GROUP BY ALL"
    )
    return f"CREATE OR REPLACE TEMP TABLE {quote_identifier(table)} AS\n" + chain.select(body)


def denominators_table(registry: Registry, groupings: Sequence[Grouping]) -> str:
    """CREATE complaint_denominator_grouped: the external denominator summed per report group."""
    frag = registry.fragments["denominators"]
    chain = Chain((), "").then(frag.name, frag.sql)
    body = (
        f"SELECT {', '.join(key_select(groupings))}, sum(external_count) AS external_count "
        f"FROM {quote_identifier(chain.last)} GROUP BY ALL"
    )
    return "CREATE OR REPLACE TEMP TABLE complaint_denominator_grouped AS\n" + chain.select(body)


def aggregate_pass(
    relation: str, metrics: Sequence[Metric], quality: Sequence[QualityExpression] = (), chain: Chain | None = None
) -> str:
    """One pass over ``relation``: every metric's aggregate (and the data-quality aggregates), per group."""
    items = [_item(m.sql, m.name, f"sql/metrics/{m.path.name}") for m in metrics]
    items += [_item(q.sql, QUALITY_PREFIX + q.name, f"sql/quality/{q.path.name}") for q in quality]
    body = "SELECT\n    columns('^grp__'),\n" + ",\n".join(items) + f"\nFROM {quote_identifier(relation)}\nGROUP BY ALL"
    return chain.select(body) if chain is not None else body


def _item(expression: str, name: str, source: str) -> str:
    """One aggregate of a pass, indented, with the file it comes from."""
    lines = [f"    -- {source}", *("    " + line if line.strip() else "" for line in expression.strip().splitlines())]
    alias = f"AS {quote_identifier(name)}"
    # a trailing comment on the last line would swallow the alias
    return "\n".join(lines) + (f"\n    {alias}" if "--" in lines[-1] else f" {alias}")


def literal(value: object) -> str:
    """A parameter value written as an SQL literal, for printed SQL that a person runs (never executed here)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "CAST([" + ", ".join(literal(v) for v in value) + "] AS VARCHAR[])"
    return "'" + str(value).replace("'", "''") + "'"


def variables_script(definitions: Definitions) -> str:
    """``SET VARIABLE`` statements giving each parameter (the overrides of a scopable one as maps, and the
    period) its value, as a report does (csmetrics.pipeline.session.Session.set_variables)."""
    lines = []
    for name in sorted(definitions.values):
        if parse_override(name, definitions.specs) is not None:
            continue
        lines.append(f"SET VARIABLE {quote_identifier(name)} = {literal(plain(definitions[name]))};")
        for scope in definitions.specs[name].scopes:
            scoped = overrides(definitions, name, scope)
            keys = ", ".join(literal(k) for k in scoped)
            values = ", ".join(literal(plain(v)) for v in scoped.values())
            value_type = {"integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN"}.get(
                definitions.specs[name].type, "VARCHAR"
            )
            lines.append(
                f"SET VARIABLE {quote_identifier(name + '@' + scope)} = "
                f"map(CAST([{keys}] AS VARCHAR[]), CAST([{values}] AS {value_type}[]));"
            )
    lines += ["SET VARIABLE date_from = CAST(NULL AS DATE);", "SET VARIABLE date_to = CAST(NULL AS DATE);"]
    return "\n".join(lines)


def metric_script(registry: Registry, definitions: Definitions, metric: Metric) -> str:
    """The SQL that computes ``metric`` in a report without --by or period, ready to run after the pipeline's
    macros and steps: the variables, then the query itself."""
    if metric.kind == "standalone" or metric.source != "contacts":
        relation = "the relations " + ", ".join(metric.reads) if metric.kind == "standalone" else metric.relation
        query = metric.sql if metric.kind == "standalone" else aggregate_pass(metric.relation, [metric])
        note = f"-- reads {relation}, which a report builds per grouping (sql/report/)"
    else:
        query = aggregate_pass("scoped", [metric], (), scoped_chain(registry, [], external=False))
        note = "-- reads the prepared contacts (sql/steps/), through the report's fragments (sql/report/)"
    header = f"-- csmetrics: how {metric.name} is computed in a report without --by or --from/--to\n{note}\n"
    return header + variables_script(definitions) + "\n" + query.strip().rstrip(";") + ";\n"
