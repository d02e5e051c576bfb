/* csmetrics
name = "backlog_at_open"
label = "backlog"
title = "Backlog at opening"
unit = "count"
order = 137
needs = "hours"
kind = "standalone"  # reads the after-hours backlog placed at its openings (sql/report/backlog.sql)
reads = ["backlog_rows"]
description = "Contacts offered while their calendar was closed and still waiting at the next opening, counted on the opening's row."
notes = "Needs opening hours. --by day puts the backlog on the day of the opening, whenever the contacts were offered; a contact answered or abandoned exactly at the opening is not counted."
*/
select
    columns('^grp__'),
    count(*) as backlog_at_open
from backlog_rows
group by all
