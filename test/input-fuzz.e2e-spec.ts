/**
 * Property-based fuzzing of POST /api/sessions with a genuine service token:
 * whatever the body holds, the answer is 201 exactly when an oracle written
 * from the contract (README, dto/create-session.request.ts) calls it valid,
 * and otherwise a 400 Problem naming exactly the invalid fields; never a 5xx.
 * A 201 stores what was sent, a 400 stores nothing. Bounded: a fixed number of
 * runs per property.
 *
 * The oracle reads the rules literally:
 * - lengths are counted in characters (Unicode code points), the way the
 *   varchar columns that hold them count;
 * - a text field holding U+0000 is invalid (PostgreSQL text cannot hold it),
 *   and so is one holding an unpaired UTF-16 surrogate (it has no UTF-8 form);
 * - `ip` is an address in the usual text form, without an IPv6 zone id
 *   (`fe80::1%eth0`): inet cannot hold a zone;
 * - an optional field given as null counts as absent (`@IsOptional`);
 * - unknown fields are ignored;
 * - `ttl_seconds` and `idle_timeout_seconds` are errors of their own, named
 *   beside every other invalid field ("400 names each bad field").
 * It is evaluated on the body as the server parses it (JSON.parse of the text
 * sent), so numbers JSON cannot carry exactly are judged as they arrive.
 */
import { isIP } from 'node:net';
import fc from 'fast-check';
import request from 'supertest';
import type { App } from 'supertest/types';
import { expectProblem } from './support/schemas';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { insertSession, insertUser } from './support/factories';
import { adminToken, bearer, serviceToken, tokenFor } from './support/tokens';

const NUM_RUNS = 150;
const NO_RATE_LIMITS = { RATE_LIMIT_IP_PER_MINUTE: '100000', RATE_LIMIT_USER_PER_MINUTE: '100000' };

/** The contract's bounds (README: defaults of the configuration, lower bound 60). */
const TTL = { min: 60, max: 2_592_000, default: 43_200 };
const IDLE = { min: 60, max: 86_400, default: 1_800 };

/** The contract's aliases (README, "One name per method"): each is stored as its RFC 8176 name. */
const AMR_ALIASES: Record<string, string> = {
  password: 'pwd',
  passwd: 'pwd',
  totp: 'otp',
  hotp: 'otp',
  sms_otp: 'sms',
  webauthn: 'hwk',
  passkey: 'hwk',
  fido2: 'hwk',
  u2f: 'hwk',
  security_key: 'hwk',
  fingerprint: 'fpt',
  smartcard: 'sc',
  ngcmfa: 'mfa',
};

/** RFC 8176 method names, the accepted names RFC 8176 lacks, and the aliases. */
const AMR = [
  ...['face', 'fpt', 'geo', 'hwk', 'iris', 'kba', 'mca', 'mfa', 'otp', 'pin'],
  ...['pwd', 'rba', 'retina', 'sc', 'sms', 'swk', 'tel', 'user', 'vbm', 'wia'],
  ...['email', 'magic_link', 'oauth', 'oidc', 'saml', 'sso', 'recovery_code', 'push'],
  ...Object.keys(AMR_ALIASES),
];

/** What a valid `amr` is stored as: aliases as their RFC 8176 name, a method named twice once. */
const storedAmr = (sent: string[]): string[] => [...new Set(sent.map((m) => AMR_ALIASES[m] ?? m))];
const DEVICE_TYPES = [
  'desktop',
  'mobile',
  'tablet',
  'tv',
  'console',
  'wearable',
  'embedded',
  'xr',
  'bot',
  'unknown',
];
const REQUIRED = ['user_id', 'username', 'amr', 'ip', 'user_agent'];
const OPTIONAL = [
  'tenant_id',
  'device_id',
  'device_type',
  'geoip',
  'ttl_seconds',
  'idle_timeout_seconds',
];
const KNOWN = new Set([...REQUIRED, ...OPTIONAL]);

// ---------------------------------------------------------------- the oracle

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const characters = (s: string): number => [...s].length;

function isText(value: unknown, min: number, max: number): boolean {
  return (
    typeof value === 'string' &&
    !value.includes('\u0000') &&
    !hasLoneSurrogate(value) &&
    characters(value) >= min &&
    characters(value) <= max
  );
}

const isIntIn = (value: unknown, min: number, max: number): boolean =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

function isAmr(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.length >= 1 &&
    value.length <= 10 &&
    value.every((m, i) => typeof m === 'string' && AMR.includes(m) && value.indexOf(m) === i)
  );
}

const isAddress = (value: unknown): boolean =>
  typeof value === 'string' && !value.includes('%') && isIP(value) !== 0;

