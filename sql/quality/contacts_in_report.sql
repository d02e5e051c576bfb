/* csmetrics
name = "contacts_in_report"
description = "Contacts the report counts (inbound, completed, inside the period): data_quality.contacts_in_report."
*/
count(*)
