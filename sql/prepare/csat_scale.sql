/* csmetrics
description = """
The CSAT scale in force (csat.scale_min..csat.scale_max), one row, read by the
answer checks (answers.sql).
"""
*/
create or replace temp table csat_scale as
select cast($csat_scale_min as integer) as scale_min, cast($csat_scale_max as integer) as scale_max