/** Each field's rule: required fields must hold it, optional ones when not absent or null. */
const RULES: Record<string, (value: unknown) => boolean> = {
  user_id: (v) => isIntIn(v, 1, Number.MAX_SAFE_INTEGER),
  username: (v) => isText(v, 1, 255),
  amr: isAmr,
  ip: isAddress,
  user_agent: (v) => isText(v, 0, 1024),
  tenant_id: (v) => isText(v, 1, 128),
  device_id: (v) => isText(v, 1, 128),
  device_type: (v) => typeof v === 'string' && DEVICE_TYPES.includes(v),
  geoip: (v) => isText(v, 0, 128),
  ttl_seconds: (v) => isIntIn(v, TTL.min, TTL.max),
  idle_timeout_seconds: (v) => isIntIn(v, IDLE.min, IDLE.max),
};

const has = (body: Record<string, unknown>, key: string): boolean =>
  Object.prototype.hasOwnProperty.call(body, key);

/** The fields of a parsed JSON object the contract calls invalid, sorted; [] means valid. */
function invalidFields(body: Record<string, unknown>): string[] {
  const invalid: string[] = [];
  for (const field of REQUIRED) {
    if (!has(body, field) || !RULES[field](body[field])) invalid.push(field);
  }
  for (const field of OPTIONAL) {
    const value = has(body, field) ? body[field] : undefined;
    if (value !== undefined && value !== null && !RULES[field](value)) invalid.push(field);
  }
  return invalid.sort();
}

// ------------------------------------------------------------ the generators

/** Stands for "leave the field out". */
const ABSENT = Symbol('absent');
type Field = Json | typeof ABSENT;

/** A number literal put into the JSON text as written (beyond what a double holds exactly). */
const RAW = '\u0001raw:';
const raw = (literal: string): string => `${RAW}${literal}`;

const weighted = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<T>, validWeight = 3) =>
  fc.oneof({ arbitrary: valid, weight: validWeight }, { arbitrary: invalid, weight: 1 });

const nonJsonScalar: fc.Arbitrary<Json> = fc.constantFrom<Json>(null, true, false, {}, [], 0);
const nested: fc.Arbitrary<Json> = fc.jsonValue({ maxDepth: 3 }).map((v) => ({ value: v as Json }));

const userIdArb: fc.Arbitrary<Field> = weighted(
  fc.oneof(
    fc.integer({ min: 1, max: 2 ** 31 - 1 }),
    fc.constantFrom<Json>(1, Number.MAX_SAFE_INTEGER, raw('1e2'), raw('42.0')),
  ),
  fc.oneof(
    fc.integer({ min: -(2 ** 31), max: 0 }),
    fc.constantFrom<Field>(
      0,
      -1,
      2 ** 53,
      2 ** 63,
      1e21,
      Number.MAX_VALUE,
      1.5,
      0.1,
      '12',
      '',
      'one',
      raw('-0'),
      raw('1e400'),
      raw('9007199254740993'),
      ABSENT,
    ),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
    nonJsonScalar,
    nested,
  ),
);

const usernameArb: fc.Arbitrary<Field> = weighted(
  fc.oneof(
    fc.string({ minLength: 1, maxLength: 30 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 255 }),
    fc.constantFrom('x'.repeat(255), '😀'.repeat(255), ' ', 'Zoë', '张伟', 'e\u0301'),
  ),
  fc.oneof(
    fc.constantFrom<Field>(
      '',
      'x'.repeat(256),
      '😀'.repeat(256),
      'x'.repeat(5000),
      // 256 characters that validator.js counts as 128
      'a\ufe0f'.repeat(128),
      'nul\u0000byte',
      'lone\ud800surrogate',
      ABSENT,
    ),
    fc.string({ minLength: 256, maxLength: 400 }),
    fc.integer().map((n) => n as Json),
    nonJsonScalar,
    nested,
  ),
);

const amrArb: fc.Arbitrary<Field> = weighted(
  fc.uniqueArray(fc.constantFrom(...AMR), { minLength: 1, maxLength: 10 }),
  fc.oneof(
    fc.constantFrom<Field>(
      [],
      'pwd',
      'pwd,otp',
      null,
      5,
      { 0: 'pwd' },
      ['pwd', 'pwd'],
      ['PWD'],
      [' pwd'],
      [''],
      ['carrier-pigeon'],
      [1],
      [null],
      [['pwd']],
      [{ method: 'pwd' }],
      ABSENT,
    ),
    fc.uniqueArray(fc.constantFrom(...AMR), { minLength: 11, maxLength: AMR.length }),
    fc
      .array(fc.constantFrom(...AMR), { minLength: 2, maxLength: 6 })
      .map((a) => [...a, a[0]] as Json),
    fc.array(fc.constantFrom(...AMR), { minLength: 200, maxLength: 600 }),
    fc.array(fc.oneof(fc.constantFrom(...AMR), fc.string({ maxLength: 8 })), { maxLength: 5 }),
    nested,
  ),
);

