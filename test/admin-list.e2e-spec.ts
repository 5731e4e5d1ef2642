import { randomUUID } from 'node:crypto';
import { get as httpGet, type ClientRequest, type IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { OpenAPIV3 } from 'openapi-types';
import { Client } from 'pg';
import request from 'supertest';
import type { App } from 'supertest/types';
import type { DataSource } from 'typeorm';
import { insertUser } from './support/factories';
import { expectProblem, expectSchema } from './support/schemas';
import { SessionsRepository } from '../libs/sessions/src/sessions.repository';
import { TcpProxy } from './support/tcp-proxy';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, bearer, SERVICE_ROLE, serviceToken, tokenFor } from './support/tokens';
import { pollUntil } from './support/wait';

/** One session of the admin list, as the seed contract shapes it. */
interface AdminSessionJson {
  session_id: string;
  user_id: number;
  created_at: string;
  expires_at: string;
  last_activity: string;
  ip_address: string;
  user_agent: string;
  auth_method: string;
  is_active: boolean;
  username: string;
}

interface ListBody {
  sessions: AdminSessionJson[];
  total: number;
  next_cursor?: string | null;
}

type Query = Record<string, string | number>;

/** Generous limits: these specs make hundreds of requests with one admin token. */
const NO_RATE_LIMITS = { RATE_LIMIT_IP_PER_MINUTE: '100000', RATE_LIMIT_USER_PER_MINUTE: '100000' };

const ACTIVE_SQL = `revoked_at IS NULL AND expires_at > now() AND idle_expires_at > now()`;

const adminList = (http: App, query: Query = {}) =>
  request(http)
    .get('/api/sessions/all')
    .query(query)
    .set(...bearer(adminToken()));

const ids = (body: ListBody): string[] => body.sessions.map((s) => s.session_id);

