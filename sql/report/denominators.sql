/* csmetrics
fragment = "denominator_rows"
reads = ["complaint_denominators", "contacts"]
description = """
The external complaint denominator (--denominator FILE, date,count[,queue]) for
complaint.denominator = external: the counts of the local days inside the
report period, as rows the report's group keys can be computed on (a day is
offered_local at its midnight). The report sums external_count per group and
gives it to each scoped contact of the group. Days in the file are local dates
in the report time zone already. Without --from/--to the period is the first to
the last local day of the report's contacts.
"""
*/
select cast(d.day as timestamp) as offered_local, d.queue, d.external_count
from complaint_denominators as d,
    (
        select min(csm_local_date(offered_at)) as lo, max(csm_local_date(offered_at)) as hi
        from contacts
        where direction = 'inbound' and outcome <> 'in_progress' and csm_in_period(offered_at)
    ) as s
where
    d.day >= coalesce(getvariable('date_from'), s.lo)
    and d.day <= coalesce(getvariable('date_to'), s.hi)
