/* csmetrics
name = "asa_business_seconds"
label = "ASA bus."
title = "Average speed of answer, business time"
unit = "seconds"
order = 61
needs = "hours"
description = "Mean business-time wait of answered contacts: the open time of the contact's calendar between offered_at and answered_at."
notes = "Needs opening hours (--hours FILE or [week] in csmetrics.toml). A wait wholly outside opening hours is 0. Contacts without a calendar are left out; NULL when none has one."
*/
avg(business_wait_seconds) filter (where is_answered)
