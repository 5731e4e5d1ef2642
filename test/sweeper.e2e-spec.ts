import { Client } from 'pg';
import request from 'supertest';
import type { App } from 'supertest/types';
import { SessionsSweeper, type SweepResult, SWEEP_LOCK_KEY } from '@session-service/sessions';
import { insertSession, insertUser, type SessionSeed } from './support/factories';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, bearer, tokenFor } from './support/tokens';

/** Retention of one hour: rows ended two hours ago are past it, rows ended a minute ago are not. */
const ENV = { SESSION_RETENTION_SECONDS: '3600', SESSION_SWEEP_BATCH_SIZE: '7' };
const TWO_HOURS_AGO = -7200;

const ACTIVE: Omit<SessionSeed, 'userId'> = {};
const ABSOLUTE_EXPIRED: Omit<SessionSeed, 'userId'> = {
  expiresOffset: -10,
  idleExpiresOffset: -10,
};
const IDLE_EXPIRED: Omit<SessionSeed, 'userId'> = { idleExpiresOffset: -10, expiresOffset: 3600 };
const OLD_REVOKED: Omit<SessionSeed, 'userId'> = { revoked: true, revokedOffset: TWO_HOURS_AGO };
const OLD_EXPIRED_MARKED: Omit<SessionSeed, 'userId'> = {
  expiresOffset: -7300,
  idleExpiresOffset: -7300,
  expiredMarkOffset: TWO_HOURS_AGO,
};
const RECENT_REVOKED: Omit<SessionSeed, 'userId'> = { revoked: true, revokedOffset: -60 };
const RECENT_EXPIRED_MARKED: Omit<SessionSeed, 'userId'> = {
  expiresOffset: -120,
  idleExpiresOffset: -120,
  expiredMarkOffset: -60,
};

/** Inserts `count` sessions like `seed`, a few at a time. */
async function seed(
  t: TestApp,
  userId: number,
  count: number,
  like: Omit<SessionSeed, 'userId'>,
): Promise<string[]> {
  await insertUser(t.dataSource, userId);
  const ids: string[] = [];
  for (let i = 0; i < count; i += 25) {
    const chunk = Array.from({ length: Math.min(25, count - i) }, () =>
      insertSession(t.dataSource, { userId, ...like }),
    );
    ids.push(...(await Promise.all(chunk)));
  }
  return ids;
}

async function insertOldFeedRows(t: TestApp, count: number, age = '2 hours'): Promise<void> {
  await t.dataSource.query(
    `INSERT INTO session_service.session_revocations (session_id, user_id, revoked_at, revoked_by, reason)
     SELECT gen_random_uuid(), 1, now() - $2::interval, 'test', 'old'
       FROM generate_series(1, $1::int)`,
    [count, age],
  );
}

interface Counts {
  total: number;
  /** Ran out, not revoked, not yet marked. */
  unmarked: number;
  marked: number;
  /** Ended and past the one-hour retention. */
  deletable: number;
  feed: number;
  oldFeed: number;
}

async function counts(t: TestApp): Promise<Counts> {
  const [row] = await t.dataSource.query<(Omit<Counts, 'oldFeed'> & { oldfeed: number })[]>(
    `SELECT
       (SELECT count(*)::int FROM session_service.sessions) AS total,
       (SELECT count(*)::int FROM session_service.sessions WHERE revoked_at IS NULL AND expired_at IS NULL
           AND LEAST(expires_at, idle_expires_at) <= now()) AS unmarked,
       (SELECT count(*)::int FROM session_service.sessions WHERE expired_at IS NOT NULL) AS marked,
       (SELECT count(*)::int FROM session_service.sessions
         WHERE COALESCE(revoked_at, expired_at) < now() - interval '1 hour') AS deletable,
       (SELECT count(*)::int FROM session_service.session_revocations) AS feed,
       (SELECT count(*)::int FROM session_service.session_revocations
         WHERE revoked_at < now() - interval '1 hour') AS oldFeed`,
  );
  const { oldfeed, ...rest } = row;
  return { ...rest, oldFeed: oldfeed };
}

