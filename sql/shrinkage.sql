/* csmetrics
name = "shrinkage"
label = "shrinkage"
title = "Shrinkage"
unit = "ratio"
order = 360
source = "states"
description = "Staffed time in states that are neither handling nor available (break, lunch, training, meeting, ...) / staffed time."
notes = "Needs --states. NULL when the group has no staffed time. Only logged-in (staffed) time counts: absence and unstaffed states are not shrinkage here."
*/
with t as (
    select
        columns('^grp__'),
        sum(seconds) filter (where not csm_state_in(state, $states_unstaffed)) as staffed,
        sum(seconds) filter (
            where not csm_state_in(state, $states_unstaffed)
            and not csm_state_in(state, $states_handling)
            and not csm_state_in(state, $states_available)
        ) as other
    from state_time
    group by all
)

select
    columns('^grp__'),
    coalesce(other, 0) / nullif(staffed, 0) as shrinkage
from t