const ipArb: fc.Arbitrary<Field> = weighted(
  fc.oneof(
    fc.ipV4(),
    fc.ipV6(),
    fc.constantFrom('::1', '::', '::ffff:192.0.2.1', '2001:DB8::1', '203.0.113.7'),
  ),
  fc.oneof(
    fc.ipV4Extended(),
    fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([a, m]) => `${a}/${m}`),
    fc.ipV6().map((a) => `${a}/64`),
    fc.ipV4().map((a) => ` ${a}`),
    fc.ipV4().map((a) => `${a} `),
    fc.ipV4().map((a) => a.replace('.', ' . ')),
    fc.constantFrom<Field>(
      '',
      'localhost',
      '999.1.1.1',
      '1.2.3',
      '1.2.3.04',
      '1::2::3',
      'fe80::1%eth0',
      '[::1]',
      '1.2.3.4:80',
      16909060,
      null,
      ['203.0.113.7'],
      ABSENT,
    ),
    fc.string({ maxLength: 20 }),
    nested,
  ),
);

const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'curl/8.5.0',
  '',
];

const userAgentArb: fc.Arbitrary<Field> = weighted(
  fc.oneof(
    fc.constantFrom(...UAS),
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.constantFrom('u'.repeat(1024), '😀'.repeat(1024)),
  ),
  fc.oneof(
    fc.constantFrom<Field>('u'.repeat(1025), 'u'.repeat(20_000), 'a\ufe0f'.repeat(600), ABSENT),
    fc.integer().map((n) => n as Json),
    nonJsonScalar,
    nested,
  ),
);

/** Optional fields are left out most of the time. */
const optional = (valid: fc.Arbitrary<Field>, invalid: fc.Arbitrary<Field>) =>
  fc.oneof(
    { arbitrary: fc.constant<Field>(ABSENT), weight: 4 },
    { arbitrary: fc.constant<Field>(null), weight: 1 },
    { arbitrary: valid, weight: 3 },
    { arbitrary: invalid, weight: 1 },
  );

const shortText = (max: number, invalidExtra: Field[] = []) =>
  optional(
    fc.oneof(
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.constantFrom('x'.repeat(max), 'Beijing, CN', 'dev_abc123'),
    ),
    fc.oneof(
      fc.constantFrom<Field>('x'.repeat(max + 1), 7, true, {}, ['x'], ...invalidExtra),
      nested,
    ),
  );

const lifetime = (bounds: { min: number; max: number }) =>
  optional(
    fc.oneof(
      fc.integer({ min: bounds.min, max: bounds.max }),
      fc.constantFrom(bounds.min, bounds.max),
    ),
    fc.oneof(
      fc.constantFrom<Field>(
        bounds.min - 1,
        bounds.max + 1,
        0,
        -1,
        1e21,
        bounds.min + 0.5,
        String(bounds.min),
        true,
        [],
      ),
      fc.integer({ min: -(2 ** 31), max: bounds.min - 1 }),
      fc.integer({ min: bounds.max + 1, max: 2 ** 31 }),
      nested,
    ),
  );

const unknownKey = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !KNOWN.has(k));

