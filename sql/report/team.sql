/* csmetrics
fragment = "with_team"
reads = ["team_input", "roster"]
description = """
Adds the roster's team to rows that have an agent_id; used when a report is
grouped by team (--by team, which needs --roster). team_input is the relation
being grouped: the scoped contacts, the agent state pieces or the concurrency
pieces.
"""
*/
select t.*, r.team
from team_input as t
left join roster as r on r.agent_id = t.agent_id