/** Follows next_cursor from the first page to the last; checks each page's shape on the way. */
async function walkPages(
  http: App,
  query: Query,
  limit: number,
  startCursor?: string,
): Promise<{ pages: ListBody[]; ids: string[] }> {
  const pages: ListBody[] = [];
  let cursor = startCursor;
  for (let i = 0; i < 1000; i++) {
    const res = await adminList(http, {
      ...query,
      limit,
      ...(cursor === undefined ? {} : { cursor }),
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.body as ListBody;
    expect(Object.keys(body).sort()).toEqual(['next_cursor', 'sessions', 'total']);
    const { next_cursor: next, ...rest } = body;
    expectSchema('adminSessionList', rest);
    expect(body.total).toBe(body.sessions.length);
    expect(body.sessions.length).toBeLessThanOrEqual(limit);
    pages.push(body);
    if (next === null) return { pages, ids: pages.flatMap(ids) };
    expect(typeof next).toBe('string');
    // A page that promises more is full.
    expect(body.sessions.length).toBe(limit);
    cursor = next;
  }
  throw new Error('more than 1000 pages: the cursor does not advance');
}

/** Active session ids in the order the contract defines, straight from the table. */
async function activeIdsInDb(dataSource: DataSource): Promise<string[]> {
  const rows: { id: string }[] = await dataSource.query(
    `SELECT id FROM session_service.sessions WHERE ${ACTIVE_SQL} ORDER BY last_active_at DESC, id DESC`,
  );
  return rows.map((r) => r.id);
}

/** Asserts last_activity DESC, then session_id DESC (uuid order is the hex text order). */
function expectContractOrder(sessions: AdminSessionJson[]): void {
  for (let i = 1; i < sessions.length; i++) {
    const a = sessions[i - 1];
    const b = sessions[i];
    const ta = Date.parse(a.last_activity);
    const tb = Date.parse(b.last_activity);
    if (ta === tb) {
      if (!(a.session_id > b.session_id)) {
        throw new Error(`tie at ${a.last_activity} not ordered by id DESC at index ${i}`);
      }
    } else if (!(ta > tb)) {
      throw new Error(`not ordered by last_activity DESC at index ${i}`);
    }
  }
}

/**
 * Bulk data: `active` active sessions over `users` users (last_active_at in
 * whole seconds, so many share a second), a block of `tieBlock` sessions that
 * share one exact last_active_at, and revoked, expired and idle-expired ones
 * spread over the same time range.
 */
async function seedBulk(
  dataSource: DataSource,
  { active, tieBlock, inactive }: { active: number; tieBlock: number; inactive: number },
): Promise<void> {
  await dataSource.query(
    `INSERT INTO session_service.users (id, username) SELECT g, 'bulk-' || g FROM generate_series(5000, 5049) g`,
  );
  const insert = (
    count: number,
    lastActive: string,
    idleExpires: string,
    expires: string,
    revoked: boolean,
  ) =>
    dataSource.query(
      `INSERT INTO session_service.sessions (user_id, device_type, ip, user_agent, amr, created_at, authenticated_at,
                             last_active_at, idle_expires_at, expires_at, revoked_at, revoked_by, revoke_reason)
       SELECT 5000 + g % 50, 'desktop',
              ('10.' || (g / 65536) % 256 || '.' || (g / 256) % 256 || '.' || g % 256)::inet,
              'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', ARRAY['pwd', 'otp'],
              now() - interval '2 hours', now() - interval '2 hours',
              ${lastActive}, ${idleExpires}, ${expires},
              CASE WHEN $2::boolean THEN now() END, CASE WHEN $2::boolean THEN 'test' END,
              CASE WHEN $2::boolean THEN 'test' END
         FROM generate_series(1, $1::int) g`,
      [count, revoked],
    );
  const spread = `date_trunc('second', now()) - make_interval(secs => g % 600 + 1)`;
  const live = [`now() + interval '30 minutes'`, `now() + interval '1 hour'`] as const;
  await insert(active, spread, ...live, false);
  await insert(tieBlock, `date_trunc('second', now()) - interval '300 seconds'`, ...live, false);
  await insert(inactive, spread, ...live, true);
  await insert(
    inactive,
    spread,
    `now() - interval '1 second'`,
    `now() - interval '1 second'`,
    false,
  );
  await insert(inactive, spread, `now() - interval '1 second'`, live[1], false);
}

describe('GET /api/sessions/all (admin list)', () => {
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    t = await createTestApp(NO_RATE_LIMITS);
    http = t.app.getHttpServer();
    await resetDatabase(t.dataSource);
  });

  afterAll(() => t.close());

  describe('an empty store', () => {
    it('streams exactly {"sessions":[],"total":0}', async () => {
      const res = await adminList(http).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.text).toBe('{"sessions":[],"total":0}');
    });

    it('answers a single last page with next_cursor null when paged', async () => {
      const res = await adminList(http, { limit: 5 }).expect(200);
      expect(res.body).toEqual({ sessions: [], total: 0, next_cursor: null });
    });
  });

  describe('2,500 active sessions among revoked and expired ones', () => {
    const ACTIVE = 2200;
    const TIE_BLOCK = 300;
    let streamed: ListBody;

    beforeAll(async () => {
      await resetDatabase(t.dataSource);
      await seedBulk(t.dataSource, { active: ACTIVE, tieBlock: TIE_BLOCK, inactive: 100 });
    });

    it('streams every active session, and only those, in the seed shape and contract order', async () => {
      const res = await adminList(http).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      streamed = res.body as ListBody;
      expectSchema('adminSessionList', streamed);
      expect(Object.keys(streamed).sort()).toEqual(['sessions', 'total']);

      const [{ n }]: { n: number }[] = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM session_service.sessions WHERE ${ACTIVE_SQL}`,
      );
      expect(n).toBe(ACTIVE + TIE_BLOCK);
      expect(streamed.total).toBe(n);
      expect(streamed.sessions).toHaveLength(n);
      expect(new Set(ids(streamed)).size).toBe(n);
      expect(streamed.sessions.every((s) => s.is_active)).toBe(true);
      expectContractOrder(streamed.sessions);
      expect(ids(streamed)).toEqual(await activeIdsInDb(t.dataSource));
      expect(streamed.sessions[0]).toMatchObject({
        auth_method: 'pwd',
        username: `bulk-${streamed.sessions[0].user_id}`,
      });
    });

    it('reads the list from its cursor 100 rows first, then 1,000 at a time', async () => {
      // A smaller first FETCH sends the first bytes sooner; the later ones keep the rate.
      const { batches, release } = await t.app.get(SessionsRepository).streamActive();
      const sizes: number[] = [];
      try {
        for await (const batch of batches) sizes.push(batch.length);
      } finally {
        release();
      }
      expect(sizes).toEqual([100, 1000, 1000, ACTIVE + TIE_BLOCK - 2100]);
    });

    it('pages with limit=97 to exactly the streamed list, stable across a 300-session tie', async () => {
      const { pages, ids: paged } = await walkPages(http, {}, 97);
      expect(pages).toHaveLength(Math.ceil((ACTIVE + TIE_BLOCK) / 97));
      expect(pages.at(-1)?.next_cursor).toBeNull();
      expect(new Set(paged).size).toBe(paged.length);
      expect(paged).toEqual(ids(streamed));
      // Every field of every item, as the pages map them, is what the stream sent.
      expect(pages.flatMap((page) => page.sessions)).toEqual(streamed.sessions);

      // The tie block really crosses page boundaries: the cursor had to break ties by id.
      const boundariesInsideTies = pages
        .slice(1)
        .filter(
          (page, i) => page.sessions[0].last_activity === pages[i].sessions.at(-1)?.last_activity,
        );
      expect(boundariesInsideTies.length).toBeGreaterThanOrEqual(2);
    });

    it('does not skip or repeat sessions when one on a page already read is revoked mid-walk', async () => {
      const expected = ids(streamed);
      const first = (await adminList(http, { limit: 97 }).expect(200)).body as ListBody;
      const second = (
        await adminList(http, { limit: 97, cursor: first.next_cursor as string }).expect(200)
      ).body as ListBody;
      expect([...ids(first), ...ids(second)]).toEqual(expected.slice(0, 194));

      // One on the first page, and the very row the cursor points after.
      for (const id of [first.sessions[10].session_id, second.sessions[96].session_id]) {
        await request(http)
          .delete(`/api/sessions/${id}`)
          .set(...bearer(adminToken()))
          .expect(204);
      }
      const rest = await walkPages(http, {}, 97, second.next_cursor as string);
      expect(rest.ids).toEqual(expected.slice(194));
      expect(new Set([...ids(first), ...ids(second), ...rest.ids]).size).toBe(expected.length);
    });
  });

  describe('filters', () => {
    type State = 'active' | 'revoked' | 'expired' | 'idle';
    interface Spec {
      id: string;
      userId: number;
      ip: string;
      amr: string[];
      deviceType: string;
      /** Whole seconds relative to `base`. */
      lastActive: number;
      state: State;
    }
    const IPS = [
      '198.51.100.7',
      '198.51.100.200',
      '198.51.101.7',
      '203.0.113.9',
      '2001:db8:1::1',
      '2001:db8:1::abcd',
      '2001:db8:1::ffff:1',
      '2001:db8:2::1',
      '10.0.0.1',
    ];
    const AMRS = [['pwd', 'otp'], ['otp', 'pwd'], ['webauthn'], ['pwd']];
    const DEVICES = ['desktop', 'mobile', 'tablet', 'desktop', 'bot'];
    const specs: Spec[] = Array.from({ length: 60 }, (_, i) => ({
      id: randomUUID(),
      userId: 201 + (i % 3),
      ip: IPS[i % IPS.length],
      amr: AMRS[i % AMRS.length],
      deviceType: DEVICES[i % DEVICES.length],
      lastActive: -60 * (1 + (i % 7)),
      state: i % 8 === 5 ? 'revoked' : i % 11 === 3 ? 'expired' : i % 13 === 4 ? 'idle' : 'active',
    }));
    let base: Date;
    const iso = (offsetSeconds: number, extraMs = 0) =>
      new Date(base.getTime() + offsetSeconds * 1000 + extraMs).toISOString();

    beforeAll(async () => {
      await resetDatabase(t.dataSource);
      await insertUser(t.dataSource, 201, 'ana');
      await insertUser(t.dataSource, 202, 'ben');
      await insertUser(t.dataSource, 203, 'cy');
      // One statement: every last_active_at is an exact whole second from one `base`.
      const [row]: { base: Date }[] = await t.dataSource.query(
        `WITH ins AS (
           INSERT INTO session_service.sessions (id, user_id, device_type, ip, user_agent, amr, created_at, authenticated_at,
                                 last_active_at, idle_expires_at, expires_at, revoked_at, revoked_by, revoke_reason)
           SELECT x.id, x.user_id, x.device_type, x.ip, 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
                  string_to_array(x.amr, ','), now() - interval '2 hours', now() - interval '2 hours',
                  date_trunc('second', now()) + make_interval(secs => x.last_active),
                  now() + make_interval(secs => CASE x.state WHEN 'active' THEN 1800 WHEN 'revoked' THEN 1800 ELSE -5 END),
                  now() + make_interval(secs => CASE x.state WHEN 'expired' THEN -5 ELSE 3600 END),
                  CASE WHEN x.state = 'revoked' THEN now() END,
                  CASE WHEN x.state = 'revoked' THEN 'test' END, CASE WHEN x.state = 'revoked' THEN 'test' END
             FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::inet[], $5::text[], $6::int[], $7::text[])
                  AS x (id, user_id, device_type, ip, amr, last_active, state)
           RETURNING 1
         )
         SELECT date_trunc('second', now()) AS base, (SELECT count(*) FROM ins) AS n`,
        [
          specs.map((s) => s.id),
          specs.map((s) => s.userId),
          specs.map((s) => s.deviceType),
          specs.map((s) => s.ip),
          specs.map((s) => s.amr.join(',')),
          specs.map((s) => s.lastActive),
          specs.map((s) => s.state),
        ],
      );
      base = row.base;
    });

    const inBlock = (address: string, cidr: string): boolean => {
      const [network, prefix] = cidr.split('/');
      const family = isIP(network) === 6 ? 'ipv6' : 'ipv4';
      if (isIP(address) !== isIP(network)) return false;
      const block = new BlockList();
      if (prefix === undefined) block.addAddress(network, family);
      else block.addSubnet(network, Number(prefix), family);
      return block.check(address, family);
    };

    /** The expectation, computed from the seed alone: active, matching, newest first, then id DESC. */
    const expectedIds = (match: (s: Spec) => boolean): string[] =>
      specs
        .filter((s) => s.state === 'active' && match(s))
        .sort((a, b) => b.lastActive - a.lastActive || (a.id < b.id ? 1 : -1))
        .map((s) => s.id);

    const cases: [string, () => Query, (s: Spec) => boolean][] = [
      ['user_id', () => ({ user_id: 202 }), (s) => s.userId === 202],
      ['exact IPv4', () => ({ ip: '198.51.100.7' }), (s) => s.ip === '198.51.100.7'],
      ['IPv4 /24', () => ({ ip: '198.51.100.0/24' }), (s) => inBlock(s.ip, '198.51.100.0/24')],
      ['exact IPv6', () => ({ ip: '2001:db8:1::1' }), (s) => s.ip === '2001:db8:1::1'],
      ['IPv6 /64', () => ({ ip: '2001:db8:1::/64' }), (s) => inBlock(s.ip, '2001:db8:1::/64')],
      ['auth_method (first entry only)', () => ({ auth_method: 'otp' }), (s) => s.amr[0] === 'otp'],
      ['device_type', () => ({ device_type: 'mobile' }), (s) => s.deviceType === 'mobile'],
      [
        'active_since (inclusive bound)',
        () => ({ active_since: iso(-180) }),
        (s) => s.lastActive >= -180,
      ],
      [
        'active_since one millisecond later',
        () => ({ active_since: iso(-180, 1) }),
        (s) => s.lastActive > -180,
      ],
      [
        'user_id + device_type + active_since',
        () => ({ user_id: 201, device_type: 'desktop', active_since: iso(-300) }),
        (s) => s.userId === 201 && s.deviceType === 'desktop' && s.lastActive >= -300,
      ],
      [
        'IPv6 /64 + auth_method',
        () => ({ ip: '2001:db8:1::/64', auth_method: 'pwd' }),
        (s) => inBlock(s.ip, '2001:db8:1::/64') && s.amr[0] === 'pwd',
      ],
      [
        'IPv4 /24 + user_id',
        () => ({ ip: '198.51.100.0/24', user_id: 202 }),
        (s) => inBlock(s.ip, '198.51.100.0/24') && s.userId === 202,
      ],
    ];

    it.each(cases)(
      '%s: streamed and paged lists match the expectation',
      async (_name, query, match) => {
        const expected = expectedIds(match);
        const allActive = specs.filter((s) => s.state === 'active').length;
        // A meaningful case: it keeps some sessions and drops others.
        expect(expected.length).toBeGreaterThan(0);
        expect(expected.length).toBeLessThan(allActive);
        // Inactive sessions that would match are present, and must stay out.
        expect(specs.some((s) => s.state !== 'active' && match(s))).toBe(true);

        const res = await adminList(http, query()).expect(200);
        const body = res.body as ListBody;
        expectSchema('adminSessionList', body);
        expect(ids(body)).toEqual(expected);
        expect(body.total).toBe(expected.length);

        const paged = await walkPages(http, query(), 2);
        expect(paged.ids).toEqual(expected);
        expect(paged.pages).toHaveLength(Math.ceil(expected.length / 2));
      },
    );

    it('returns the fields of the matching sessions as seeded', async () => {
      const res = await adminList(http, { ip: '2001:db8:1::ffff:1' }).expect(200);
      const body = res.body as ListBody;
      const expected = specs.filter((s) => s.state === 'active' && s.ip === '2001:db8:1::ffff:1');
      expect(body.total).toBe(expected.length);
      for (const session of body.sessions) {
        const spec = expected.find((s) => s.id === session.session_id);
        expect(spec).toBeDefined();
        expect(session).toMatchObject({
          user_id: spec?.userId,
          ip_address: '2001:db8:1::ffff:1',
          auth_method: spec?.amr[0],
          username: { 201: 'ana', 202: 'ben', 203: 'cy' }[spec?.userId ?? 0],
          is_active: true,
          last_activity: iso(spec?.lastActive ?? 0),
        });
      }
    });

    it('answers an empty list for a filter nothing matches, streamed and paged', async () => {
      const streamedRes = await adminList(http, { user_id: 999 }).expect(200);
      expect(streamedRes.text).toBe('{"sessions":[],"total":0}');
      const pagedRes = await adminList(http, { user_id: 999, limit: 10 }).expect(200);
      expect(pagedRes.body).toEqual({ sessions: [], total: 0, next_cursor: null });
    });
  });

  describe('validation and access', () => {
    let realCursor: string;

    beforeAll(async () => {
      await resetDatabase(t.dataSource);
      await insertUser(t.dataSource, 301, 'dee');
      await t.dataSource.query(
        `INSERT INTO session_service.sessions (user_id, device_type, ip, user_agent, amr, authenticated_at, last_active_at,
                               idle_expires_at, expires_at)
         SELECT 301, 'desktop', '192.0.2.1', 'curl/8.5.0', ARRAY['pwd'], now(),
                now() - make_interval(secs => g), now() + interval '30 minutes', now() + interval '1 hour'
           FROM generate_series(1, 5) g`,
      );
      const first = (await adminList(http, { limit: 2 }).expect(200)).body as ListBody;
      realCursor = first.next_cursor as string;
      expect(typeof realCursor).toBe('string');
    });

    const forge = (text: string) => `k1.${Buffer.from(text, 'utf8').toString('base64url')}`;
    const uuid = '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10';

    const invalid: [string, () => Query, string][] = [
      ['ip with a /33 prefix', () => ({ ip: '10.0.0.0/33' }), 'ip'],
      ['ip that is not an address', () => ({ ip: 'nope' }), 'ip'],
      ['IPv6 with a /129 prefix', () => ({ ip: '2001:db8::/129' }), 'ip'],
      ['limit 0', () => ({ limit: 0 }), 'limit'],
      ['limit 1001', () => ({ limit: 1001 }), 'limit'],
      ['limit x', () => ({ limit: 'x' }), 'limit'],
      ['limit 1.5', () => ({ limit: '1.5' }), 'limit'],
      ['active_since yesterday', () => ({ active_since: 'yesterday' }), 'active_since'],
      ['device_type spaceship', () => ({ device_type: 'spaceship' }), 'device_type'],
      ['user_id 0', () => ({ user_id: '0' }), 'user_id'],
      ['user_id -4', () => ({ user_id: '-4' }), 'user_id'],
      ['auth_method unknown', () => ({ auth_method: 'telepathy' }), 'auth_method'],
      ['cursor without limit', () => ({ cursor: realCursor }), 'cursor'],
      ['garbled cursor', () => ({ limit: 2, cursor: 'not-a-cursor' }), 'cursor'],
      [
        // The first payload character carries the top bits of the timestamp's first digit,
        // so changing it can never land on another valid position (a changed last
        // character may decode to another well-formed id, which is a valid cursor).
        'cursor with its first payload character changed',
        () => ({
          limit: 2,
          cursor: `k1.${realCursor[3] === 'A' ? 'B' : 'A'}${realCursor.slice(4)}`,
        }),
        'cursor',
      ],
      [
        'cursor of another version',
        () => ({ limit: 2, cursor: `k2.${realCursor.slice(3)}` }),
        'cursor',
      ],
      [
        'forged cursor with a non-uuid id',
        () => ({ limit: 2, cursor: forge('2026-04-15 10:00:00+00|1 OR 1=1') }),
        'cursor',
      ],
      [
        'forged cursor with month 13',
        () => ({ limit: 2, cursor: forge(`2026-13-45 25:61:61+00|${uuid}`) }),
        'cursor',
      ],
      [
        'forged cursor with offset +99',
        () => ({ limit: 2, cursor: forge(`2026-04-15 10:00:00+99|${uuid}`) }),
        'cursor',
      ],
      [
        'forged cursor with year 0000',
        () => ({ limit: 2, cursor: forge(`0000-04-15 10:00:00+00|${uuid}`) }),
        'cursor',
      ],
    ];

    it.each(invalid)('400 for %s, naming the field', async (_name, query, field) => {
      const res = await adminList(http, query());
      const body = expectProblem(res, 400);
      expect(body.code).toBe(30240001);
      const errors = body.errors as { field: string }[];
      expect(errors.map((e) => e.field)).toContain(field);
    });

    it.each([
      ['streamed', {}],
      ['paged', { limit: 3 }],
    ])(
      'an ISO 8601 active_since PostgreSQL cannot read is a 200 list or a 400 Problem naming it, never anything else (%s)',
      async (_name, extra) => {
        for (const value of ['2026-W16-3', '2026-04-15T10Z']) {
          const res = await adminList(http, { ...extra, active_since: value });
          if (res.status === 200) {
            expectSchema('adminSessionList', {
              sessions: (res.body as ListBody).sessions,
              total: 0,
            });
          } else {
            const body = expectProblem(res, 400);
            expect((body.errors as { field: string }[]).map((e) => e.field)).toContain(
              'active_since',
            );
          }
        }
      },
    );

    it('a cursor keeps working with the filters it was made under', async () => {
      const next = await adminList(http, { limit: 2, cursor: realCursor, user_id: 301 }).expect(
        200,
      );
      expect((next.body as ListBody).sessions).toHaveLength(2);
    });

    it('401 without a token, before any parameter is looked at', async () => {
      for (const query of [{}, { limit: 0 }, { limit: 5 }]) {
        const res = await request(http).get('/api/sessions/all').query(query);
        expectProblem(res, 401);
        expect(res.headers['www-authenticate']).toBe('Bearer realm="session-service"');
      }
    });

    it.each([
      ['the service role', () => serviceToken()],
      ['a plain user', () => tokenFor(301)],
    ])('403 for a token with %s, streamed or paged', async (_name, token) => {
      for (const query of [{}, { limit: 5 }, { user_id: 301 }]) {
        const res = await request(http)
          .get('/api/sessions/all')
          .query(query)
          .set(...bearer(token()));
        const body = expectProblem(res, 403);
        expect(body.code).toBe(30240303);
      }
    });
  });

  describe('OpenAPI', () => {
    let doc: OpenAPIV3.Document;

    beforeAll(async () => {
      doc = (await request(http).get('/docs-json').expect(200)).body as OpenAPIV3.Document;
    });

    it('documents every query parameter of GET /api/sessions/all', () => {
      const parameters = (doc.paths['/api/sessions/all']?.get?.parameters ??
        []) as OpenAPIV3.ParameterObject[];
      const byName = new Map(parameters.map((p) => [p.name, p]));
      for (const name of [
        'limit',
        'cursor',
        'user_id',
        'ip',
        'auth_method',
        'device_type',
        'active_since',
      ]) {
        expect(byName.get(name), name).toMatchObject({ in: 'query', required: false });
      }
      expect(byName.get('limit')?.schema).toMatchObject({ minimum: 1, maximum: 1000 });
      expect((byName.get('device_type')?.schema as OpenAPIV3.SchemaObject).enum).toContain(
        'mobile',
      );
      expect((byName.get('auth_method')?.schema as OpenAPIV3.SchemaObject).enum).toContain('pwd');
    });

    it('documents next_cursor in AdminSessionListResponse', () => {
      const schema = doc.components?.schemas?.AdminSessionListResponse as OpenAPIV3.SchemaObject;
      expect(schema?.properties).toHaveProperty('next_cursor');
      expect(schema.properties?.next_cursor).toMatchObject({ type: 'string', nullable: true });
      expect(schema.required ?? []).not.toContain('next_cursor');
      expect(schema.required).toEqual(expect.arrayContaining(['sessions', 'total']));
    });
  });
});

describe('clients that disconnect mid-stream', () => {
  const SESSIONS = 5000;
  let t: TestApp;
  let port: number;
  let observer: Client;

  beforeAll(async () => {
    t = await createTestApp({ ...NO_RATE_LIMITS, DATABASE_POOL_SIZE: '2' });
    await resetDatabase(t.dataSource);
    await seedBulk(t.dataSource, { active: SESSIONS, tieBlock: 0, inactive: 0 });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as { port: number }).port;
    observer = new Client({
      connectionString: process.env.TEST_DATABASE_URL,
      application_name: 'admin-list-observer',
    });
    await observer.connect();
  });

  afterAll(async () => {
    await observer.end().catch(() => undefined);
    await t.close();
  });

  const pool = () =>
    (
      t.dataSource.driver as unknown as {
        master: { totalCount: number; idleCount: number; waitingCount: number };
      }
    ).master;

  const activeServiceQueries = async (): Promise<number> => {
    const result = await observer.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE application_name = $1 AND state = 'active' AND datname = current_database()`,
      [t.config.serviceName],
    );
    return result.rows[0].n;
  };

  /** Starts the full list and drops the connection after its first chunk; returns what it saw. */
  function abandonAfterFirstChunk(): Promise<{ status?: number; received: number }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error('no first chunk within 5 s'));
      }, 5000);
      const req: ClientRequest = httpGet(
        {
          host: '127.0.0.1',
          port,
          path: '/api/sessions/all',
          headers: { Authorization: `Bearer ${adminToken()}` },
        },
        (res: IncomingMessage) => {
          res.once('data', (chunk: Buffer) => {
            clearTimeout(timer);
            req.destroy();
            resolve({ status: res.statusCode, received: chunk.length });
          });
        },
      );
      req.on('error', () => undefined);
    });
  }

  const fullList = () =>
    request(`http://127.0.0.1:${port}`)
      .get('/api/sessions/all')
      .set(...bearer(adminToken()));

  it('gives the connection back after each of 5 abandoned streams', async () => {
    const full = await fullList().expect(200);
    const fullBytes = Buffer.byteLength(full.text);
    expect((full.body as ListBody).total).toBe(SESSIONS);

    for (let i = 0; i < 5; i++) {
      const { status, received } = await abandonAfterFirstChunk();
      expect(status).toBe(200);
      // Abandoned mid-list, not after it was all sent.
      expect(received).toBeLessThan(fullBytes);
    }

    // Pool of 2: a leaked connection per abandoned stream would make these wait and fail.
    for (let i = 0; i < 4; i++) {
      const started = Date.now();
      const page = await request(`http://127.0.0.1:${port}`)
        .get('/api/sessions/all')
        .query({ limit: 10 })
        .set(...bearer(adminToken()))
        .expect(200);
      expect((page.body as ListBody).sessions).toHaveLength(10);
      expect(Date.now() - started).toBeLessThan(1500);
    }
    const again = await fullList().expect(200);
    expect((again.body as ListBody).total).toBe(SESSIONS);

    await pollUntil(activeServiceQueries, (n) => n === 0, 5000, 'no active service query');
    await pollUntil(
      () => Promise.resolve(pool()),
      (p) => p.idleCount === p.totalCount && p.waitingCount === 0,
      5000,
      'every pooled connection idle',
    );
  });

  it('gives the connection back when the client leaves while the request waits for one', async () => {
    // Hold both pooled connections, so the list request waits for one.
    const holders = [t.dataSource.createQueryRunner(), t.dataSource.createQueryRunner()];
    for (const h of holders) await h.connect();
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      for (const h of holders) await h.release();
    };
    try {
      const req = httpGet({
        host: '127.0.0.1',
        port,
        path: '/api/sessions/all',
        headers: { Authorization: `Bearer ${adminToken()}` },
      });
      req.on('error', () => undefined);
      await pollUntil(
        () => Promise.resolve(pool().waitingCount),
        (n) => n >= 1,
        1500,
        'the list to wait',
      );
      req.destroy();
      await release();
    } finally {
      await release();
    }
    await pollUntil(
      () => Promise.resolve(pool()),
      (p) => p.idleCount === p.totalCount && p.waitingCount === 0,
      5000,
      'every pooled connection idle',
    );
    await pollUntil(activeServiceQueries, (n) => n === 0, 5000, 'no active service query');
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      await request(`http://127.0.0.1:${port}`)
        .get('/api/sessions/all')
        .query({ limit: 1 })
        .set(...bearer(adminToken()))
        .expect(200);
      expect(Date.now() - started).toBeLessThan(1500);
    }
  });
});

