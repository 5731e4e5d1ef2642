-- EXPLAIN (ANALYZE, BUFFERS) of the service's hot queries on the benchmark data
-- (npm run bench seeds it). Run: psql -d sessions_bench -f bench/explain.sql
-- The statements mirror libs/sessions/src/sessions.repository.ts. Each runs three times
-- silently first and is then repeated with \g, so the plan shown is the steady state: a
-- new connection's first runs of a statement also pay for its first touches of the
-- shared buffers (measured here: 22 ms, then 9 ms, then 0.8 ms for the admin page).
SET jit = off;
-- The service's tables are in its schema (DATABASE_SCHEMA, default session_service).
SET search_path TO session_service, public;
\set typical 5000
\set heavy 1

\echo '== typical user, page 1 (page + count in one statement)'
\o /dev/null
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON)
WITH page AS (
  SELECT s.id, s.last_active_at, count(*) OVER ()::int AS total FROM sessions s
   WHERE s.user_id = :typical AND s.revoked_at IS NULL AND s.expires_at > now() AND s.idle_expires_at > now()
   ORDER BY s.last_active_at DESC, s.id DESC LIMIT 20 OFFSET 0)
SELECT u.id IS NOT NULL AS user_exists, page.total, s.*
  FROM (VALUES (1)) AS one (x) LEFT JOIN users u ON u.id = :typical
  LEFT JOIN (page JOIN sessions s ON s.id = page.id) ON true
 ORDER BY page.last_active_at DESC, page.id DESC;
\g
\g
\o
\g

\echo '== heavy user (10,000 sessions), page 1'
\o /dev/null
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON)
WITH page AS (
  SELECT s.id, s.last_active_at, count(*) OVER ()::int AS total FROM sessions s
   WHERE s.user_id = :heavy AND s.revoked_at IS NULL AND s.expires_at > now() AND s.idle_expires_at > now()
   ORDER BY s.last_active_at DESC, s.id DESC LIMIT 20 OFFSET 0)
SELECT u.id IS NOT NULL AS user_exists, page.total, s.*
  FROM (VALUES (1)) AS one (x) LEFT JOIN users u ON u.id = :heavy
  LEFT JOIN (page JOIN sessions s ON s.id = page.id) ON true
 ORDER BY page.last_active_at DESC, page.id DESC;
\g
\g
\o
\g

\echo '== heavy user, page 400'
\o /dev/null
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON)
WITH page AS (
  SELECT s.id, s.last_active_at, count(*) OVER ()::int AS total FROM sessions s
   WHERE s.user_id = :heavy AND s.revoked_at IS NULL AND s.expires_at > now() AND s.idle_expires_at > now()
   ORDER BY s.last_active_at DESC, s.id DESC LIMIT 20 OFFSET 7980)
SELECT u.id IS NOT NULL AS user_exists, page.total, s.*
  FROM (VALUES (1)) AS one (x) LEFT JOIN users u ON u.id = :heavy
  LEFT JOIN (page JOIN sessions s ON s.id = page.id) ON true
 ORDER BY page.last_active_at DESC, page.id DESC;
\g
\g
\o
\g

\echo '== admin keyset, first page (limit 50)'
\o /dev/null
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON)
SELECT s.*, u.username, s.last_active_at::text AS position_key
  FROM sessions s JOIN users u ON u.id = s.user_id
 WHERE s.revoked_at IS NULL AND s.expires_at > now() AND s.idle_expires_at > now()
 ORDER BY s.last_active_at DESC, s.id DESC LIMIT 51;
\g
\g
\o
\g

\echo '== admin keyset, deep page (after the 600,000th active session)'
SELECT last_active_at::text AS deep_t, id AS deep_id
  FROM sessions s WHERE s.revoked_at IS NULL AND s.expires_at > now() AND s.idle_expires_at > now()
 ORDER BY s.last_active_at DESC, s.id DESC OFFSET 600000 LIMIT 1 \gset
\o /dev/null
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON)
SELECT s.*, u.username, s.last_active_at::text AS position_key
  FROM sessions s JOIN users u ON u.id = s.user_id
 WHERE s.revoked_at IS NULL AND s.expires_at > now() AND s.idle_expires_at > now()
   AND (s.last_active_at, s.id) < (:'deep_t'::timestamptz, :'deep_id'::uuid)
 ORDER BY s.last_active_at DESC, s.id DESC LIMIT 51;
\g
\g
\o
\g

\echo '== token session check (JWT guard, sid claim)'
SELECT id AS some_id, user_id AS some_user FROM sessions WHERE revoked_at IS NULL LIMIT 1 \gset
\o /dev/null
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, SUMMARY ON)
SELECT EXISTS (SELECT 1 FROM sessions s WHERE s.id = :'some_id' AND s.user_id = :some_user
  AND s.revoked_at IS NULL AND s.expires_at > now() AND s.idle_expires_at > now()) AS active;
\g
\g
\o
\g
