/**
 * Property-based fuzzing of GET /sessions/user/{user_id}/sessions with a
 * genuine token for alice: whatever the path or query says, alice sees only her
 * own sessions, and bob's never leak. Bounded: a fixed number of runs each.
 */
import fc from 'fast-check';
import request from 'supertest';
import type { App } from 'supertest/types';
import { insertSession, insertUser } from './support/factories';
import { expectProblem } from './support/schemas';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { bearer, tokenFor } from './support/tokens';

const ALICE = 101;
const BOB = 202;
const ALICE_ID = String(ALICE);
const ALICE_SESSIONS = 7;
const BOB_SESSIONS = 5;
const NUM_RUNS = 150;
const MAX_PAGE = 1_000_000;
const MAX_PAGE_SIZE = 100;

/** The canonical user id form of the API contract: positive, no sign, no leading zeros, safe. */
const isCanonicalId = (s: string): boolean =>
  /^[1-9][0-9]{0,15}$/.test(s) && Number.isSafeInteger(Number(s));

type Outcome = 200 | 400 | 403 | 404;

/**
 * What the path segment (as sent, already URL-encoded) must produce. A segment
 * that is empty or holds a raw `/` no longer matches the route (404); one
 * Express cannot percent-decode is a 400; otherwise the decoded value decides.
 * Percent-encoded digits (`%31%30%31`) are the same URI as `101` (RFC 3986
 * section 6.2.2.2) and so reach alice's list.
 */
function expectedForSegment(segment: string): Outcome {
  if (segment === '' || segment.includes('/')) return 404;
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return 400;
  }
  if (decoded === ALICE_ID) return 200;
  return isCanonicalId(decoded) ? 403 : 400;
}

const UNICODE_DIGITS: Record<string, string[]> = {
  fullwidth: ['０', '１'],
  arabicIndic: ['٠', '١'],
  devanagari: ['०', '१'],
  mathBold: ['𝟎', '𝟏'],
  superscript: ['⁰', '¹'],
};

const enc = encodeURIComponent;

/** Path segments, as they go on the wire. */
const segmentArb: fc.Arbitrary<string> = fc.oneof(
  // Random integers: negative, zero, beyond 2^53.
  fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  fc
    .constantFrom(
      0,
      -0,
      -1,
      2 ** 53,
      2 ** 53 + 2,
      Number.MAX_SAFE_INTEGER,
      1e21,
      Number.MAX_VALUE,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      0.5,
      101.0000001,
    )
    .map((n) => enc(String(n))),
  fc.constantFrom('9007199254740993', '10000000000000001', '18446744073709551717'),
  // Other users, existing or not.
  fc.constantFrom(String(BOB), '1', '10', '100', '102', '1010', '1011', '4242'),
  // Alice's id dressed up.
  fc
    .tuple(
      fc.constantFrom('', '0', '00', '+', '-', ' ', '\t', '\n', '\u00a0', '\u200b', '\ufeff'),
      fc.constantFrom('', ' ', '\n', 'abc', '.0', '.', 'e0', ';', '\u0000', '%', '#', '?', '/'),
    )
    .map(([prefix, suffix]) => enc(`${prefix}${ALICE_ID}${suffix}`)),
  fc
    .constantFrom(...Object.values(UNICODE_DIGITS))
    .chain(([zero, one]) =>
      fc
        .subarray([0, 1, 2], { minLength: 1 })
        .map((swap) =>
          enc(
            [...ALICE_ID].map((c, i) => (swap.includes(i) ? (c === '0' ? zero : one) : c)).join(''),
          ),
        ),
    ),
  // Percent-encodings stitched together (raw: some are malformed on purpose).
  fc
    .array(
      fc.constantFrom(
        '%2F',
        '%2f',
        '%00',
        '%20',
        '%2e%2e',
        '%2E',
        '%5C',
        '%25',
        '%2531',
        '%3F',
        '%23',
        '%31',
        '%30',
        '%C0%AF',
        '%EF%BC%91',
        '%zz',
        '%',
        '%E0%A4%A',
        '..',
        '.',
        ALICE_ID,
        String(BOB),
      ),
      { minLength: 1, maxLength: 5 },
    )
    .map((parts) => parts.join('')),
  // Arbitrary text, encoded.
  fc.string({ maxLength: 40 }).map(enc),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map(enc),
  fc.string({ unit: 'binary-ascii', maxLength: 20 }).map(enc),
  // Segments that leave the route: raw slashes or nothing at all.
  fc.constantFrom(
    '',
    `${ALICE_ID}/`,
    `/${ALICE_ID}`,
    `${ALICE_ID}/x`,
    `${BOB}/..`,
    `${ALICE_ID}//`,
  ),
  // Alice, exactly.
  fc.constant(ALICE_ID),
);

