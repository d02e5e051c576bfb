/* csmetrics
name = "complaint_rate"
section = "complaint"
label = "complaint rate"
title = "Complaint rate"
unit = "number"
order = 211
description = "Complaints / the chosen denominator, times complaint.per."
notes = "Short abandons are never counted. Under 'customers', contacts without a customer_id are in neither part. Under 'external', the denominator is the sum of the --denominator file's counts over the bucket's days (and queue); a bucket with no count gives null."

[params.denominator]
type = "choice"
default = "offered"
help = "What complaints are a share of."
[params.denominator.choices]
offered = "complaints among offered contacts / offered contacts"
answered = "complaints among answered contacts / answered contacts"
customers = "distinct complaining customers / distinct customers with an offered contact"
external = "complaints / the count per day (and optionally queue) from --denominator FILE"

[params.per]
type = "number"
default = 1
min = 0.000001
max = 1000000000
help = "Scale: the rate is per this many denominator units (e.g. 1000 = per 1,000)."
*/
with parts as (
    select
        columns('^grp__'),
        (is_answered or is_abandoned) as is_offered,
        is_answered,
        coalesce(complaint, false) as is_complaint,
        customer_id,
        cast(null as double) as external_count
    from scoped
    union all by name
    select
        columns('^grp__'),
        false as is_offered,
        false as is_answered,
        false as is_complaint,
        cast(null as varchar) as customer_id,
        external_count
    from complaint_denominator_scoped
),

counts as (
    select
        columns('^grp__'),
        count(*) filter (where is_offered and is_complaint) as complaints,
        count(*) filter (where is_offered) as offered,
        count(*) filter (where is_answered and is_complaint) as answered_complaints,
        count(*) filter (where is_answered) as answered,
        -- distinct customers are costly to count: only under the customers denominator
        count(distinct customer_id) filter (
            where $complaint_denominator = 'customers' and is_offered and is_complaint
        ) as complaining_customers,
        count(distinct customer_id) filter (
            where $complaint_denominator = 'customers' and is_offered
        ) as customers,
        sum(external_count) as external_count
    from parts
    group by all
)

select
    columns('^grp__'),
    $complaint_per * case $complaint_denominator
        when 'offered' then complaints / nullif(offered, 0)
        when 'answered' then answered_complaints / nullif(answered, 0)
        when 'customers' then complaining_customers / nullif(customers, 0)
        when 'external' then complaints / nullif(external_count, 0)
    end as complaint_rate
from counts
