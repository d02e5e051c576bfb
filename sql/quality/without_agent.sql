/* csmetrics
name = "without_agent"
description = "Contacts in the report that no agent handled (no agent_id: abandoned contacts, mostly); --by agent and --by team show them in the (no agent) row."
*/
count(*) filter (where agent_id is null)
