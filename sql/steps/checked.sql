/* csmetrics
reads = ["loaded_rows", "superseded"]
creates = ["checked"]
description = """
Every loaded row that is the surviving version of its contact, with the reason
it is rejected (NULL when it is valid). The first matching reason is given.
Survey answers (csat, nps) never reject the contact: an out-of-range answer is
rejected on its own (see answers.sql).
"""
*/
create or replace temp view checked as
select
    l.*,
    case
        when l.interaction_id is null then 'missing_interaction_id'
        when l.offered_at is null then 'missing_offered_at'
        when l.answered_at < l.offered_at then 'answered_before_offered'
        when l.answered_at is not null and l.ended_at < l.answered_at then 'ended_before_answered'
        when l.answered_at is null and l.ended_at < l.offered_at then 'ended_before_offered'
        when l.talk_seconds < 0 or l.hold_seconds < 0 or l.acw_seconds < 0 then 'negative_duration'
        when
            l.answered_at is not null and l.ended_at is not null and l.talk_seconds is null
            and epoch_us(l.ended_at) - epoch_us(l.answered_at) < coalesce(l.hold_seconds, 0) * 1000000
            then 'hold_exceeds_connected_time'
    end as reject_reason
from loaded_rows as l
anti join superseded as s using (_seq)
