-- Ten million audit trail events in session_service.session_events, for the EXPLAINs of
-- bench/audit-trail.ts (a throwaway database; run once: about two minutes on 2 cores).
-- One event every 0.1 s back from now (about 11.6 days); 4 events per session and
-- 100,000 users, so a user has about 100 events; the type mix of a busy service:
-- half touches, then sign-ins, revocations, expiries, a few evictions and mappings.
-- The secondary indexes are dropped during the load and rebuilt from their definitions,
-- in one transaction: a failed load leaves the table and its indexes as they were.
\set ON_ERROR_STOP on
SET maintenance_work_mem = '512MB';
SET synchronous_commit = off;
BEGIN;

CREATE TEMP TABLE audit_index_defs AS
  SELECT indexname, indexdef FROM pg_indexes
   WHERE schemaname = 'session_service' AND tablename = 'session_events'
     AND indexname <> 'session_events_pkey';
DO $$
DECLARE i record;
BEGIN
  FOR i IN SELECT indexname FROM audit_index_defs LOOP
    EXECUTE format('DROP INDEX session_service.%I', i.indexname);
  END LOOP;
END $$;

TRUNCATE session_service.session_events;

INSERT INTO session_service.session_events
  (type, session_id, user_id, tenant_id, initiator, actor, reason, request_id, trace_id, occurred_at)
SELECT k.type, md5('s' || (g / 4))::uuid, u.user_id, NULL, k.initiator,
       CASE k.initiator WHEN 'user' THEN 'user:' || u.user_id WHEN 'admin' THEN 'admin:1'
                        ELSE k.initiator END,
       k.reason,
       CASE WHEN k.initiator = 'system' THEN NULL ELSE 'req_' || g END,
       CASE WHEN k.initiator = 'system' THEN NULL ELSE md5('t' || g) END,
       now() - make_interval(secs => (10000000 - g) / 10.0)
  FROM generate_series(1, 10000000) g
 CROSS JOIN LATERAL (SELECT 1 + ((g / 4)::bigint * 7919) % 100000 AS user_id) u
 CROSS JOIN LATERAL (
   SELECT (ARRAY['created', 'touched', 'touched', 'touched', 'touched', 'revoked', 'revoked',
                 'expired', 'evicted', 'subject_mapped'])[1 + g % 10] AS type,
          (ARRAY['user', 'user', 'user', 'user', 'user', 'user', 'admin', 'system', 'policy',
                 'user'])[1 + g % 10] AS initiator,
          (ARRAY[NULL, NULL, NULL, NULL, NULL, 'signed out', 'stolen device', 'idle', 'limit',
                 NULL])[1 + g % 10] AS reason
 ) k;

DO $$
DECLARE i record;
BEGIN
  FOR i IN SELECT indexdef FROM audit_index_defs LOOP
    EXECUTE i.indexdef;
  END LOOP;
END $$;
COMMIT;

VACUUM ANALYZE session_service.session_events;
