/* csmetrics
name = "occupancy"
label = "occupancy"
title = "Occupancy"
unit = "ratio"
order = 340
source = "states"
description = "Handling time / (handling time + available time), from agent states (states.handling, states.available)."
notes = "Needs --states. NULL when the group has no handling and no available time. Concurrency is ignored: an agent on two chats is handling once (as Amazon Connect)."
*/
with t as (
    select
        columns('^grp__'),
        sum(seconds) filter (
            where not csm_state_in(state, $states_unstaffed) and csm_state_in(state, $states_handling)
        ) as handling,
        sum(seconds) filter (
            where not csm_state_in(state, $states_unstaffed)
            and not csm_state_in(state, $states_handling)
            and csm_state_in(state, $states_available)
        ) as available
    from state_time
    group by all
)

select
    columns('^grp__'),
    coalesce(handling, 0) / nullif(coalesce(handling, 0) + coalesce(available, 0), 0) as occupancy
from t
