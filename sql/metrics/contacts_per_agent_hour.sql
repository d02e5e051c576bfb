/* csmetrics
name = "contacts_per_agent_hour"
label = "contacts/agent h"
title = "Contacts per agent hour"
unit = "number"
order = 370
source = "states"
kind = "standalone"  # reads the scoped contacts and the agent state time
reads = ["scoped", "state_time"]
description = "Answered contacts (as in answered, bucketed by offered_at) / staffed hours (states)."
notes = "Needs --states. NULL when the group has no staffed time."
*/
with parts as (
    select columns('^grp__'), 1 as answered, 0 as staffed_seconds
    from scoped
    where is_answered
    union all by name
    select columns('^grp__'), 0 as answered, seconds as staffed_seconds
    from state_time
    where csm_staffed(state)
)

select
    columns('^grp__'),
    sum(answered) / nullif(sum(staffed_seconds) / 3600, 0) as contacts_per_agent_hour
from parts
group by all
