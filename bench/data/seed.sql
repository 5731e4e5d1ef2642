-- Benchmark data for sessions_bench, generated in SQL (run by bench/lib/seed.ts after the
-- service's own migrations have created the schema).
--
--   users     100,000  ids 1..100000, username 'user<id>'
--   sessions 1,000,000 user 1: 10,000; users 2..11: 1,000 each; the other 980,000 spread
--                      evenly over users 12..100000 (about 9.8 each)
--   ~10 % revoked, ~5 % expired (half of them already marked by the "sweeper"),
--   ~85 % active; last_active_at spread over the last 7 days.
--
-- Lifetimes are set relative to now() so that active sessions stay active for about
-- 30 days after seeding (the runner re-checks the active share before reusing the data).
-- Deterministic: setseed() fixes random(), so two seeds produce the same shape.

SET synchronous_commit = off;
SET maintenance_work_mem = '256MB';
-- Skip the per-row foreign-key triggers during the bulk load (the data is consistent by
-- construction: every user_id below is in 1..100000).
SET session_replication_role = replica;
-- The service's tables are in its schema (DATABASE_SCHEMA, default session_service).
SET search_path TO session_service, public;

-- CASCADE: every table that references users or sessions (subject mappings and the like)
-- starts empty too.
TRUNCATE sessions, users, session_revocations CASCADE;

-- Drop the secondary indexes of sessions (whatever the migrations made) and rebuild them
-- after the load from their own definitions: much faster than 1M index insertions each.
CREATE TEMP TABLE bench_saved_indexes AS
  SELECT i.indexname, i.indexdef
    FROM pg_indexes i
   WHERE i.schemaname = current_schema() AND i.tablename = 'sessions'
     AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname);
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT indexname FROM bench_saved_indexes LOOP
    EXECUTE format('DROP INDEX %I', r.indexname);
  END LOOP;
END $$;

SELECT setseed(0.42);

INSERT INTO users (id, username, created_at, updated_at)
SELECT g, 'user' || g, now() - interval '90 days', now() - interval '90 days'
  FROM generate_series(1, 100000) AS g;

INSERT INTO sessions (
  user_id, tenant_id, device_id, device_type, ip, geoip, user_agent, amr,
  idle_timeout_seconds, created_at, authenticated_at, last_active_at,
  idle_expires_at, expires_at, revoked_at, revoked_by, revoke_reason, expired_at)
SELECT
  x.user_id,
  CASE WHEN x.r1 < 0.6 THEN 'tnt_' || (x.user_id % 500) END,
  CASE WHEN x.r2 < 0.7 THEN 'dev_' || substr(md5(x.g::text), 1, 16) END,
  (ARRAY['desktop', 'mobile', 'mobile', 'tablet', 'desktop', 'tv', 'unknown'])[1 + (x.g % 7)],
  CASE WHEN x.g % 10 = 0
       THEN ('2001:db8:' || to_hex(x.g % 65536) || '::' || to_hex(x.user_id % 65536))::inet
       ELSE ('10.' || (x.g % 256) || '.' || (x.user_id % 256) || '.' || (1 + x.g % 254))::inet END,
  CASE WHEN x.r3 < 0.5 THEN (ARRAY['Berlin, DE', 'Beijing, CN', 'Austin, US', 'Lyon, FR'])[1 + (x.g % 4)] END,
  (ARRAY[
    'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15'
  ])[1 + (x.g % 5)],
  string_to_array((ARRAY['pwd', 'pwd,otp', 'hwk', 'pwd,mfa,otp', 'sms'])[1 + (x.g % 5)], ','),
  x.idle,
  x.last_active - x.age,
  x.last_active - x.age,
  x.last_active,
  -- active and revoked rows: idle expiry 30..31 days ahead; expired rows: in the past
  CASE WHEN x.kind = 'expired' THEN x.last_active + interval '1 minute'
       ELSE now() + interval '30 days' + x.r4 * interval '1 day' END,
  CASE WHEN x.kind = 'expired' THEN x.last_active + interval '1 minute' + x.r4 * interval '1 hour'
       ELSE now() + interval '31 days' + x.r4 * interval '1 day' END,
  CASE WHEN x.kind = 'revoked' THEN x.last_active + x.r4 * (now() - x.last_active) END,
  CASE WHEN x.kind = 'revoked' THEN
    CASE WHEN x.g % 3 = 0 THEN 'admin:1' ELSE 'user:' || x.user_id END END,
  CASE WHEN x.kind = 'revoked' THEN
    CASE WHEN x.g % 3 = 0 THEN 'stolen device' ELSE 'signed out' END END,
  CASE WHEN x.kind = 'expired' AND x.g % 2 = 0 THEN x.last_active + interval '2 minutes' END
FROM (
  SELECT
    g,
    CASE WHEN g <= 10000 THEN 1
         WHEN g <= 20000 THEN 2 + (g - 10001) / 1000
         ELSE 12 + (g % 99989) END AS user_id,
    now() - random() * interval '7 days' AS last_active,
    random() * interval '8 hours' AS age,
    CASE WHEN k < 0.10 THEN 'revoked' WHEN k < 0.15 THEN 'expired' ELSE 'active' END AS kind,
    (ARRAY[900, 1800, 3600, 28800, 86400])[1 + (g % 5)] AS idle,
    random() AS r1, random() AS r2, random() AS r3, random() AS r4
  FROM (SELECT g, random() AS k FROM generate_series(1, 1000000) AS g) AS gen
) AS x;

DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT indexdef FROM bench_saved_indexes LOOP
    EXECUTE r.indexdef;
  END LOOP;
END $$;

SET session_replication_role = origin;
