/* csmetrics
reads = ["loaded_rows"]
creates = ["superseded"]
description = """
Contacts delivered more than once (overlapping exports, at-least-once delivery):
for each interaction_id the newest version wins (latest updated_at; without it,
the row read last). Every other copy is listed here as 'identical' (same content
as the winner, merged) or 'older_version' (differing, superseded).
"""
*/
create or replace temp table superseded as
with candidate_hashes as (
    -- grouping 64-bit hashes is much cheaper than grouping the ids themselves;
    -- a hash seen twice is only a candidate, checked exactly below
    select hash(interaction_id) as h
    from loaded_rows
    where interaction_id is not null
    group by h
    having count(*) > 1
),

repeated as (
    select interaction_id
    from loaded_rows
    where interaction_id is not null and hash(interaction_id) in (select h from candidate_hashes)
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
            l.acw_seconds, l.transferred, l.complaint, l.csat, l.nps
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