const bodyArb: fc.Arbitrary<Record<string, Field>> = fc
  .record({
    user_id: userIdArb,
    username: usernameArb,
    amr: amrArb,
    ip: ipArb,
    user_agent: userAgentArb,
    tenant_id: shortText(128, ['']),
    device_id: shortText(128, ['']),
    device_type: optional(
      fc.constantFrom(...DEVICE_TYPES),
      fc.oneof(fc.constantFrom<Field>('Desktop', 'spaceship', '', 3, ['mobile']), nested),
    ),
    geoip: shortText(128),
    ttl_seconds: lifetime(TTL),
    idle_timeout_seconds: lifetime(IDLE),
    extra: fc.oneof(
      { arbitrary: fc.constant({}), weight: 3 },
      {
        arbitrary: fc.dictionary(unknownKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
        weight: 1,
      },
      {
        arbitrary: fc.constantFrom(
          { id: '00000000-0000-0000-0000-000000000000', status: 'revoked' },
          { expires_at: '2099-01-01T00:00:00Z', revoked_at: null },
          { session: { user_id: 1 } },
        ),
        weight: 1,
      },
    ),
  })
  .map(({ extra, ...fields }) => {
    const body: Record<string, Field> = { ...(extra as Record<string, Json>) };
    for (const [key, value] of Object.entries(fields)) if (value !== ABSENT) body[key] = value;
    return body;
  });

/** The JSON text of a generated body, with raw number literals spliced in. */
function toJsonText(body: unknown): string {
  return JSON.stringify(body).replace(
    new RegExp(`"${JSON.stringify(RAW).slice(1, -1).replace(/\\/g, '\\\\')}([^"]*)"`, 'g'),
    (_, literal: string) => literal,
  );
}

// ----------------------------------------------------------------- the spec

interface StoredRow {
  user_id: string;
  username: string;
  tenant_id: string | null;
  device_id: string | null;
  device_type: string;
  ip_matches: boolean;
  geoip: string | null;
  user_agent: string;
  amr: string[];
  idle_timeout_seconds: number;
  ttl: number;
  idle: number;
}

describe('input fuzz: POST /api/sessions', () => {
  let t: TestApp;
  let http: App;
  const token = serviceToken();

  beforeAll(async () => {
    t = await createTestApp(NO_RATE_LIMITS);
    http = t.app.getHttpServer();
    await resetDatabase(t.dataSource);
  });

  afterAll(() => t?.close());

  const postText = (text: string, contentType = 'application/json') =>
    request(http)
      .post('/api/sessions')
      .set(...bearer(token))
      .set('Content-Type', contentType)
      .send(text);

  const sessionCount = async (): Promise<number> =>
    (
      await t.dataSource.query<{ n: number }[]>(
        'SELECT count(*)::int AS n FROM session_service.sessions',
      )
    )[0].n;

  const errorFields = (problem: Record<string, unknown>): string[] =>
    (problem.errors as { field: string }[]).map((e) => e.field).sort();

  /** Asserts the stored session (and its user) is what `sent` asked for. */
  async function expectStored(id: string, sent: Record<string, unknown>): Promise<void> {
    const [row] = await t.dataSource.query<StoredRow[]>(
      `SELECT s.user_id::text AS user_id, u.username, s.tenant_id, s.device_id, s.device_type,
              host(s.ip) = host($2::inet) AS ip_matches, s.geoip, s.user_agent, s.amr,
              s.idle_timeout_seconds,
              extract(epoch FROM s.expires_at - s.created_at)::int AS ttl,
              extract(epoch FROM s.idle_expires_at - s.created_at)::int AS idle
         FROM session_service.sessions s JOIN session_service.users u ON u.id = s.user_id
        WHERE s.id = $1`,
      [id, sent.ip],
    );
    expect(row).toBeDefined();
    const ttl = (sent.ttl_seconds as number | null | undefined) ?? TTL.default;
    const idle = (sent.idle_timeout_seconds as number | null | undefined) ?? IDLE.default;
    expect(row).toEqual({
      user_id: String(sent.user_id),
      username: sent.username,
      tenant_id: sent.tenant_id ?? null,
      device_id: sent.device_id ?? null,
      device_type: (sent.device_type as string | null | undefined) ?? row.device_type,
      ip_matches: true,
      geoip: sent.geoip ?? null,
      user_agent: sent.user_agent,
      amr: storedAmr(sent.amr as string[]),
      idle_timeout_seconds: idle,
      ttl,
      idle: Math.min(idle, ttl),
    });
    expect(DEVICE_TYPES).toContain(row.device_type);
  }

  /** Posts a JSON object text and checks the answer against the oracle. */
  async function checkObject(text: string): Promise<'created' | 'refused'> {
    const sent = JSON.parse(text) as Record<string, unknown>;
    const expected = invalidFields(sent);
    const before = await sessionCount();
    const res = await postText(text);
    expect(res.status, `body ${text.slice(0, 300)}: ${res.text.slice(0, 400)}`).toBeLessThan(500);
    if (expected.length === 0) {
      expect(res.status, `valid body refused: ${res.text.slice(0, 400)}`).toBe(201);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const created = res.body as Record<string, unknown>;
      expect(created).toMatchObject({
        user_id: String(sent.user_id),
        amr: storedAmr(sent.amr as string[]).join(','),
        status: 'active',
      });
      await expectStored(created.id as string, sent);
      return 'created';
    }
    const problem = expectProblem(res, 400);
    expect(problem).toMatchObject({ type: '/problems/invalid-request', code: 30240001 });
    expect(errorFields(problem), `body ${text.slice(0, 300)}`).toEqual(expected);
    expect(await sessionCount()).toBe(before);
    return 'refused';
  }

  it('answers 201 exactly for the bodies the contract accepts, else 400 naming each bad field', async () => {
    const outcomes = { created: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          // Mostly valid: each field is valid with probability 3/4.
          { arbitrary: bodyArb, weight: 3 },
          // Entirely valid fields, so 201s are common whatever the other draws do.
          {
            arbitrary: bodyArb.filter(
              (b) =>
                invalidFields(JSON.parse(toJsonText(b)) as Record<string, unknown>).length === 0,
            ),
            weight: 1,
          },
          // The whole sign-in nested one level down: every required field is missing.
          { arbitrary: bodyArb.map((b) => ({ sign_in: b }) as Record<string, Field>), weight: 1 },
        ),
        async (body) => {
          outcomes[await checkObject(toJsonText(body))]++;
        },
      ),
      { numRuns: NUM_RUNS },
    );
    // The property said something about both sides of the oracle.
    expect(outcomes.created).toBeGreaterThanOrEqual(10);
    expect(outcomes.refused).toBeGreaterThanOrEqual(10);
  });

  it('names ttl_seconds and idle_timeout_seconds beside the other bad fields', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Record<string, Json>>(
          { user_id: 0 },
          { username: '' },
          { amr: [] },
          { ip: 'localhost' },
          { user_agent: 42 },
          { device_type: 'spaceship' },
        ),
        fc.constantFrom<Record<string, Json>>(
          { ttl_seconds: 1 },
          { idle_timeout_seconds: IDLE.max + 1 },
          { ttl_seconds: TTL.max + 1, idle_timeout_seconds: 0 },
        ),
        async (bad, badLifetime) => {
          const body = {
            user_id: 9001,
            username: 'lifetimes',
            amr: ['pwd'],
            ip: '192.0.2.10',
            user_agent: UAS[0],
            ...bad,
            ...badLifetime,
          };
          await checkObject(JSON.stringify(body));
        },
      ),
      { numRuns: 18 },
    );
  });

  describe('text the database cannot hold as sent is refused with 400, never 500', () => {
    const base = {
      user_id: 9002,
      username: 'text',
      amr: ['pwd'],
      ip: '192.0.2.11',
      user_agent: UAS[0],
    };
    it.each([
      ['username with U+0000', 'username', 'nul\u0000byte'],
      ['user_agent with U+0000', 'user_agent', 'Mozilla\u0000'],
      ['tenant_id with U+0000', 'tenant_id', 'tnt\u0000'],
      ['username of 256 characters, half of them U+FE0F', 'username', 'a\ufe0f'.repeat(128)],
      ['user_agent of 1200 characters, half of them U+FE0F', 'user_agent', 'a\ufe0f'.repeat(600)],
      ['geoip of 130 characters, half of them U+FE0E', 'geoip', 'a\ufe0e'.repeat(65)],
      ['ip with an IPv6 zone id (fe80::1%eth0)', 'ip', 'fe80::1%eth0'],
      ['ip with a numeric IPv6 zone id (2001:db8::1%1)', 'ip', '2001:db8::1%1'],
    ])('%s', async (_label, field, value) => {
      expect(await checkObject(JSON.stringify({ ...base, [field]: value }))).toBe('refused');
    });
  });

  it('answers a JSON array, string, number, boolean or null as a body that is not an object', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
          bodyArb.map((b) => [b] as Json),
          fc.integer().map((n) => n as Json),
          fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => n as Json),
          fc.string({ maxLength: 20 }).map((s) => s as Json),
          fc.constantFrom<Json>(null, true, false),
        ),
        async (value) => {
          const text = toJsonText(value);
          const res = await postText(text);
          const problem = expectProblem(res, 400);
          expect(problem).toMatchObject({ type: '/problems/invalid-request', code: 30240001 });
          expect(problem.errors).toEqual([
            { field: 'body', code: 'type', description: 'The body must be a JSON object' },
          ]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('answers raw text by what it parses to: malformed JSON, or validation of the object it is', async () => {
    const ALL_REQUIRED = [...REQUIRED].sort();
    const fragments = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      '"',
      ':',
      ',',
      '"user_id"',
      '1',
      'null',
      '{"user_id":1',
      'NaN',
      "'x'",
      ' ',
      '\n',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.array(fragments, { minLength: 1, maxLength: 8 }).map((parts) => parts.join('')),
          bodyArb.map((b) => toJsonText(b).slice(0, -1)),
          bodyArb.map((b) => `${toJsonText(b)},`),
          bodyArb.map((b) => toJsonText(b).replace(/"/g, "'")),
        ),
        fc.constantFrom('application/json', 'text/plain'),
        async (text, contentType) => {
          if (text === '') {
            // Nothing to read, whatever the type: the body is an empty object.
            const problem = expectProblem(await postText(text, contentType), 400);
            expect(problem).toMatchObject({ type: '/problems/invalid-request', code: 30240001 });
            expect(errorFields(problem)).toEqual(ALL_REQUIRED);
            return;
          }
          if (contentType === 'text/plain') {
            // A body of a type the service does not read.
            const problem = expectProblem(await postText(text, contentType), 415);
            expect(problem).toMatchObject({ type: '/problems/unsupported-media-type' });
            return;
          }
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            const problem = expectProblem(await postText(text), 400);
            expect(problem).toMatchObject({ type: '/problems/malformed-body', code: 30240002 });
            return;
          }
          if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
            await checkObject(text);
            return;
          }
          // A list, string, number, boolean or null is JSON, but not the object the body must
          // be (as in the test above).
          const problem = expectProblem(await postText(text), 400);
          expect(problem.code).toBe(30240001);
          expect(errorFields(problem)).toEqual(['body']);
        },
      ),
      { numRuns: 80 },
    );
  });
});

