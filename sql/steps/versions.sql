/* csmetrics
reads = ["loaded_rows"]
creates = ["duplicate_hashes", "superseded"]
description = """
Contacts delivered more than once (overlapping exports, at-least-once delivery):
for each interaction_id the newest version wins (latest updated_at; without it,
the row read last). Every other copy is listed here as 'identical' (same content
as the winner, merged) or 'older_version' (differing, superseded). A survey
answer's content is its number, or its text when it is not one
(csm_answer_content), so 4 and 4.0 are the same answer.
"""
*/
-- A 64-bit hash of each id, sorted: a hash equal to the one before it is a candidate duplicate, checked
-- exactly below (sorting 64-bit integers is much cheaper than grouping the ids, or even the hashes).
-- Kept as a table: when it is empty (an export without duplicates), the statement below knows so
-- before it runs and reads nothing. Rows known to hold each id once (a store's: input_unique_ids, set by the
-- session) are not searched at all.
create or replace temp table duplicate_hashes as
select distinct h
from (
    select h, lag(h) over (order by h) as previous_h
    from (
        select hash(interaction_id) as h
        from loaded_rows
        where interaction_id is not null and not getvariable('input_unique_ids')
    )
)
where h = previous_h;

create or replace temp table superseded as
with repeated as (
    select interaction_id
    from loaded_rows
    where interaction_id is not null and hash(interaction_id) in (select h from duplicate_hashes)
    group by interaction_id
    having count(*) > 1
),

copies as (
    select
        l._seq,
        l.interaction_id,
        l.updated_at,
        hash(
            l.offered_at, l.answered_at, l.ended_at, l.updated_at, l.channel, l.direction,
            l.queue, l.agent_id, l.customer_id, l.reason, l.talk_seconds, l.hold_seconds,
            l.acw_seconds, l.transferred, l.complaint, l.resolved,
            csm_answer_content(l.csat, l.csat_value), csm_answer_content(l.nps, l.nps_value)
        ) as content
    from loaded_rows as l
    semi join repeated using (interaction_id)
),

versions as (
    select
        _seq,
        interaction_id,
        content,
        row_number() over newest_first as version_rank,
        first_value(content) over newest_first as winner_content
    from copies
    window newest_first as (partition by interaction_id order by updated_at desc nulls last, _seq desc)
)

select
    _seq,
    interaction_id,
    case when content = winner_content then 'identical' else 'older_version' end as kind
from versions
where version_rank > 1
