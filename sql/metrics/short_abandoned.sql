/* csmetrics
name = "short_abandoned"
label = "short ab."
title = "Short abandons"
unit = "count"
order = 40
description = "Abandoned contacts whose wait was shorter than abandon.short_abandon_seconds; they are removed from every other figure."
parameters = ["abandon.short_abandon_seconds"]  # declared where it acts: sql/report/scope.sql
notes = "The limit is strict: a wait exactly equal to the limit is a real abandon. 0 turns short abandons off."

*/
count(*) filter (where is_short_abandon)
