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
with counts as (
    -- the counts, in one pass over the contacts ...
    select
        columns('^grp__'),
        count(*) filter (where complaint and (is_answered or is_abandoned)) as complaints,
        count(*) filter (where is_answered or is_abandoned) as offered,
        count(*) filter (where complaint and is_answered) as answered_complaints,
        count(*) filter (where is_answered) as answered,
        0 as complaining_customers,
        0 as customers,
        cast(null as double) as external_count
    from scoped
    group by all
    -- ... plus distinct customers, costly to count, so only under the customers denominator ...
    union all by name
    select
        columns('^grp__'),
        0 as complaints,
        0 as offered,
        0 as answered_complaints,
        0 as answered,
        count(distinct customer_id) filter (where complaint) as complaining_customers,
        count(distinct customer_id) as customers,
        cast(null as double) as external_count
    from scoped
    where $complaint_denominator = 'customers' and (is_answered or is_abandoned)
    group by all
    -- ... plus the external denominator per group (an empty table unless complaint.denominator = external)
    union all by name
    select
        columns('^grp__'),
        0 as complaints,
        0 as offered,
        0 as answered_complaints,
        0 as answered,
        0 as complaining_customers,
        0 as customers,
        sum(external_count) as external_count
    from complaint_denominator_scoped
    group by all
),

totals as (
    select
        columns('^grp__'),
        sum(complaints) as complaints,
        sum(offered) as offered,
        sum(answered_complaints) as answered_complaints,
        sum(answered) as answered,
        sum(complaining_customers) as complaining_customers,
        sum(customers) as customers,
        sum(external_count) as external_count
    from counts
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
from totals
