/* csmetrics
name = "complaint_rate"
label = "complaint rate"
title = "Complaint rate"
unit = "number"
order = 211
better = "lower"
description = "Complaints / the chosen denominator, times complaint.per."
notes = "Short abandons are never counted. Under 'customers', contacts without a customer_id are in neither part. Under 'external', the denominator is the sum of the --denominator file's counts over the bucket's days (and queue); a bucket with no count gives null."

[params."complaint.denominator"]
type = "choice"
default = "offered"
help = "What complaints are a share of."
[params."complaint.denominator".choices]
offered = "complaints among offered contacts / offered contacts"
answered = "complaints among answered contacts / answered contacts"
customers = "distinct complaining customers / distinct customers with an offered contact"
external = "complaints / the count per day (and optionally queue) from --denominator FILE"

[params."complaint.per"]
type = "number"
default = 1
min = 0.000001
max = 1000000000
help = "Scale: the rate is per this many denominator units (e.g. 1000 = per 1,000)."

[compare]
# Only 'offered' and 'answered' are sums over contacts; distinct customers and an external count are not
# (the parts are NULL then, and compare reports the difference without a test).
method = "ratio"
numerator = """
getvariable('complaint.per') * case getvariable('complaint.denominator')
    when 'offered' then count(*) filter (where complaint and (is_answered or is_abandoned))
    when 'answered' then count(*) filter (where complaint and is_answered)
end
"""
denominator = """
case getvariable('complaint.denominator')
    when 'offered' then count(*) filter (where is_answered or is_abandoned)
    when 'answered' then count(*) filter (where is_answered)
end
"""
*/
-- One aggregate, computed in the report's single pass with the other metrics.
-- Short abandons are never counted (they are neither answered nor abandoned).
getvariable('complaint.per') * case getvariable('complaint.denominator')
    when 'offered' then
        count(*) filter (where complaint and (is_answered or is_abandoned))
        / nullif(count(*) filter (where is_answered or is_abandoned), 0)
    when 'answered' then
        count(*) filter (where complaint and is_answered)
        / nullif(count(*) filter (where is_answered), 0)
    -- distinct customers: customer_first marks one offered contact per customer and group, and
    -- customer_complained whether that customer complained (sql/report/customers.sql)
    when 'customers' then
        count(*) filter (where customer_first and customer_complained)
        / nullif(count(*) filter (where customer_first), 0)
    -- external_count: the group's count from --denominator FILE (the same on every row of the
    -- group; NULL when the file has none for it, or under any other denominator)
    when 'external' then
        count(*) filter (where complaint and (is_answered or is_abandoned))
        / nullif(max(external_count), 0)
end
