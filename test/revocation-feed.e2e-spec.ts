import { request as httpRequest, type ClientRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import request from 'supertest';
import type { App } from 'supertest/types';
import { insertSession, insertUser } from './support/factories';
import { expectProblem } from './support/schemas';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, bearer, SERVICE_ROLE, serviceToken, tokenFor } from './support/tokens';
import { pollUntil, sleep } from './support/wait';

interface FeedRevocation {
  session_id: string;
  user_id: string;
  revoked_at: string;
  revoked_by: string;
  reason?: string;
  cursor: string;
}

interface FeedPage {
  revocations: FeedRevocation[];
  next_cursor: string;
  has_more: boolean;
}

interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

const FEED = '/api/sessions/revocations';
const STREAM = '/api/sessions/revocations/stream';
const POLL_MS = '100';

/** Inserts `count` active sessions for `userId`, returning their ids in insertion order. */
async function seedSessions(t: TestApp, userId: number, count: number): Promise<string[]> {
  await insertUser(t.dataSource, userId);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push(await insertSession(t.dataSource, { userId }));
  return ids;
}

/**
 * A minimal Server-Sent Events client on node's http module: collects every
 * event, and lets a test wait (with a deadline) for one matching a predicate.
 */
function openStream(baseUrl: string, path: string, headers: Record<string, string>) {
  const events: SseEvent[] = [];
  /** `ended`: the server finished the response. */
  const state = { ended: false };
  let buffer = '';
  let req: ClientRequest | undefined;
  const response = new Promise<{ status: number; contentType: string }>((resolve, reject) => {
    req = httpRequest(`${baseUrl}${path}`, { headers, agent: false }, (res) => {
      resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']) });
      res.setEncoding('utf8');
      res.on('end', () => (state.ended = true));
      res.on('data', (chunk: string) => {
        buffer += chunk;
        const blocks = buffer.split(/\r?\n\r?\n/);
        buffer = blocks.pop() ?? '';
        for (const block of blocks) {
          const event: SseEvent = { data: '' };
          const data: string[] = [];
          for (const line of block.split(/\r?\n/)) {
            const match = /^([a-z]+): ?(.*)$/i.exec(line);
            if (!match) continue;
            if (match[1] === 'data') data.push(match[2]);
            else if (match[1] === 'id') event.id = match[2];
            else if (match[1] === 'event') event.event = match[2];
          }
          if (data.length) {
            event.data = data.join('\n');
            events.push(event);
          }
        }
      });
      res.on('error', () => undefined);
    });
    req.on('error', (error) => {
      if (!req?.destroyed) reject(error);
    });
    req.end();
  });
  return {
    events,
    state,
    response,
    async waitFor(predicate: (e: SseEvent) => boolean, timeoutMs = 5000): Promise<SseEvent> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(predicate);
        if (found) return found;
        if (Date.now() > deadline) {
          throw new Error(
            `no matching event within ${timeoutMs} ms; got ${JSON.stringify(events)}`,
          );
        }
        await sleep(20);
      }
    },
    close(): void {
      req?.destroy();
    },
  };
}

