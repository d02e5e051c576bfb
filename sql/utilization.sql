/* csmetrics
name = "utilization"
label = "utilization"
title = "Utilization"
unit = "ratio"
order = 350
source = "states"
description = "Handling time / (staffed time - staffed time in utilization.exclude_states)."
notes = "Needs --states. NULL when that denominator is 0. With exclude_states empty this is handling / staffed."

[params.exclude_states]
type = "list"
default = []
help = "States removed from staffed time for utilization, e.g. lunch,break or training,meeting."
*/
with t as (
    select
        columns('^grp__'),
        sum(seconds) filter (
            where not csm_state_in(state, $states_unstaffed) and csm_state_in(state, $states_handling)
        ) as handling,
        sum(seconds) filter (where not csm_state_in(state, $states_unstaffed)) as staffed,
        sum(seconds) filter (
            where not csm_state_in(state, $states_unstaffed) and csm_state_in(state, $utilization_exclude_states)
        ) as excluded
    from state_time
    group by all
)

select
    columns('^grp__'),
    coalesce(handling, 0) / nullif(coalesce(staffed, 0) - coalesce(excluded, 0), 0) as utilization
from t
