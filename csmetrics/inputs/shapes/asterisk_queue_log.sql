-- Asterisk queue_log -> one row per queue call: a call (callid) from one ENTERQUEUE to the event that ends it.
-- Lines: time|callid|queue|agent|event|data1|...|data5 (time in Unix seconds, UTC). Read in one pass: each
-- event belongs to the latest ENTERQUEUE of its callid at or before it (a running count), then one GROUP BY.
--   ENTERQUEUE                  offered (data2 = caller id)
--   CONNECT                     answered (data1 = seconds waited in the queue)
--   COMPLETEAGENT/COMPLETECALLER ended normally (data2 = seconds connected)
--   BLINDTRANSFER/TRANSFER/ATTENDEDTRANSFER  ended by a transfer (data4 = seconds connected)
--   ABANDON, EXITWITHTIMEOUT, EXITEMPTY, EXITWITHKEY  left the queue unanswered (no CONNECT): abandoned
-- Lines of no call (callid NONE, MANAGER, CLI: QUEUESTART, ADDMEMBER, PAUSE, ...) are not contacts. A call with
-- an ENTERQUEUE and no later event is still in progress (neither answered nor ended). Events of a call whose
-- ENTERQUEUE is not in the file (log rotated mid-call) form a contact without offered_at, which is rejected.
-- end_event names the event that ended the call (a mapping may class EXITWITHTIMEOUT etc. as it chooses).
WITH events AS (
    SELECT
        __csm_pos,
        to_timestamp(try_cast(trim("time") AS BIGINT)) AS event_at,
        trim(callid) AS callid,
        nullif(trim(queue), 'NONE') AS queue,
        nullif(trim(agent), 'NONE') AS agent,
        upper(trim(event)) AS event,
        trim(data1) AS data1,
        trim(data2) AS data2,
        trim(data4) AS data4,
        count(*) FILTER (WHERE upper(trim(event)) = 'ENTERQUEUE')
            OVER (PARTITION BY trim(callid) ORDER BY __csm_pos ROWS UNBOUNDED PRECEDING) AS entry
    FROM {records}
    WHERE trim(callid) NOT IN ('NONE', 'MANAGER', 'CLI', '')
)
SELECT
    CASE WHEN entry <= 1 THEN callid ELSE callid || '#' || entry END AS callid,
    min(__csm_pos) AS __csm_pos,
    arg_min(queue, __csm_pos) AS queue,
    min(event_at) FILTER (WHERE event = 'ENTERQUEUE') AS enterqueue_at,
    min(event_at) FILTER (WHERE event = 'CONNECT') AS connect_at,
    max(event_at) FILTER (
        WHERE event IN ('COMPLETEAGENT', 'COMPLETECALLER', 'BLINDTRANSFER', 'ATTENDEDTRANSFER', 'TRANSFER',
                        'ABANDON', 'EXITWITHTIMEOUT', 'EXITEMPTY', 'EXITWITHKEY')
    ) AS end_at,
    arg_max(event, __csm_pos) FILTER (
        WHERE event IN ('COMPLETEAGENT', 'COMPLETECALLER', 'BLINDTRANSFER', 'ATTENDEDTRANSFER', 'TRANSFER',
                        'ABANDON', 'EXITWITHTIMEOUT', 'EXITEMPTY', 'EXITWITHKEY')
    ) AS end_event,
    arg_min(agent, __csm_pos) FILTER (WHERE event = 'CONNECT') AS agent,
    nullif(arg_min(data2, __csm_pos) FILTER (WHERE event = 'ENTERQUEUE'), '') AS callerid,
    coalesce(
        max(try_cast(data2 AS DOUBLE)) FILTER (WHERE event IN ('COMPLETEAGENT', 'COMPLETECALLER')),
        max(try_cast(data4 AS DOUBLE)) FILTER (WHERE event IN ('BLINDTRANSFER', 'ATTENDEDTRANSFER', 'TRANSFER'))
    ) AS talk_seconds,
    count(*) FILTER (WHERE event IN ('BLINDTRANSFER', 'ATTENDEDTRANSFER', 'TRANSFER')) > 0 AS transferred
FROM events
GROUP BY callid, entry