describe('Revocation feed (GET /api/sessions/revocations)', () => {
  let a: TestApp;
  let http: App;

  beforeAll(async () => {
    a = await createTestApp({ REVOCATION_FEED_POLL_MS: POLL_MS });
    http = a.app.getHttpServer();
    await resetDatabase(a.dataSource);
  });

  afterAll(() => a.close());

  const readPage = async (server: App, after: string | undefined, limit?: number) => {
    const query: Record<string, string | number> = {};
    if (after !== undefined) query.after = after;
    if (limit !== undefined) query.limit = limit;
    const res = await request(server)
      .get(FEED)
      .query(query)
      .set(...bearer(serviceToken()));
    expect(res.status).toBe(200);
    return res.body as FeedPage;
  };

  /** The cursor at the current end of the feed, so each test sees only its own revocations. */
  const feedHead = async (): Promise<string> => {
    let cursor: string | undefined;
    for (let i = 0; i < 100; i++) {
      const page = await readPage(http, cursor, 1000);
      cursor = page.next_cursor;
      if (!page.has_more) return cursor;
    }
    throw new Error('feed did not end');
  };

  /** Every revocation after `after`, reading pages until has_more is false. */
  const readToEnd = async (server: App, after: string, limit = 1000) => {
    const rows: FeedRevocation[] = [];
    let cursor = after;
    for (let i = 0; i < 1000; i++) {
      const page = await readPage(server, cursor, limit);
      rows.push(...page.revocations);
      cursor = page.next_cursor;
      if (!page.has_more) return { rows, cursor };
    }
    throw new Error('feed did not end');
  };

  const revokeAsUser = (userId: number, sessionId: string) =>
    request(http)
      .delete(`/sessions/user/${userId}/sessions/${sessionId}`)
      .set(...bearer(tokenFor(userId)));

  const revokeAsAdmin = (sessionId: string, reason = 'compromised', server: App = http) =>
    request(server)
      .delete(`/api/sessions/${sessionId}`)
      .query({ reason })
      .set(...bearer(adminToken()));

  it('serves each revocation exactly once, in order, across pages', async () => {
    const userId = 3001;
    const ids = await seedSessions(a, userId, 10);
    const head = await feedHead();

    const empty = await readPage(http, head, 3);
    expect(empty).toEqual({ revocations: [], next_cursor: head, has_more: false });

    for (const id of ids) await revokeAsUser(userId, id).expect(204);

    const pages: FeedPage[] = [];
    let cursor = head;
    for (let i = 0; i < 10; i++) {
      const page = await readPage(http, cursor, 3);
      pages.push(page);
      if (page.revocations.length) {
        expect(page.next_cursor).toBe(page.revocations.at(-1)?.cursor);
      }
      cursor = page.next_cursor;
      if (!page.has_more) break;
    }
    expect(pages.map((p) => p.revocations.length)).toEqual([3, 3, 3, 1]);
    expect(pages.map((p) => p.has_more)).toEqual([true, true, true, false]);

    const rows = pages.flatMap((p) => p.revocations);
    expect(rows.map((r) => r.session_id)).toEqual(ids);
    expect(new Set(rows.map((r) => r.cursor)).size).toBe(10);
    for (const row of rows) {
      expect(row).toEqual({
        session_id: expect.any(String),
        user_id: String(userId),
        revoked_at: expect.any(String),
        revoked_by: `user:${userId}`,
        reason: 'signed out',
        cursor: expect.stringMatching(/^v1\./),
      });
      expect(new Date(row.revoked_at).toISOString()).toBe(row.revoked_at);
    }

    // Reading on from the last next_cursor finds nothing new and stays put.
    const after = await readPage(http, cursor, 3);
    expect(after).toEqual({ revocations: [], next_cursor: cursor, has_more: false });
    // Reading again from a mid-feed cursor resumes right after it.
    const resumed = await readPage(http, pages[0].next_cursor, 100);
    expect(resumed.revocations.map((r) => r.session_id)).toEqual(ids.slice(3));
    // The whole feed, from the start, also holds them once.
    const all = await readToEnd(http, '');
    expect(all.rows.filter((r) => ids.includes(r.session_id))).toHaveLength(10);
    expect(all.cursor).toBe(cursor);
  });

  it('orders by transaction id as a number, across powers of ten, on the first page and after', async () => {
    // Rows as transactions 9, 10, 11 and 100 would have written them (long finished, so
    // readable): as text, '10' < '100' < '11' < '9'.
    const xids = ['100', '9', '11', '10'];
    const inserted: { xid: string; session_id: string }[] = [];
    for (const xid of xids) {
      const [row] = await a.dataSource.query<{ session_id: string }[]>(
        `INSERT INTO session_service.session_revocations
           (xid, session_id, user_id, revoked_at, revoked_by, reason)
         VALUES ($1::xid8, gen_random_uuid(), 3099, now(), 'admin:order', 'order')
         RETURNING session_id`,
        [xid],
      );
      inserted.push({ xid, session_id: row.session_id });
    }
    const expected = [...inserted]
      .sort((x, y) => Number(x.xid) - Number(y.xid))
      .map((r) => r.session_id);
    const ours = (rows: FeedRevocation[]) =>
      rows.map((r) => r.session_id).filter((id) => expected.includes(id));

    // From the start of the feed, one page of all and pages of one, each row once.
    const whole = await readToEnd(http, '');
    expect(ours(whole.rows)).toEqual(expected);
    const single = await readToEnd(http, '', 1);
    expect(ours(single.rows)).toEqual(expected);
    expect(single.rows.map((r) => r.cursor)).toEqual(whole.rows.map((r) => r.cursor));
    expect(single.cursor).toBe(whole.cursor);
    // The first rows of the feed are these, the oldest transactions.
    expect(whole.rows.slice(0, 4).map((r) => r.session_id)).toEqual(expected);
  });

  it('lists every concurrently revoked session exactly once while a reader pages the feed', async () => {
    const singleUsers = [3101, 3102, 3103, 3104];
    const adminUser = 3105;
    const bulkUser = 3106;
    const singles = new Map<number, string[]>();
    for (const u of singleUsers) singles.set(u, await seedSessions(a, u, 15));
    const adminIds = await seedSessions(a, adminUser, 15);
    const bulkIds = await seedSessions(a, bulkUser, 5);
    const expectedIds = [...[...singles.values()].flat(), ...adminIds, ...bulkIds];
    expect(expectedIds).toHaveLength(80);
    const head = await feedHead();

    const ops: (() => Promise<void>)[] = [];
    for (const [u, ids] of singles) {
      for (const id of ids) ops.push(async () => void (await revokeAsUser(u, id).expect(204)));
    }
    for (const id of adminIds) ops.push(async () => void (await revokeAsAdmin(id).expect(204)));
    ops.push(async () => {
      const res = await request(http)
        .delete(`/sessions/user/${bulkUser}/sessions`)
        .set(...bearer(tokenFor(bulkUser)))
        .expect(200);
      expect(res.body).toEqual({ revoked: 5 });
    });
    // Interleave the kinds of revocation, then run them in concurrent chunks.
    const shuffled = ops
      .map((op, i) => ({ op, key: (i * 37) % ops.length }))
      .sort((x, y) => x.key - y.key)
      .map((x) => x.op);

    let writersDone = false;
    const collected: FeedRevocation[] = [];
    let pagesWhileWriting = 0;
    const reader = (async () => {
      let cursor = head;
      const deadline = Date.now() + 20_000;
      while (collected.length < expectedIds.length && Date.now() < deadline) {
        const page = await readPage(http, cursor, 7);
        expect(page.revocations.length).toBeLessThanOrEqual(7);
        collected.push(...page.revocations);
        if (!writersDone) pagesWhileWriting++;
        cursor = page.next_cursor;
        if (!page.has_more) await sleep(writersDone ? 50 : 10);
      }
      return cursor;
    })();

    const writers = (async () => {
      for (let i = 0; i < shuffled.length; i += 20) {
        await Promise.all(shuffled.slice(i, i + 20).map((op) => op()));
      }
    })().finally(() => (writersDone = true));

    const [cursor] = await Promise.all([reader, writers]);
    // The reader really did page the feed while revocations were being written.
    expect(pagesWhileWriting).toBeGreaterThan(0);

    const sessionIds = collected.map((r) => r.session_id);
    expect(new Set(sessionIds).size).toBe(sessionIds.length);
    expect(new Set(collected.map((r) => r.cursor)).size).toBe(collected.length);
    expect([...sessionIds].sort()).toEqual([...expectedIds].sort());

    // Nothing more turns up once the writers are done.
    expect((await readToEnd(http, cursor)).rows).toEqual([]);

    const [{ revoked }] = await a.dataSource.query<{ revoked: number }[]>(
      `SELECT count(*)::int AS revoked FROM session_service.sessions WHERE user_id = ANY($1) AND revoked_at IS NOT NULL`,
      [[...singleUsers, adminUser, bulkUser]],
    );
    expect(revoked).toBe(80);
    expect(collected).toHaveLength(revoked);
    const [{ logged }] = await a.dataSource.query<{ logged: number }[]>(
      `SELECT count(*)::int AS logged FROM session_service.session_revocations WHERE session_id = ANY($1::uuid[])`,
      [expectedIds],
    );
    expect(logged).toBe(80);
  });

  it('records a repeated revocation of one session once', async () => {
    const userId = 3201;
    const [id] = await seedSessions(a, userId, 1);
    const head = await feedHead();

    await revokeAsUser(userId, id).expect(204);
    await revokeAsUser(userId, id).expect(204);
    await revokeAsAdmin(id, 'again').expect(204);

    const { rows } = await readToEnd(http, head);
    expect(rows.map((r) => r.session_id)).toEqual([id]);
    expect(rows[0]).toMatchObject({ revoked_by: `user:${userId}`, reason: 'signed out' });
  });

  it('records five concurrent revocations of one session once, with one revoked_at', async () => {
    const userId = 3202;
    const [id] = await seedSessions(a, userId, 1);
    const head = await feedHead();

    const results = await Promise.all([
      revokeAsUser(userId, id),
      revokeAsAdmin(id, 'race 1'),
      revokeAsUser(userId, id),
      revokeAsAdmin(id, 'race 2'),
      revokeAsUser(userId, id),
    ]);
    expect(results.map((r) => r.status)).toEqual([204, 204, 204, 204, 204]);

    const { rows } = await readToEnd(http, head);
    expect(rows.map((r) => r.session_id)).toEqual([id]);

    const [session] = await a.dataSource.query<
      { revoked_at: Date; revoked_by: string; revoke_reason: string | null }[]
    >(`SELECT revoked_at, revoked_by, revoke_reason FROM session_service.sessions WHERE id = $1`, [
      id,
    ]);
    expect(rows[0].revoked_at).toBe(session.revoked_at.toISOString());
    expect(rows[0].revoked_by).toBe(session.revoked_by);
    expect(rows[0].reason).toBe(session.revoke_reason ?? undefined);
    const logged = await a.dataSource.query<{ revoked_at: Date }[]>(
      `SELECT revoked_at FROM session_service.session_revocations WHERE session_id = $1`,
      [id],
    );
    expect(logged).toHaveLength(1);
    expect(logged[0].revoked_at.toISOString()).toBe(session.revoked_at.toISOString());
  });

  it('serves a revocation made through one instance from another', async () => {
    const userId = 3301;
    const [id] = await seedSessions(a, userId, 1);
    const head = await feedHead();
    const b = await createTestApp({ REVOCATION_FEED_POLL_MS: POLL_MS });
    try {
      await revokeAsAdmin(id, 'cross instance').expect(204);
      const { rows } = await readToEnd(b.app.getHttpServer(), head);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        session_id: id,
        user_id: String(userId),
        revoked_by: 'admin:1',
        reason: 'cross instance',
      });
    } finally {
      await b.close();
    }
  });

  it('holds back a later commit while an older transaction is open, so a reader misses neither', async () => {
    const userId = 3601;
    const [early, late] = await seedSessions(a, userId, 2);
    const head = await feedHead();
    const slow = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await slow.connect();
    let open = false;
    try {
      // A slow revocation: its transaction takes an id first and commits last.
      await slow.query('BEGIN');
      open = true;
      await slow.query(
        `WITH r AS (
           UPDATE session_service.sessions SET revoked_at = now(), revoked_by = 'test', revoke_reason = 'slow'
            WHERE id = $1 RETURNING id, user_id, revoked_at, revoked_by, revoke_reason)
         INSERT INTO session_service.session_revocations (session_id, user_id, revoked_at, revoked_by, reason)
         SELECT id, user_id, revoked_at, revoked_by, revoke_reason FROM r`,
        [early],
      );
      await revokeAsUser(userId, late).expect(204);

      // The later revocation is committed, but serving it now would move readers past the slow one.
      expect(await readPage(http, head, 100)).toEqual({
        revocations: [],
        next_cursor: head,
        has_more: false,
      });

      await slow.query('COMMIT');
      open = false;
    } finally {
      if (open) await slow.query('ROLLBACK').catch(() => undefined);
      await slow.end();
    }

    const { rows } = await readToEnd(http, head, 1);
    expect(rows.map((r) => r.session_id)).toEqual([early, late]);
  });

  describe('stream (Server-Sent Events)', () => {
    let b: TestApp;
    let baseUrl: string;
    const streams: { close(): void }[] = [];

    beforeAll(async () => {
      b = await createTestApp({ REVOCATION_FEED_POLL_MS: POLL_MS });
      await b.app.listen(0, '127.0.0.1');
      const address = (b.app.getHttpServer() as { address(): AddressInfo }).address();
      baseUrl = `http://127.0.0.1:${address.port}`;
    });

    afterEach(() => {
      for (const s of streams.splice(0)) s.close();
    });

    afterAll(() => b?.close());

    const open = (path: string, headers: Record<string, string> = {}) => {
      const stream = openStream(baseUrl, path, {
        Authorization: `Bearer ${serviceToken()}`,
        Accept: 'text/event-stream',
        ...headers,
      });
      streams.push(stream);
      return stream;
    };

    it('pushes a revocation made through another instance, and resumes after Last-Event-ID', async () => {
      const userId = 3401;
      const [first, second] = await seedSessions(a, userId, 2);
      const head = await feedHead();

      const stream = open(`${STREAM}?after=${encodeURIComponent(head)}`);
      await revokeAsAdmin(first, 'stream test').expect(204);
      const event = await stream.waitFor((e) => e.data.includes(first));
      expect(await stream.response).toEqual({
        status: 200,
        contentType: expect.stringMatching(/^text\/event-stream/),
      });
      expect(event.event).toBe('revocation');
      const data = JSON.parse(event.data) as FeedRevocation;
      expect(data).toMatchObject({
        session_id: first,
        user_id: String(userId),
        revoked_by: 'admin:1',
        reason: 'stream test',
      });
      expect(event.id).toBe(data.cursor);
      // It is the first event after the cursor: nothing older was replayed.
      expect(JSON.parse(stream.events[0].data)).toMatchObject({ session_id: first });
      stream.close();

      const resumed = open(STREAM, { 'Last-Event-ID': event.id ?? '' });
      await revokeAsAdmin(second, 'stream test').expect(204);
      await resumed.waitFor((e) => e.data.includes(second));
      expect(resumed.events.map((e) => (JSON.parse(e.data) as FeedRevocation).session_id)).toEqual([
        second,
      ]);
      expect(resumed.events[0].id).toBe(
        (JSON.parse(resumed.events[0].data) as FeedRevocation).cursor,
      );
    });

    it('replays from the start of the feed without a cursor', async () => {
      const userId = 3402;
      const [id] = await seedSessions(a, userId, 1);
      await revokeAsUser(userId, id).expect(204);
      const stream = open(STREAM);
      await stream.waitFor((e) => e.data.includes(id));
      const sessionIds = stream.events.map(
        (e) => (JSON.parse(e.data) as FeedRevocation).session_id,
      );
      expect(sessionIds.filter((s) => s === id)).toHaveLength(1);
    });

    it('ends the stream at the token exp with a token-expired event, and sends nothing after it', async () => {
      const userId = 3404;
      const [before, after] = await seedSessions(a, userId, 2);
      const head = await feedHead();
      const shortLived = tokenFor(2, { roles: [SERVICE_ROLE], expiresIn: 2 });
      const { exp: expiresAt } = JSON.parse(
        Buffer.from(shortLived.split('.')[1], 'base64url').toString(),
      ) as { exp: number };
      const stream = open(`${STREAM}?after=${encodeURIComponent(head)}`, {
        Authorization: `Bearer ${shortLived}`,
      });
      await revokeAsAdmin(before, 'stream expiry').expect(204);
      const revocation = await stream.waitFor((e) => e.data.includes(before));

      const expired = await stream.waitFor((e) => e.event === 'token-expired', 5000);
      // Its id keeps the client's last event id at the position (not a number Nest made up).
      expect(expired.id).toBe(revocation.id);
      expect(Date.now()).toBeGreaterThanOrEqual(expiresAt * 1000 - 50);
      expect(JSON.parse(expired.data)).toEqual({
        reason: 'token_expired',
        expired_at: new Date(expiresAt * 1000).toISOString(),
        cursor: revocation.id,
      });
      // The stream is over: the server ended the response, and a later revocation is not sent.
      await pollUntil(
        () => Promise.resolve(stream.state.ended),
        Boolean,
        2000,
        'the end of the stream',
      );
      await revokeAsAdmin(after, 'stream expiry').expect(204);
      await sleep(4 * Number(POLL_MS));
      expect(stream.events.map((e) => e.event)).toEqual(['revocation', 'token-expired']);
      expect(stream.events.some((e) => e.data.includes(after))).toBe(false);
    });

    it('ends with a shutdown event whose id is the position, and Last-Event-ID resumes there', async () => {
      const userId = 3405;
      const [first, second] = await seedSessions(a, userId, 2);
      const head = await feedHead();
      const closing = await createTestApp({ REVOCATION_FEED_POLL_MS: POLL_MS });
      let closed = false;
      try {
        await closing.app.listen(0, '127.0.0.1');
        const { port } = (closing.app.getHttpServer() as { address(): AddressInfo }).address();
        const stream = openStream(
          `http://127.0.0.1:${port}`,
          `${STREAM}?after=${encodeURIComponent(head)}`,
          { Authorization: `Bearer ${serviceToken()}`, Accept: 'text/event-stream' },
        );
        streams.push(stream);
        await revokeAsAdmin(first, 'shutdown id').expect(204);
        const revocation = await stream.waitFor((e) => e.data.includes(first));
        await closing.close();
        closed = true;
        const shutdown = await stream.waitFor((e) => e.event === 'shutdown');
        expect(shutdown.id).toBe(revocation.id);

        // The reconnection an EventSource makes (to another instance) resumes after it.
        await revokeAsAdmin(second, 'shutdown id').expect(204);
        const resumed = open(STREAM, { 'Last-Event-ID': shutdown.id ?? '' });
        expect((await resumed.response).status).toBe(200);
        const next = await resumed.waitFor((e) => e.event === 'revocation');
        expect((JSON.parse(next.data) as FeedRevocation).session_id).toBe(second);
      } finally {
        if (!closed) await closing.close();
      }
    });

    it('keeps the stream of a long-lived token open past a short-lived one', async () => {
      const stream = open(STREAM);
      await sleep(500);
      expect(stream.state.ended).toBe(false);
      expect(stream.events.some((e) => e.event === 'token-expired')).toBe(false);
    });

    it('answers a bad Last-Event-ID or after with a 400 Problem', async () => {
      const badHeader = await request(http)
        .get(STREAM)
        .set('Last-Event-ID', 'not-a-cursor')
        .set(...bearer(serviceToken()));
      const body = expectProblem(badHeader, 400);
      expect(body.errors).toEqual([expect.objectContaining({ field: 'Last-Event-ID' })]);

      const badQuery = await request(http)
        .get(STREAM)
        .query({ after: 'v1.!!' })
        .set(...bearer(serviceToken()));
      const queryBody = expectProblem(badQuery, 400);
      expect(queryBody.errors).toEqual([expect.objectContaining({ field: 'after' })]);
    });

    it('refuses the stream to a plain user token (403) and without a token (401)', async () => {
      expectProblem(
        await request(http)
          .get(STREAM)
          .set(...bearer(tokenFor(3403))),
        403,
      );
      expectProblem(await request(http).get(STREAM), 401);
    });
  });

  describe('access and validation', () => {
    it('403 for a plain user token', async () => {
      const res = await request(http)
        .get(FEED)
        .set(...bearer(tokenFor(3501)));
      expectProblem(res, 403);
    });

    it('401 without a token', async () => {
      expectProblem(await request(http).get(FEED), 401);
    });

    it('200 for an admin token', async () => {
      const res = await request(http)
        .get(FEED)
        .query({ limit: 1 })
        .set(...bearer(adminToken()))
        .expect(200);
      expect(res.body).toEqual({
        revocations: expect.any(Array),
        next_cursor: expect.stringMatching(/^v1\./),
        has_more: expect.any(Boolean),
      });
    });

    it.each(['0', '1001', 'x', '1.5', '-1'])('400 naming limit for limit=%s', async (limit) => {
      const res = await request(http)
        .get(FEED)
        .query({ limit })
        .set(...bearer(serviceToken()));
      const body = expectProblem(res, 400);
      expect(body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'limit' })]),
      );
    });

    it.each(['1', '1000'])('accepts limit=%s', async (limit) => {
      await request(http)
        .get(FEED)
        .query({ limit })
        .set(...bearer(serviceToken()))
        .expect(200);
    });

    it.each([
      ['garbage', 'garbage'],
      ['wrong prefix', `v2.${Buffer.from('1:1').toString('base64url')}`],
      ['not numbers', `v1.${Buffer.from('a:b').toString('base64url')}`],
      ['extra part', `v1.${Buffer.from('1:2:3').toString('base64url')}`],
      ['stray characters', `v1.${Buffer.from('1:2').toString('base64url')}!`],
    ])('400 naming after for a cursor that is %s', async (_name, after) => {
      const res = await request(http)
        .get(FEED)
        .query({ after })
        .set(...bearer(serviceToken()));
      const body = expectProblem(res, 400);
      expect(body.errors).toEqual([expect.objectContaining({ field: 'after' })]);
    });
  });
});