describe('read replicas (DATABASE_READ_URLS)', () => {
  const USER = 401;
  let proxy: TcpProxy;
  let t: TestApp;
  let http: App;
  let sessionId: string;

  beforeAll(async () => {
    const target = new URL(process.env.TEST_DATABASE_URL ?? '');
    proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    t = await createTestApp({
      ...NO_RATE_LIMITS,
      DATABASE_READ_URLS: proxy.rewrite(target.toString()),
      DATABASE_CONNECT_TIMEOUT_MS: '500',
    });
    http = t.app.getHttpServer();
    await resetDatabase(t.dataSource);
  });

  afterAll(async () => {
    await proxy.cut().catch(() => undefined);
    await t.close().catch(() => undefined);
  });

  const signIn = (username: string) =>
    request(http)
      .post('/api/sessions')
      .set(...bearer(serviceToken()))
      .send({
        user_id: USER,
        username,
        amr: ['pwd'],
        ip: '192.0.2.44',
        user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
      });

  const userList = () =>
    request(http)
      .get(`/sessions/user/${USER}/sessions`)
      .set(...bearer(tokenFor(USER)));

  const boundServiceToken = (sid: string) =>
    tokenFor(USER, { roles: [SERVICE_ROLE], claims: { session_id: sid } });

  const expectUnavailable = async (send: () => Promise<request.Response>) => {
    const started = Date.now();
    const res = await send();
    expect(Date.now() - started).toBeLessThan(2500);
    const body = expectProblem(res, 503);
    expect(body).toMatchObject({ type: '/problems/database-unavailable', code: 30250301 });
    expect(res.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
    expect(body.retry_after).toBe(Number(res.headers['retry-after']));
  };

  it('reads lists from the replica, and keeps writes, revocation and the session check on the primary', async () => {
    sessionId = ((await signIn('erin').expect(201)).body as { id: string }).id;
    const victim = ((await signIn('erin').expect(201)).body as { id: string }).id;
    expect((await adminList(http).expect(200)).body).toMatchObject({ total: 2 });
    await adminList(http, { limit: 1 }).expect(200);
    await userList().expect(200);

    await proxy.cut();

    // Lists: the replica is gone.
    await expectUnavailable(() => adminList(http));
    await expectUnavailable(() => adminList(http, { limit: 10 }));
    await expectUnavailable(() => adminList(http, { user_id: USER }));
    await expectUnavailable(() => userList());

    // Everything else: the primary answers.
    const created = await signIn('erin').expect(201);
    const newId = (created.body as { id: string }).id;
    await request(http)
      .delete(`/api/sessions/${victim}`)
      .set(...bearer(adminToken()))
      .expect(204);
    const status = await request(http)
      .get(`/api/sessions/${sessionId}/status`)
      .set(...bearer(boundServiceToken(sessionId)))
      .expect(200);
    expect(status.body).toMatchObject({ session_id: sessionId, active: true });
    const detail = await request(http)
      .get(`/api/sessions/${newId}`)
      .set(...bearer(adminToken()))
      .expect(200);
    expect(detail.body).toMatchObject({ status: 'active' });
    // A token bound to the revoked session is refused by the check on the primary (401, not 503).
    expectProblem(
      await request(http)
        .get(`/api/sessions/${sessionId}/status`)
        .set(...bearer(boundServiceToken(victim))),
      401,
    );
    const [row]: { revoked_by: string }[] = await t.dataSource.query(
      'SELECT revoked_by FROM session_service.sessions WHERE id = $1',
      [victim],
    );
    expect(row.revoked_by).toBe('admin:1');

    await proxy.start();
    const back = await pollUntil(
      () => adminList(http),
      (r) => r.status === 200,
      10_000,
      'the admin list to be served again',
    );
    const body = back.body as ListBody;
    expectSchema('adminSessionList', body);
    expect(new Set(ids(body))).toEqual(new Set([sessionId, newId]));
    await adminList(http, { limit: 10 }).expect(200);
    await pollUntil(userList, (r) => r.status === 200, 5000, 'the user list to be served again');
  });
});