// ------------------------------------------------- query and body text, time

/** Code points, as PostgreSQL's varchar counts them. */
const codePoints = (s: string): number => [...s].length;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const hasLoneSurrogate = (s: string): boolean => new RegExp(LONE_SURROGATE.source).test(s);
/**
 * What a query value arrives as: a lone surrogate has no UTF-8 form, so its
 * percent-encoded bytes are not valid UTF-8 and the query-string parser keeps
 * the whole value undecoded, as the text that was sent.
 */
const arrivedAs = (s: string): string => (hasLoneSurrogate(s) ? queryValue(s) : s);

/** `reason`: what varchar(256) holds as sent: no NUL, no lone surrogate, 256 code points. */
const isReason = (s: string): boolean =>
  !s.includes('\u0000') && !hasLoneSurrogate(s) && codePoints(s) <= 256;

/** Days in a proleptic Gregorian month (year 0 included, as RFC 3339 allows it syntactically). */
const daysIn = (year: number, month: number): number =>
  [
    31,
    year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28,
    31,
    30,
    31,
    30,
    31,
    31,
    30,
    31,
    30,
    31,
  ][month - 1];

/**
 * The oracle of a time parameter, written from the contract: an RFC 3339
 * date-time with an explicit offset of at most ±15:59 (what PostgreSQL
 * accepts) whose instant, in UTC, falls in the years 0001..9999.
 * 'format' for text that is no such date-time, 'range' for one outside them.
 */
