/* csmetrics
name = "short_abandoned"
label = "short ab."
title = "Short abandons"
unit = "count"
order = 40
section = "abandon"
description = "Abandoned contacts whose wait was shorter than abandon.short_abandon_seconds; they are removed from every other figure."
notes = "The limit is strict: a wait exactly equal to the limit is a real abandon. 0 turns short abandons off."

[params.short_abandon_seconds]
type = "integer"
default = 5
min = 0
max = 3600
unit = "seconds"
help = "An abandoned contact with wait < this is a short abandon (misdial, caller hung up at once); 0 turns it off."
*/
select
    columns('^grp__'),
    count(*) filter (
        where outcome = 'abandoned' and wait_seconds < $abandon_short_abandon_seconds
    ) as short_abandoned
from scoped
group by all