const existing = async (t: TestApp, ids: string[]): Promise<string[]> =>
  (
    await t.dataSource.query<
      {
        id: string;
      }[]
    >(`SELECT id FROM session_service.sessions WHERE id = ANY($1::uuid[])`, [ids])
  ).map((r) => r.id);

describe('SessionsSweeper', () => {
  let a: TestApp;
  let sweeper: SessionsSweeper;

  beforeAll(async () => {
    a = await createTestApp(ENV);
    sweeper = a.app.get(SessionsSweeper);
    await resetDatabase(a.dataSource);
  });

  // The sweeper acts on the whole database: each test starts from nothing.
  beforeEach(() => resetDatabase(a.dataSource));

  afterAll(() => a.close());

  it('marks sessions that ran out (absolute or idle) and leaves active ones alone, once', async () => {
    const active = await seed(a, 4001, 3, ACTIVE);
    const absolute = await seed(a, 4001, 2, ABSOLUTE_EXPIRED);
    const idle = await seed(a, 4002, 2, IDLE_EXPIRED);
    const revoked = await seed(a, 4002, 1, RECENT_REVOKED);

    const first = await sweeper.sweep();
    expect(first).toEqual({
      skipped: false,
      expired: 4,
      deleted: 0,
      feedDeleted: 0,
      eventsDeleted: 0,
    });

    const rows = await a.dataSource.query<
      { id: string; expired_at: Date | null; marked_now: boolean | null }[]
    >(
      `SELECT id, expired_at, revoked_at, expires_at, idle_expires_at,
              expired_at BETWEEN now() - interval '1 minute' AND now() AS marked_now
         FROM session_service.sessions`,
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(rows).toHaveLength(8);
    for (const id of [...absolute, ...idle]) {
      expect(byId.get(id)?.expired_at).toBeInstanceOf(Date);
      expect(byId.get(id)?.marked_now).toBe(true);
    }
    for (const id of [...active, ...revoked]) expect(byId.get(id)?.expired_at).toBeNull();

    // Each expiry is in the feed as of when the session ran out, not when the sweep ran.
    const feed = await a.dataSource.query<{ session_id: string; at_expiry: boolean }[]>(
      `SELECT r.session_id, r.revoked_at = LEAST(s.expires_at, s.idle_expires_at) AS at_expiry
         FROM session_service.session_revocations r
         JOIN session_service.sessions s ON s.id = r.session_id
        WHERE r.reason = 'expired'`,
    );
    expect(feed.map((r) => r.session_id).sort()).toEqual([...absolute, ...idle].sort());
    expect(feed.every((r) => r.at_expiry)).toBe(true);

    const markedAt = (
      await a.dataSource.query<{ id: string; expired_at: Date }[]>(
        `SELECT id, expired_at FROM session_service.sessions WHERE expired_at IS NOT NULL ORDER BY id`,
      )
    ).map((r) => `${r.id}@${r.expired_at.toISOString()}`);

    const second = await sweeper.sweep();
    expect(second).toEqual({
      skipped: false,
      expired: 0,
      deleted: 0,
      feedDeleted: 0,
      eventsDeleted: 0,
    });
    const markedAgain = (
      await a.dataSource.query<{ id: string; expired_at: Date }[]>(
        `SELECT id, expired_at FROM session_service.sessions WHERE expired_at IS NOT NULL ORDER BY id`,
      )
    ).map((r) => `${r.id}@${r.expired_at.toISOString()}`);
    expect(markedAgain).toEqual(markedAt);
  });

  it('deletes ended sessions and feed rows past retention, and keeps recent and active ones', async () => {
    const oldRevoked = await seed(a, 4101, 3, OLD_REVOKED);
    const oldExpired = await seed(a, 4101, 2, OLD_EXPIRED_MARKED);
    const recentRevoked = await seed(a, 4102, 2, RECENT_REVOKED);
    const recentExpired = await seed(a, 4102, 2, RECENT_EXPIRED_MARKED);
    const active = await seed(a, 4103, 3, ACTIVE);
    await insertOldFeedRows(a, 4);
    await insertOldFeedRows(a, 3, '10 minutes');

    const result = await sweeper.sweep();
    expect(result).toEqual({
      skipped: false,
      expired: 0,
      deleted: 5,
      feedDeleted: 4,
      eventsDeleted: 0,
    });

    expect(await existing(a, [...oldRevoked, ...oldExpired])).toEqual([]);
    const kept = [...recentRevoked, ...recentExpired, ...active];
    expect((await existing(a, kept)).sort()).toEqual([...kept].sort());
    expect(await counts(a)).toMatchObject({ total: 7, deletable: 0, feed: 3, oldFeed: 0 });

    expect(await sweeper.sweep()).toEqual({
      skipped: false,
      expired: 0,
      deleted: 0,
      feedDeleted: 0,
      eventsDeleted: 0,
    });
  });

  it('processes every row in one sweep, batch after batch', async () => {
    await seed(a, 4201, 30, OLD_REVOKED);
    await seed(a, 4202, 20, OLD_EXPIRED_MARKED);
    await seed(a, 4203, 15, ABSOLUTE_EXPIRED);
    await insertOldFeedRows(a, 22);
    expect(await counts(a)).toMatchObject({ deletable: 50, unmarked: 15, oldFeed: 22 });

    const result = await sweeper.sweep();
    // 50, 15 and 22 are not multiples of the batch size 7; 14 (below) is.
    expect(result).toEqual({
      skipped: false,
      expired: 15,
      deleted: 50,
      feedDeleted: 22,
      eventsDeleted: 0,
    });
    expect(await counts(a)).toMatchObject({ total: 15, deletable: 0, unmarked: 0, oldFeed: 0 });

    await seed(a, 4204, 14, OLD_REVOKED);
    expect(await sweeper.sweep()).toMatchObject({ deleted: 14 });
    expect(await counts(a)).toMatchObject({ deletable: 0 });
  });

  it('a call while this instance sweeps joins that sweep', async () => {
    await seed(a, 4301, 10, OLD_REVOKED);
    const [first, second] = await Promise.all([sweeper.sweep(), sweeper.sweep()]);
    expect(first).toEqual({
      skipped: false,
      expired: 0,
      deleted: 10,
      feedDeleted: 0,
      eventsDeleted: 0,
    });
    expect(second).toBe(first);
  });

  describe('with two instances on one database', () => {
    let b: TestApp;

    beforeAll(async () => {
      b = await createTestApp(ENV);
    });

    afterAll(() => b?.close());

    it('each row is swept once, by one of them, with no errors', async () => {
      const users = [4401, 4402, 4403, 4404];
      await seed(a, users[0], 150, OLD_REVOKED);
      await seed(a, users[1], 150, OLD_EXPIRED_MARKED);
      await seed(a, users[2], 60, ABSOLUTE_EXPIRED);
      await seed(a, users[3], 40, IDLE_EXPIRED);
      await seed(a, users[3], 10, ACTIVE);
      await insertOldFeedRows(a, 30);
      expect(await counts(a)).toMatchObject({ deletable: 300, unmarked: 100, oldFeed: 30 });

      const sweepers = [a.app.get(SessionsSweeper), b.app.get(SessionsSweeper)];
      expect(sweepers[0]).not.toBe(sweepers[1]);
      const results: SweepResult[] = [];
      for (let round = 0; round < 4; round++) {
        const settled = await Promise.allSettled(sweepers.map((s) => s.sweep()));
        for (const r of settled) {
          expect(r.status).toBe('fulfilled');
          if (r.status === 'fulfilled') results.push(r.value);
        }
      }
      const sum = (key: 'expired' | 'deleted' | 'feedDeleted') =>
        results.reduce((n, r) => n + r[key], 0);
      expect(sum('deleted')).toBe(300);
      expect(sum('expired')).toBe(100);
      expect(sum('feedDeleted')).toBe(30);
      // A skipped sweep did nothing.
      for (const r of results.filter((x) => x.skipped)) {
        expect(r).toEqual({
          skipped: true,
          expired: 0,
          deleted: 0,
          feedDeleted: 0,
          eventsDeleted: 0,
        });
      }

      expect(await counts(a)).toMatchObject({
        total: 110,
        deletable: 0,
        unmarked: 0,
        marked: 100,
        oldFeed: 0,
      });
    });

    it('skips while another connection holds the advisory lock, and sweeps once it is released', async () => {
      await seed(a, 4501, 5, OLD_REVOKED);
      await seed(a, 4502, 3, IDLE_EXPIRED);
      const before = await counts(a);
      expect(before).toMatchObject({ deletable: 5, unmarked: 3 });

      const holder = new Client({ connectionString: process.env.TEST_DATABASE_URL });
      await holder.connect();
      try {
        await holder.query('SELECT pg_advisory_lock($1)', [SWEEP_LOCK_KEY.toString()]);
        const skipped = await Promise.all([a, b].map((t) => t.app.get(SessionsSweeper).sweep()));
        for (const r of skipped) {
          expect(r).toEqual({
            skipped: true,
            expired: 0,
            deleted: 0,
            feedDeleted: 0,
            eventsDeleted: 0,
          });
        }
        expect(await counts(a)).toEqual(before);

        const unlock = await holder.query<{ unlocked: boolean }>(
          'SELECT pg_advisory_unlock($1) AS unlocked',
          [SWEEP_LOCK_KEY.toString()],
        );
        const [{ unlocked }] = unlock.rows;
        expect(unlocked).toBe(true);
      } finally {
        await holder.end();
      }

      expect(await b.app.get(SessionsSweeper).sweep()).toEqual({
        skipped: false,
        expired: 3,
        deleted: 5,
        feedDeleted: 0,
        eventsDeleted: 0,
      });
      expect(await counts(a)).toMatchObject({ deletable: 0, unmarked: 0 });
    });

    it('releases the lock after each sweep, so the other instance can sweep next', async () => {
      await seed(a, 4601, 2, OLD_REVOKED);
      expect(await a.app.get(SessionsSweeper).sweep()).toMatchObject({ skipped: false });
      await seed(a, 4602, 2, OLD_REVOKED);
      expect(await b.app.get(SessionsSweeper).sweep()).toMatchObject({
        skipped: false,
        deleted: 2,
      });
      const [{ held }] = await a.dataSource.query<{ held: number }[]>(
        `SELECT count(*)::int AS held FROM pg_locks
          WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      );
      expect(held).toBe(0);
    });
  });

  it('an expired session is gone from the user and admin lists before the sweeper marks it', async () => {
    const userId = 4701;
    const [active] = await seed(a, userId, 1, ACTIVE);
    const [absolute] = await seed(a, userId, 1, ABSOLUTE_EXPIRED);
    const [idle] = await seed(a, userId, 1, IDLE_EXPIRED);
    const http = a.app.getHttpServer() as App;

    const userList = await request(http)
      .get(`/sessions/user/${userId}/sessions`)
      .set(...bearer(tokenFor(userId)))
      .expect(200);
    expect(userList.body.items.map((s: { id: string }) => s.id)).toEqual([active]);
    const adminList = await request(http)
      .get('/api/sessions/all')
      .set(...bearer(adminToken()))
      .expect(200);
    expect(adminList.body.sessions.map((s: { session_id: string }) => s.session_id)).toEqual([
      active,
    ]);

    expect(await counts(a)).toMatchObject({ unmarked: 2, marked: 0 });
    expect(await existing(a, [absolute, idle])).toHaveLength(2);
  });
});
