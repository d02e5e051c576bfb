/* csmetrics
reads = ["loaded_rows", "superseded"]
creates = ["checked"]
description = """
Every loaded row that is the surviving version of its contact, with the reason
it is rejected (NULL when it is valid; csm_reject_reason, macros/contacts.sql).
"""
*/
create or replace temp view checked as
select
    l.*,
    csm_reject_reason(
        l.interaction_id, l.offered_at, l.answered_at, l.ended_at, l.talk_seconds, l.hold_seconds, l.acw_seconds
    ) as reject_reason
from loaded_rows as l
anti join superseded as s using (_seq)
