/* csmetrics
name = "duplicates"
description = "Copies of an interaction_id that lost to its newest version: identical (merged) or older_version (superseded)."
*/
select kind, count(*) as n
from superseded
group by kind