function timeVerdict(s: string): 'ok' | 'format' | 'range' {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/.exec(
      s,
    );
  if (!m) return 'format';
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const [offHours, offMinutes] = m[8] ? [0, 0] : [Number(m[10]), Number(m[11])];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return 'format';
  if (hour > 23 || minute > 59 || second > 59 || offMinutes > 59) return 'format';
  if (offHours > 15) return 'range';
  const local = new Date(0);
  local.setUTCFullYear(year, month - 1, day);
  local.setUTCHours(hour, minute, second, 0);
  const sign = m[9] === '-' ? -1 : 1;
  const utc = new Date(local.getTime() - sign * (offHours * 60 + offMinutes) * 60_000);
  const utcYear = utc.getUTCFullYear();
  return utcYear >= 1 && utcYear <= 9999 ? 'ok' : 'range';
}

/** Percent-encodes any string, lone surrogates included (as WTF-8 bytes, which no UTF-8 decoder accepts). */
function queryValue(s: string): string {
  let out = '';
  for (const ch of s) {
    const unit = ch.codePointAt(0) ?? 0;
    if (unit >= 0xd800 && unit <= 0xdfff) {
      out += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    } else out += encodeURIComponent(ch);
  }
  return out;
}

const textArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({
    unit: fc.constantFrom('a', '\ufe0f', '\u0000', '😀', '\ud800', '\udc00', 'é'),
    maxLength: 300,
  }),
  fc.constantFrom(
    'a\u0000b',
    '\u0000',
    'a\ufe0f'.repeat(200),
    'a\ufe0f'.repeat(128),
    '😀'.repeat(256),
    '😀'.repeat(257),
    'x'.repeat(256),
    'x'.repeat(257),
    '\ud83d',
    'x\udc00y',
    'suspected token theft',
  ),
);