/** Query values: arbitrary text plus numbers near every boundary. */
const queryValueArb: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.string({ unit: 'binary-ascii', maxLength: 10 }),
  fc.integer({ min: -5, max: 120 }).map(String),
  fc.integer({ min: MAX_PAGE - 2, max: MAX_PAGE + 2 }).map(String),
  fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String),
  fc.nat(200).map((n) => `0${n}`),
  fc.constantFrom('', '1e1', '1.0', '0x10', '+1', ' 1', '1 ', '１', '[]', '{}', 'null', 'NaN'),
);

/** The validity rule of page/page_size, stated independently of the implementation. */
function isValidInt(value: string | undefined, max: number): boolean {
  if (value === undefined) return true;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(value)) return false;
  const n = Number(value);
  return n >= 1 && n <= max;
}

describe('access fuzz: GET /sessions/user/{user_id}/sessions as alice', () => {
  let t: TestApp;
  let http: App;
  const token = tokenFor(ALICE);
  const aliceIds: string[] = [];
  const bobIds: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    http = t.app.getHttpServer();
    await resetDatabase(t.dataSource);
    await insertUser(t.dataSource, ALICE, 'alice');
    await insertUser(t.dataSource, BOB, 'bob');
    for (let i = 1; i <= ALICE_SESSIONS; i++) {
      aliceIds.push(
        await insertSession(t.dataSource, { userId: ALICE, lastActiveOffset: -60 * i }),
      );
    }
    for (let i = 1; i <= BOB_SESSIONS; i++) {
      bobIds.push(await insertSession(t.dataSource, { userId: BOB, lastActiveOffset: -30 * i }));
    }
  });

  afterAll(() => t?.close());

  function expectNoBobLeak(text: string): void {
    for (const id of bobIds) expect(text).not.toContain(id);
  }

  function expectOnlyAlice(body: { items: { id: string; user_id: string }[] }): void {
    for (const item of body.items) {
      expect(item.user_id).toBe(ALICE_ID);
      expect(aliceIds).toContain(item.id);
    }
  }

  it('the oracle itself: canonical ids and route-leaving segments', () => {
    expect(expectedForSegment(ALICE_ID)).toBe(200);
    expect(expectedForSegment('%31%30%31')).toBe(200);
    expect(expectedForSegment('0101')).toBe(400);
    expect(expectedForSegment('%zz')).toBe(400);
    expect(expectedForSegment(String(BOB))).toBe(403);
    expect(expectedForSegment('9007199254740993')).toBe(400);
    expect(expectedForSegment(`${ALICE_ID}%2F`)).toBe(400);
    expect(expectedForSegment(`${ALICE_ID}/`)).toBe(404);
  });

  it('path user_id: 200 only for alice herself, else 400/403 (404 only off the route), never a leak', async () => {
    const seen = new Map<Outcome, number>();
    await fc.assert(
      fc.asyncProperty(segmentArb, async (segment) => {
        const res = await request(http)
          .get(`/sessions/user/${segment}/sessions`)
          .set(...bearer(token));
        const expected = expectedForSegment(segment);
        seen.set(expected, (seen.get(expected) ?? 0) + 1);
        expect(res.status).toBeLessThan(500);
        expectNoBobLeak(res.text);
        if (expected === 200) {
          expect(res.status).toBe(200);
          expect(res.body.items).toHaveLength(ALICE_SESSIONS);
          expectOnlyAlice(res.body);
          return;
        }
        if (safeDecode(segment) === null) {
          // Malformed percent-encoding: checked in full by its own test below (schema bug).
          expect(res.status).toBe(400);
          expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
          expect(res.body.code).toBe(30240001);
          return;
        }
        const body = expectProblem(res, expected);
        if (expected === 400) {
          expect(body.code).toBe(30240001);
          expect(body.errors).toEqual([
            expect.objectContaining({ field: 'user_id', code: 'format' }),
          ]);
        } else if (expected === 403) {
          expect(body.code).toBe(30240302);
        } else {
          expect(body.code).toBe(30240403);
        }
      }),
      {
        numRuns: NUM_RUNS,
        examples: [
          [ALICE_ID],
          ['%31%30%31'],
          ['%2531%2530%2531'],
          ['0101'],
          ['+101'],
          ['%20101'],
          ['101%20'],
          ['101abc'],
          ['%EF%BC%91%EF%BC%90%EF%BC%91'],
          [String(BOB)],
          ['101%2F..%2F202'],
          ['%2F'],
          ['%00'],
          ['%2e%2e'],
          ['%zz'],
          ['0'],
          ['-101'],
          ['9007199254740993'],
          [''],
          ['101/x'],
        ],
      },
    );
    // Every branch of the property was exercised, so it could have failed on each.
    for (const outcome of [200, 400, 403, 404] as const) {
      expect(seen.get(outcome) ?? 0).toBeGreaterThan(0);
    }
  });

  it.each(['%zz', `${ALICE_ID}%`, '%E0%A4%A'])(
    'answers the undecodable segment %s with a schema-valid 400 Problem',
    async (segment) => {
      const res = await request(http)
        .get(`/sessions/user/${segment}/sessions`)
        .set(...bearer(token));
      const body = expectProblem(res, 400);
      expect(body.code).toBe(30240001);
    },
  );

  it('page/page_size: 200 exactly when both are valid, else a 400 naming each bad field; never 5xx', async () => {
    const seen = { ok: 0, bad: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.option(queryValueArb, { nil: undefined }),
        fc.option(queryValueArb, { nil: undefined }),
        async (page, pageSize) => {
          const query = [
            page === undefined ? null : `page=${encodeURIComponent(page)}`,
            pageSize === undefined ? null : `page_size=${encodeURIComponent(pageSize)}`,
          ]
            .filter((p) => p !== null)
            .join('&');
          const res = await request(http)
            .get(`/sessions/user/${ALICE_ID}/sessions?${query}`)
            .set(...bearer(token));
          expect(res.status).toBeLessThan(500);
          expectNoBobLeak(res.text);
          const bad = [
            ...(isValidInt(page, MAX_PAGE) ? [] : ['page']),
            ...(isValidInt(pageSize, MAX_PAGE_SIZE) ? [] : ['page_size']),
          ];
          if (bad.length === 0) {
            seen.ok++;
            expect(res.status).toBe(200);
            const p = page === undefined ? 1 : Number(page);
            const size = pageSize === undefined ? 20 : Number(pageSize);
            expect(res.body.pagination).toMatchObject({
              page: p,
              page_size: size,
              total: ALICE_SESSIONS,
            });
            const expectedLength = Math.max(0, Math.min(size, ALICE_SESSIONS - (p - 1) * size));
            expect(res.body.items).toHaveLength(expectedLength);
            expectOnlyAlice(res.body);
          } else {
            seen.bad++;
            const body = expectProblem(res, 400);
            expect(body.code).toBe(30240001);
            const fields = (body.errors as { field: string }[]).map((e) => e.field).sort();
            expect(fields).toEqual(bad);
          }
        },
      ),
      {
        numRuns: NUM_RUNS,
        examples: [
          [undefined, undefined],
          ['1', '100'],
          ['2', '3'],
          ['0', '0'],
          ['1000000', '1'],
          ['1000001', '101'],
          ['01', '020'],
          ['', ''],
          ['1e1', '1.0'],
          ['%zz', '%'],
          ['\u0000', '１'],
        ],
      },
    );
    expect(seen.ok).toBeGreaterThan(0);
    expect(seen.bad).toBeGreaterThan(0);
  });
});

function safeDecode(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}
