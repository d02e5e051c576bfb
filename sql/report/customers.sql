/* csmetrics
fragment = "scope_customers"
reads = ["scope_keyed"]
description = """
For complaint.denominator = customers only (the report adds this fragment then):
each contact's place among its customer's offered contacts of the same report
group, so that complaint_rate can count distinct customers without a DISTINCT
aggregate (which would cost every report a second pass over the contacts).
- customer_first: the first offered contact (answered or abandoned) of its
  customer in the group; contacts without a customer_id are never first.
- customer_complained: the customer has a complaint among those contacts.
__group is the report's group keys as one value (the report adds it).
"""
*/
select
    k.* exclude (__group),
    k.customer_id is not null and (k.is_answered or k.is_abandoned) and row_number() over customer_group = 1
        as customer_first,
    coalesce(bool_or(k.complaint) over customer_group, false) as customer_complained
from scope_keyed as k
window customer_group as (
    partition by k.__group, k.customer_id, k.customer_id is not null and (k.is_answered or k.is_abandoned)
)