const timeArb: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.integer({ min: 0, max: 24 }),
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 0, max: 60 }),
      fc.option(fc.stringMatching(/^\d{1,9}$/), { nil: undefined }),
      fc.oneof(
        fc.constant('Z'),
        fc
          .tuple(
            fc.constantFrom('+', '-'),
            fc.integer({ min: 0, max: 24 }),
            fc.integer({ min: 0, max: 60 }),
          )
          .map(
            ([sign, h, m]) => `${sign}${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`,
          ),
      ),
    )
    .map(
      ([y, mo, d, h, mi, s, fraction, offset]) =>
        `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T` +
        `${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')}` +
        `${fraction === undefined ? '' : `.${fraction}`}${offset}`,
    ),
  fc
    .date({
      noInvalidDate: true,
      min: new Date('0001-01-01T00:00:00Z'),
      max: new Date('9999-12-31T23:59:59Z'),
    })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '0000-01-01T00:00:00Z',
    '0001-01-01T00:00:00+01:00',
    '0001-01-01T00:00:00-01:00',
    '0001-01-01T00:00:00Z',
    '9999-12-31T23:59:59-23:59',
    '9999-12-31T23:59:59Z',
    '9999-12-31T23:59:59.999999999Z',
    '9999-12-31T23:00:00-00:59',
    '9999-12-31T23:00:00-01:00',
    '2026-04-15T00:00:00+15:59',
    '2026-04-15T00:00:00+16:00',
    '2026-02-29T00:00:00Z',
    '2024-02-29T00:00:00Z',
    '2026-04-15T00:00:00',
    '2026-04-15 00:00:00Z',
    '+010000-01-01T00:00:00Z',
    '2026-04-15T00:00:00Z\u0000',
  ),
  textArb,
);

