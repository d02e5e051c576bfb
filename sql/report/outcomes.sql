/* csmetrics
fragment = "contact_outcomes"
reads = ["contacts", "contact_buckets"]
description = """
Per-contact customer outcomes, computed over ALL loaded contacts (whatever
--from/--to selects), then joined into the scoped contacts: the relation
contact_outcomes that scope.sql reads (a CTE of the report's one pass, not
stored).

First-contact resolution (fcr.window_hours, fcr.match). Participating contacts:
inbound, answered, with a customer_id (and a reason when fcr.match =
customer_id,reason). Each key's contacts are ordered by offered_at, ties by
interaction_id; only the previous and next participating contact are looked at
(lag/lead), so the cost is one sort, never a self-join.

A contact's status is known only when its whole window lies inside the loaded
span (the first and last offered_at of the valid contacts), so that whether a
contact is censored never depends on what was observed:
- censored_before: the look-back window starts before the span's first
  offered_at (offered_at - window < first);
- else repeat: the previous contact of the key is within the window
  (difference <= window, inclusive);
- else censored_after: the look-ahead window ends after the span's last
  offered_at (offered_at + window > last);
- else unresolved: the next contact of the key is within the window;
- else resolved.
Only participating contacts have a row (the others have no status). The window
reads just the columns it needs, so its sort stays narrow however many columns
the contacts have; scope.sql joins the statuses on _seq.
"""

[params."fcr.window_hours"]
type = "number"
default = 24
min = 0
max = 8784
unit = "hours"
help = "Repeat window: a contact within this many hours after another of the same key is a repeat (<=, inclusive)."

[params."fcr.match"]
type = "choice"
default = "customer_id"
help = "What makes two contacts the same issue."
[params."fcr.match".choices]
customer_id = "same customer_id, any reason"
"customer_id,reason" = "same customer_id and same reason (contacts without a reason do not take part)"
*/
with span as (
    -- the first and last offered_at of any valid contact (steps/summary.sql)
    select
        epoch_us(min(first_offered_at)) as first_us,
        epoch_us(max(last_offered_at)) as last_us,
        getvariable('fcr.window_hours') * 3600000000 as window_us
    from contact_buckets
),

participating as (
    select
        _seq,
        epoch_us(offered_at) as at_us,
        lag(epoch_us(offered_at)) over key_order as prev_us,
        lead(epoch_us(offered_at)) over key_order as next_us
    from contacts
    where
        direction = 'inbound'
        and outcome = 'answered'
        and customer_id is not null
        and (getvariable('fcr.match') = 'customer_id' or reason is not null)
    window key_order as (
        -- one partition key: the customer, or the customer and the reason (chr(0) cannot occur in either)
        partition by
            case when getvariable('fcr.match') = 'customer_id,reason' then customer_id || chr(0) || reason
            else customer_id end
        order by offered_at, interaction_id
    )
),

status as (
    select
        p._seq,
        case
            when p.at_us - s.window_us < s.first_us then 'censored_before'
            when p.prev_us is not null and p.at_us - p.prev_us <= s.window_us then 'repeat'
            when p.at_us + s.window_us > s.last_us then 'censored_after'
            when p.next_us is not null and p.next_us - p.at_us <= s.window_us then 'unresolved'
            else 'resolved'
        end as fcr_status
    from participating as p
    cross join span as s
)

select _seq, fcr_status from status
