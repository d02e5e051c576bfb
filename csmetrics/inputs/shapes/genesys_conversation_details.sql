-- Genesys Cloud analytics conversation detail records -> one row per conversation.
-- A record nests participants[] (purpose customer, ivr, acd, agent, ...), each with sessions[], each with
-- segments[] (segmentType, segmentStart/End, queueId, ...) and metrics[] (name, value in ms, emitDate; a name may
-- be emitted more than once: summed). Only the fields below are read (json_transform): free-form fields such as
-- participant attributes are never parsed.
--   queueStart   the first acd `interact` segment's start: when the conversation entered a queue
--   tAnswered    ms from queueStart to the answer of the first agent session with a tAnswered metric. The answer
--                is at the start of the acd interact segment it was routed from + that session's tAnswered, so
--                on a single-queue conversation this is Genesys's own tAnswered, and across queues it is the
--                whole wait from the first queue entry
--   tAbandon     ms from queueStart to the abandon, measured the same way from the tAbandon metric
--   tTalk, tHeld, tAcw  sums over the sessions of the agents who answered (a non-responding agent's session,
--                which has no tAnswered, is left out: its forced wrap-up is not the contact's ACW)
--   contactEnd   answered: the end of the answering agents' last interact/hold segment (wrap-up excluded);
--                abandoned: the abandon; left the queue otherwise (flow-out): the acd segment's end
--   queueOutcome 'flowout' (queued, ended, neither answered nor abandoned: voicemail, callback, a flow),
--                'ivr' (inbound, ended, never queued), else NULL
--   transferred  an answering agent's session has nTransferred/nBlindTransferred/nConsultTransferred or a
--                transfer disconnect, or more than one agent answered (disconnectType transfer on an acd or ivr
--                segment is routing, not a transfer)
WITH conversations AS (
    SELECT
        __csm_pos,
        json_transform(__rec, '{"conversationId": "VARCHAR", "conversationStart": "VARCHAR",
            "conversationEnd": "VARCHAR", "originatingDirection": "VARCHAR",
            "participants": [{"purpose": "VARCHAR", "userId": "VARCHAR",
                "sessions": [{"mediaType": "VARCHAR", "ani": "VARCHAR",
                    "segments": [{"segmentType": "VARCHAR", "segmentStart": "VARCHAR", "segmentEnd": "VARCHAR",
                                  "queueId": "VARCHAR", "disconnectType": "VARCHAR", "wrapUpCode": "VARCHAR"}],
                    "metrics": [{"name": "VARCHAR", "value": "DOUBLE", "emitDate": "VARCHAR"}]}]}]}') AS c
    FROM {records}
),
participants AS (
    SELECT __csm_pos, unnest(c.participants) AS p FROM conversations
),
sessions AS (
    SELECT __csm_pos, p.purpose AS purpose, p.userId AS user_id, s, row_number() OVER () AS session_no
    FROM (SELECT __csm_pos, p, unnest(p.sessions) AS s FROM participants)
),
segments AS (
    SELECT
        __csm_pos, session_no, purpose, g.segmentType AS segment_type, g.queueId AS queue_id,
        g.disconnectType AS disconnect_type, g.wrapUpCode AS wrap_up_code,
        try_cast(g.segmentStart AS TIMESTAMPTZ) AS seg_start, try_cast(g.segmentEnd AS TIMESTAMPTZ) AS seg_end
    FROM (SELECT __csm_pos, session_no, purpose, unnest(s.segments) AS g FROM sessions)
),
metrics AS (
    SELECT session_no, m.name AS name, m.value AS value, try_cast(m.emitDate AS TIMESTAMPTZ) AS emitted
    FROM (SELECT session_no, unnest(s.metrics) AS m FROM sessions)
),
session_metrics AS (
    SELECT
        session_no,
        sum(value) FILTER (WHERE name = 'tAnswered') AS t_answered,
        min(emitted) FILTER (WHERE name = 'tAnswered') AS answered_emitted,
        sum(value) FILTER (WHERE name = 'tAbandon') AS t_abandon,
        min(emitted) FILTER (WHERE name = 'tAbandon') AS abandon_emitted,
        sum(value) FILTER (WHERE name = 'tTalk') AS t_talk,
        sum(value) FILTER (WHERE name = 'tHeld') AS t_held,
        sum(value) FILTER (WHERE name = 'tAcw') AS t_acw,
        coalesce(sum(value) FILTER (WHERE name IN ('nTransferred', 'nBlindTransferred', 'nConsultTransferred')), 0)
            > 0 AS transfer_metric
    FROM metrics
    GROUP BY session_no
),
session_segments AS (
    SELECT
        session_no,
        max(seg_end) FILTER (WHERE segment_type IN ('interact', 'hold')) AS handled_until,
        bool_or(disconnect_type = 'transfer') FILTER (WHERE segment_type IN ('interact', 'hold')) AS transfer_disconnect,
        arg_min(wrap_up_code, seg_start) FILTER (WHERE wrap_up_code IS NOT NULL) AS wrap_up_code
    FROM segments
    GROUP BY session_no
),
answering AS (  -- the agent sessions that answered, first answer first
    SELECT s.__csm_pos, s.session_no, s.user_id, m.*, g.handled_until, g.transfer_disconnect, g.wrap_up_code
    FROM sessions s
    JOIN session_metrics m USING (session_no)
    LEFT JOIN session_segments g USING (session_no)
    WHERE s.purpose = 'agent' AND m.t_answered IS NOT NULL
),
queue_entries AS (  -- acd interact segments: where each queue wait starts
    SELECT __csm_pos, seg_start, seg_end, queue_id FROM segments WHERE purpose = 'acd' AND segment_type = 'interact'
),
queues AS (
    SELECT __csm_pos, min(seg_start) AS queue_start, arg_min(queue_id, seg_start) AS queue_id, max(seg_end) AS queue_end
    FROM queue_entries
    GROUP BY __csm_pos
),
abandons AS (
    SELECT s.__csm_pos, min(m.abandon_emitted) AS abandon_emitted, sum(m.t_abandon) AS t_abandon
    FROM sessions s JOIN session_metrics m USING (session_no)
    WHERE m.t_abandon IS NOT NULL
    GROUP BY s.__csm_pos
),
first_answers AS (
    SELECT __csm_pos, arg_min(session_no, answered_emitted) AS first_answer FROM answering GROUP BY __csm_pos
),
per_conversation AS (
    SELECT c.__csm_pos, q.queue_start, q.queue_id, q.queue_end, f.first_answer, b.abandon_emitted, b.t_abandon
    FROM conversations c
    LEFT JOIN queues q USING (__csm_pos)
    LEFT JOIN abandons b USING (__csm_pos)
    LEFT JOIN first_answers f USING (__csm_pos)
),
moments AS (
    SELECT
        p.*,
        a.user_id AS agent,
        a.wrap_up_code AS wrap_up_code,
        -- the answer: the start of the acd interact segment it was routed from + tAnswered
        (SELECT max(q.seg_start) FROM queue_entries q
            WHERE q.__csm_pos = p.__csm_pos AND q.seg_start <= a.answered_emitted)
            + to_milliseconds(CAST(a.t_answered AS BIGINT)) AS answered_at,
        (SELECT max(q.seg_start) FROM queue_entries q
            WHERE q.__csm_pos = p.__csm_pos AND q.seg_start <= p.abandon_emitted)
            + to_milliseconds(CAST(p.t_abandon AS BIGINT)) AS abandoned_at
    FROM per_conversation p
    LEFT JOIN answering a ON a.session_no = p.first_answer
),
handling AS (
    SELECT
        __csm_pos,
        sum(t_talk) AS t_talk,
        sum(t_held) AS t_held,
        sum(t_acw) AS t_acw,
        max(handled_until) AS handled_until,
        bool_or(transfer_metric OR coalesce(transfer_disconnect, false)) OR count(*) > 1 AS transferred
    FROM answering
    GROUP BY __csm_pos
),
media AS (
    SELECT
        __csm_pos,
        arg_min(s.mediaType, session_no) FILTER (WHERE s.mediaType IS NOT NULL) AS media_type,
        arg_min(s.ani, session_no) FILTER (WHERE purpose = 'customer' AND s.ani IS NOT NULL) AS ani
    FROM sessions
    GROUP BY __csm_pos
)
SELECT
    c.c.conversationId AS "conversationId",
    c.c.conversationStart AS "conversationStart",
    c.c.conversationEnd AS "conversationEnd",
    c.c.originatingDirection AS "originatingDirection",
    md.media_type AS "mediaType",
    m.queue_id AS "queueId",
    m.agent AS "userId",
    md.ani AS "ani",
    m.wrap_up_code AS "wrapUpCode",
    m.queue_start AS "queueStart",
    epoch_ms(m.answered_at) - epoch_ms(m.queue_start) AS "tAnswered",
    CASE WHEN m.answered_at IS NULL THEN epoch_ms(m.abandoned_at) - epoch_ms(m.queue_start) END AS "tAbandon",
    h.t_talk AS "tTalk",
    h.t_held AS "tHeld",
    h.t_acw AS "tAcw",
    CASE
        WHEN m.answered_at IS NOT NULL THEN h.handled_until
        WHEN m.abandoned_at IS NOT NULL THEN m.abandoned_at
        WHEN m.queue_start IS NOT NULL AND c.c.conversationEnd IS NOT NULL THEN m.queue_end
    END AS "contactEnd",
    CASE
        WHEN m.answered_at IS NOT NULL OR m.abandoned_at IS NOT NULL OR c.c.conversationEnd IS NULL THEN NULL
        WHEN m.queue_start IS NOT NULL THEN 'flowout'
        WHEN c.c.originatingDirection = 'inbound' THEN 'ivr'
    END AS "queueOutcome",
    coalesce(h.transferred, false) AS "transferred",
    c.__csm_pos
FROM conversations c
LEFT JOIN moments m USING (__csm_pos)
LEFT JOIN handling h USING (__csm_pos)
LEFT JOIN media md USING (__csm_pos)