describe('input fuzz: text and time parameters of every route', () => {
  let t: TestApp;
  let http: App;
  const admin = adminToken();

  beforeAll(async () => {
    t = await createTestApp(NO_RATE_LIMITS);
    http = t.app.getHttpServer();
    await resetDatabase(t.dataSource);
    await insertUser(t.dataSource, 7001, 'reason');
  });

  afterAll(() => t?.close());

  const fieldsOf = (problem: Record<string, unknown>) =>
    (problem.errors as { field: string; code: string }[]).map(({ field, code }) => ({
      field,
      code,
    }));

  /** A 400 invalid-request Problem naming only `field`, with `code` when given. */
  function expectRefused(res: request.Response, field: string, code?: string): void {
    const problem = expectProblem(res, 400);
    expect(problem).toMatchObject({ type: '/problems/invalid-request', code: 30240001 });
    const errors = fieldsOf(problem);
    expect(errors.map((e) => e.field)).toEqual([field]);
    if (code) expect(errors[0].code).toBe(code);
  }

  /** The routes taking `reason`, each ending one fresh session of user 7001. */
  const reasonRoutes: [string, (id: string, q: string) => string, number][] = [
    ['DELETE /api/sessions/{session_id}', (id, q) => `/api/sessions/${id}?reason=${q}`, 204],
    [
      'DELETE /api/users/{user_id}/sessions',
      (_id, q) => `/api/users/7001/sessions?reason=${q}`,
      200,
    ],
  ];

  describe.each(reasonRoutes)('%s ?reason=', (_label, url, okStatus) => {
    async function check(reason: string): Promise<void> {
      const id = await insertSession(t.dataSource, { userId: 7001 });
      const res = await request(http)
        .delete(url(id, queryValue(reason)))
        .set(...bearer(admin));
      expect(
        res.status,
        `${JSON.stringify(reason).slice(0, 200)}: ${res.text.slice(0, 300)}`,
      ).toBeLessThan(500);
      const arrived = arrivedAs(reason);
      if (isReason(arrived)) {
        expect(res.status, res.text).toBe(okStatus);
        const [row] = await t.dataSource.query<{ revoke_reason: string }[]>(
          'SELECT revoke_reason FROM session_service.sessions WHERE id = $1',
          [id],
        );
        expect(row.revoke_reason).toBe(arrived);
      } else {
        expectRefused(res, 'reason', arrived.includes('\u0000') ? 'format' : 'range');
      }
    }

    it.each([
      ['a NUL byte', 'a\u0000b'],
      ['only a NUL byte', '\u0000'],
      ['200 "a\\uFE0F" pairs (400 code points)', 'a\ufe0f'.repeat(200)],
      ['257 astral characters', '😀'.repeat(257)],
    ])('refuses %s with a 400 naming reason', async (_l, reason) => {
      await check(reason);
    });

    it('keeps 256 astral characters (1024 bytes) as sent', async () => {
      await check('😀'.repeat(256));
    });

    it('answers every reason by the column rules, never 5xx', async () => {
      await fc.assert(fc.asyncProperty(textArb, check), { numRuns: 40 });
    });
  });

  describe.each([
    ['paged', 'limit=5&'],
    ['streamed', ''],
  ])('GET /api/sessions/all ?active_since= (%s)', (_label, paging) => {
    async function check(since: string): Promise<void> {
      const res = await request(http)
        .get(`/api/sessions/all?${paging}active_since=${queryValue(since)}`)
        .set(...bearer(admin));
      expect(res.status, `${JSON.stringify(since)}: ${res.text.slice(0, 300)}`).toBeLessThan(500);
      const verdict = timeVerdict(arrivedAs(since));
      if (verdict === 'ok') expect(res.status, `${since}: ${res.text.slice(0, 300)}`).toBe(200);
      else expectRefused(res, 'active_since', verdict);
    }

    it.each([
      '0000-01-01T00:00:00Z',
      '0001-01-01T00:00:00+01:00',
      '9999-12-31T23:59:59-23:59',
      '9999-12-31T23:59:59-01:00',
      '2026-04-15T00:00:00+16:00',
    ])('refuses %s with a 400 naming active_since', async (since) => {
      await check(since);
    });

    it.each([
      '0001-01-01T00:00:00Z',
      '0001-01-01T00:30:00+00:30',
      '9999-12-31T23:59:59.999Z',
      '2026-04-15T00:00:00+15:59',
    ])('accepts %s', async (since) => {
      await check(since);
    });

    it('answers every active_since by the time rules, never 5xx', async () => {
      await fc.assert(fc.asyncProperty(timeArb, check), { numRuns: 60 });
    });
  });

  /** The remaining text query parameters: any text is a 2xx or a 400 naming that parameter. */
  const otherParams: [string, string, string][] = [
    ['/api/sessions/all?limit=5&', 'cursor', 'admin'],
    ['/api/sessions/all?', 'ip', 'admin'],
    ['/api/sessions/all?', 'auth_method', 'admin'],
    ['/api/sessions/all?', 'device_type', 'admin'],
    ['/api/sessions/revocations?', 'after', 'service'],
    ['/sessions/user/7001/sessions?', 'keep_current', 'user'],
  ];

  it.each(otherParams)(
    '%s%s=<any text> answers 2xx or a 400 naming it, never 5xx',
    async (path, param, who) => {
      const token = who === 'admin' ? admin : who === 'service' ? serviceToken() : tokenFor(7001);
      const method = param === 'keep_current' ? 'delete' : 'get';
      await fc.assert(
        fc.asyncProperty(textArb, async (value) => {
          const res = await request(http)
            [method](`${path}${param}=${queryValue(value)}`)
            .set(...bearer(token));
          expect(
            res.status,
            `${JSON.stringify(value).slice(0, 100)}: ${res.text.slice(0, 300)}`,
          ).toBeLessThan(500);
          if (res.status >= 400) expectRefused(res, param);
        }),
        { numRuns: 30 },
      );
    },
  );

  describe('POST /api/sessions text fields', () => {
    const base = {
      user_id: 7002,
      username: 'lone',
      amr: ['pwd'],
      ip: '192.0.2.12',
      user_agent: 'curl/8.5.0',
    };
    it.each(['username', 'user_agent', 'tenant_id', 'device_id', 'geoip'])(
      'refuses %s holding a lone surrogate with a 400 naming it (format)',
      async (field) => {
        for (const value of ['x\ud800', '\udc00', 'a\udfffb']) {
          const res = await request(http)
            .post('/api/sessions')
            .set(...bearer(serviceToken()))
            .set('Content-Type', 'application/json')
            .send(JSON.stringify({ ...base, [field]: value }));
          expectRefused(res, field, 'format');
        }
      },
    );
  });

  describe('POST /api/sessions bodies nested too deep', () => {
    const post = (text: string) =>
      request(http)
        .post('/api/sessions')
        .set(...bearer(serviceToken()))
        .set('Content-Type', 'application/json')
        .send(text);
    const base = '"user_id":7003,"username":"deep","ip":"192.0.2.13","user_agent":"curl/8.5.0"';

    it.each([
      [
        'an unknown member nested 5,000 levels',
        `{${base},"amr":["pwd"],"x":${'{"x":'.repeat(5000)}1${'}'.repeat(5000)}}`,
      ],
      [
        'amr nested 15,000 arrays',
        `{${base},"amr":${'['.repeat(15_000)}"pwd"${']'.repeat(15_000)}}`,
      ],
      [
        'an unknown member nested 33 levels',
        `{${base},"amr":["pwd"],"x":${'{"x":'.repeat(32)}1${'}'.repeat(32)}}`,
      ],
    ])('answers %s with a 400 naming the body', async (_l, text) => {
      const res = await post(text);
      expectRefused(res, 'body', 'range');
      expect(
        await t.dataSource.query('SELECT 1 FROM session_service.sessions WHERE user_id = 7003'),
      ).toHaveLength(0);
    });

    it('reads a body nested 32 levels (unknown member ignored), and brackets inside strings do not count', async () => {
      const text = `{${base},"amr":["pwd"],"note":"${'['.repeat(100)}","x":${'{"x":'.repeat(31)}1${'}'.repeat(31)}}`;
      expect((await post(text)).status).toBe(201);
    });
  });
});
