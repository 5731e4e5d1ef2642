/**
 * Attacks on bearer-token verification (RFC 8725, OWASP ASVS V3/V9), run
 * against the real application and database. Every refused token must get the
 * same 401 Problem, a correct RFC 6750 challenge, and a body that says nothing
 * about which check failed.
 */
import {
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign as cryptoSign,
} from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import request from 'supertest';
import type { App } from 'supertest/types';
import { insertSession, insertUser } from './support/factories';
import { expectProblem } from './support/schemas';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from './support/tokens';

const ALICE = 101;
const BOB = 202;
const LIST = (userId: number) => `/sessions/user/${userId}/sessions`;
const ADMIN_LIST = '/api/sessions/all';

const CHALLENGE = 'Bearer realm="session-service"';
const CHALLENGE_INVALID = 'Bearer realm="session-service", error="invalid_token"';
/** Words that would tell an attacker which verification step refused the token. */
const REVEALING = /\b(issuer|audience|algorithm|signature|expired|kid|jku|HS256|RS256)\b/i;

type Json = Record<string, unknown>;

const now = (): number => Math.floor(Date.now() / 1000);
const b64url = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Standard claims for the HS256 app; an `undefined` override removes the claim. */
function claims(sub: number | string, overrides: Json = {}): Json {
  const base: Json = {
    sub: String(sub),
    roles: [],
    iss: TEST_ISSUER,
    aud: TEST_AUDIENCE,
    iat: now(),
    exp: now() + 600,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(base).filter(([, v]) => v !== undefined));
}

/** A JWS built by hand: `key` null gives an empty signature (unsigned). */
function hmacToken(header: Json, payload: Json, key: string | Buffer | KeyObject | null): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  if (key === null) return `${input}.`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

function rsaToken(header: Json, payload: Json, privateKey: KeyObject): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  return `${input}.${cryptoSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

const HS = { alg: 'HS256', typ: 'JWT' };
const RS = { alg: 'RS256', typ: 'JWT' };
const goodHs = (payload: Json, header: Json = HS): string =>
  hmacToken(header, payload, TEST_JWT_SECRET);
const WRONG_SECRET = 'an-attacker-secret-that-is-also-32-bytes-long';

interface Res {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  text: string;
}

/** A local server standing in for an attacker's key URL: counts every request it gets. */
class KeyServer {
  hits: string[] = [];
  private server?: Server;
  url = '';

  constructor(private readonly jwks: Json) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.hits.push(`${req.method} ${req.url}`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(this.jwks));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

const attackerRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const attackerJwk: Json = {
  ...attackerRsa.publicKey.export({ format: 'jwk' }),
  kid: 'attacker-key',
  use: 'sig',
  alg: 'RS256',
};
const attackerOctJwk: Json = {
  kty: 'oct',
  kid: 'attacker-oct',
  alg: 'HS256',
  k: Buffer.from(WRONG_SECRET).toString('base64url'),
};

describe('JWT attacks on GET /sessions/user/{user_id}/sessions', () => {
  let t: TestApp;
  let http: App;
  const keyServer = new KeyServer({ keys: [attackerJwk, attackerOctJwk] });
  /** The one detail every refused, presented token gets; taken from a plain garbage token. */
  let sharedDetail: string;
  /** The detail of a request that carried no Authorization header at all. */
  let missingDetail: string;
  let bobSessionId: string;

  beforeAll(async () => {
    t = await createTestApp();
    http = t.app.getHttpServer();
    await resetDatabase(t.dataSource);
    await insertUser(t.dataSource, ALICE, 'alice');
    await insertUser(t.dataSource, BOB, 'bob');
    await insertSession(t.dataSource, { userId: ALICE });
    await insertSession(t.dataSource, { userId: ALICE, lastActiveOffset: -120 });
    bobSessionId = await insertSession(t.dataSource, { userId: BOB });
    await keyServer.start();
    const baseline: Res = await request(http).get(LIST(ALICE)).set('Authorization', 'Bearer x.y.z');
    sharedDetail = String(expectProblem(baseline, 401).detail);
    const missing: Res = await request(http).get(LIST(ALICE));
    missingDetail = String(expectProblem(missing, 401).detail);
  });

  afterAll(async () => {
    await keyServer.stop();
    await t?.close();
  });

  const call = (authorization?: string, path = LIST(ALICE)) => {
    const req = request(http).get(path);
    if (authorization !== undefined) req.set('Authorization', authorization);
    return req;
  };

  /** The full contract of a refused request; `presented`: an Authorization header was sent. */
  function expectRefused(res: Res, presented = true): Json {
    const body = expectProblem(res, 401);
    expect(body.code).toBe(30240101);
    expect(res.headers['www-authenticate']).toBe(presented ? CHALLENGE_INVALID : CHALLENGE);
    expect(body.detail).toBe(presented ? sharedDetail : missingDetail);
    // `service` is the service's name, which in this configuration happens to equal the
    // audience; everything else must be silent about what verification expected.
    expect(body.service).toBe(t.config.serviceName);
    const rest: Json = { ...body };
    delete rest.service;
    delete rest.detail;
    const text = JSON.stringify(rest);
    expect(text).not.toMatch(REVEALING);
    expect(text).not.toContain(TEST_ISSUER);
    expect(text).not.toContain(TEST_AUDIENCE);
    expect(String(body.detail)).not.toContain(TEST_ISSUER);
    expect(String(body.detail)).not.toContain(TEST_AUDIENCE);
    return body;
  }

  async function expectAccepted(authorization: string): Promise<void> {
    const res = await call(authorization);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(2);
    for (const item of res.body.items as { user_id: string }[]) {
      expect(item.user_id).toBe(String(ALICE));
    }
  }

  describe('the shared refusal', () => {
    it('names no verification step in its detail', () => {
      expect(sharedDetail).not.toMatch(REVEALING);
      expect(sharedDetail).not.toContain(TEST_ISSUER);
      expect(sharedDetail).not.toContain(TEST_AUDIENCE);
    });

    it('a request without any token gets the plain challenge and its own detail', async () => {
      expectRefused(await call(), false);
      expect(missingDetail).not.toBe(sharedDetail);
      expect(missingDetail).not.toMatch(REVEALING);
    });

    it('control: a well-formed token is accepted', async () => {
      await expectAccepted(`Bearer ${goodHs(claims(ALICE))}`);
    });
  });

  describe('alg none (RFC 8725 section 3.1)', () => {
    it.each(['none', 'None', 'NONE', 'nOnE'])(
      'refuses an unsigned token with alg %j',
      async (alg) => {
        const token = hmacToken({ alg, typ: 'JWT' }, claims(ALICE), null);
        expectRefused(await call(`Bearer ${token}`));
      },
    );

    it('refuses alg none carrying an HMAC signature', async () => {
      const header = { alg: 'none', typ: 'JWT' };
      expectRefused(await call(`Bearer ${hmacToken(header, claims(ALICE), TEST_JWT_SECRET)}`));
    });

    it('refuses a token with no alg at all', async () => {
      const token = hmacToken({ typ: 'JWT' }, claims(ALICE), TEST_JWT_SECRET);
      expectRefused(await call(`Bearer ${token}`));
    });

    it('refuses an HS512 token signed with the right secret (not on the allow-list)', async () => {
      const input = `${b64url({ alg: 'HS512', typ: 'JWT' })}.${b64url(claims(ALICE))}`;
      const sig = createHmac('sha512', TEST_JWT_SECRET).update(input).digest('base64url');
      expectRefused(await call(`Bearer ${input}.${sig}`));
    });

    it('refuses alg none on the admin route, even with the admin role', async () => {
      const token = hmacToken({ alg: 'none' }, claims(ALICE, { roles: ['admin'] }), null);
      expectRefused(await call(`Bearer ${token}`, ADMIN_LIST));
    });
  });

  describe('time claims (clock tolerance 5 s)', () => {
    it('refuses a token without exp', async () => {
      expectRefused(await call(`Bearer ${goodHs(claims(ALICE, { exp: undefined }))}`));
    });

    it('refuses a token expired beyond the tolerance', async () => {
      expectRefused(await call(`Bearer ${goodHs(claims(ALICE, { exp: now() - 30 }))}`));
    });

    it('refuses a token whose exp is a string', async () => {
      const token = goodHs(claims(ALICE, { exp: String(now() + 600) }));
      expectRefused(await call(`Bearer ${token}`));
    });

    it('control: accepts a token expired 2 s ago, inside the tolerance', async () => {
      await expectAccepted(`Bearer ${goodHs(claims(ALICE, { exp: now() - 2 }))}`);
    });

    it('refuses a token not valid before a minute from now', async () => {
      expectRefused(await call(`Bearer ${goodHs(claims(ALICE, { nbf: now() + 60 }))}`));
    });

    it('control: accepts nbf 2 s ahead, inside the tolerance', async () => {
      await expectAccepted(`Bearer ${goodHs(claims(ALICE, { nbf: now() + 2 }))}`);
    });

    it('refuses iat an hour in the future', async () => {
      expectRefused(await call(`Bearer ${goodHs(claims(ALICE, { iat: now() + 3600 }))}`));
    });

    it('refuses an iat that is not a NumericDate', async () => {
      expectRefused(await call(`Bearer ${goodHs(claims(ALICE, { iat: 'yesterday' }))}`));
    });

    it('accepts iat a few seconds ahead, within the clock tolerance', async () => {
      await expectAccepted(`Bearer ${goodHs(claims(ALICE, { iat: now() + 2 }))}`);
    });
  });

  describe('issuer and audience', () => {
    it.each<[string, Json]>([
      ['a wrong iss', { iss: 'https://evil.example' }],
      ['an iss differing by a trailing slash', { iss: `${TEST_ISSUER}/` }],
      ['a missing iss', { iss: undefined }],
      ['a wrong aud', { aud: 'other-service' }],
      ['a missing aud', { aud: undefined }],
      ['an aud array of other audiences only', { aud: ['other-service', 'billing'] }],
      ['an empty aud array', { aud: [] }],
    ])('refuses %s', async (_name, overrides) => {
      expectRefused(await call(`Bearer ${goodHs(claims(ALICE, overrides))}`));
    });

    it('control: accepts an aud array that includes this service', async () => {
      await expectAccepted(
        `Bearer ${goodHs(claims(ALICE, { aud: ['other-service', TEST_AUDIENCE] }))}`,
      );
    });
  });

  describe('key headers (jku, x5u, jwk) never fetch or trust a key', () => {
    beforeEach(() => {
      keyServer.hits = [];
    });

    it('the key server answers when asked (so zero hits means the app never asked)', async () => {
      const res = await fetch(`${keyServer.url}/probe`);
      expect(res.status).toBe(200);
      expect(keyServer.hits).toEqual(['GET /probe']);
    });

    it.each(['jku', 'x5u'])('refuses an RS256 token with %s at the attacker JWKS', async (name) => {
      const header = { ...RS, kid: 'attacker-key', [name]: `${keyServer.url}/jwks.json` };
      const token = rsaToken(header, claims(ALICE), attackerRsa.privateKey);
      expectRefused(await call(`Bearer ${token}`));
      expect(keyServer.hits).toEqual([]);
    });

    it.each(['jku', 'x5u'])(
      'refuses an HS256 token with %s at an attacker oct key',
      async (name) => {
        const header = { ...HS, kid: 'attacker-oct', [name]: `${keyServer.url}/jwks.json` };
        const token = hmacToken(header, claims(ALICE), WRONG_SECRET);
        expectRefused(await call(`Bearer ${token}`));
        expect(keyServer.hits).toEqual([]);
      },
    );

    it('refuses a token carrying its own key in an embedded jwk header', async () => {
      const token = rsaToken({ ...RS, jwk: attackerJwk }, claims(ALICE), attackerRsa.privateKey);
      expectRefused(await call(`Bearer ${token}`));
      const oct = hmacToken({ ...HS, jwk: attackerOctJwk }, claims(ALICE), WRONG_SECRET);
      expectRefused(await call(`Bearer ${oct}`));
      expect(keyServer.hits).toEqual([]);
    });
  });

  describe('odd kid values (an opaque label: one key is configured)', () => {
    const kids: [string, string][] = [
      ['SQL', "' OR 1=1 --"],
      ['path traversal', '../../../../etc/passwd'],
      ['a NUL byte', 'key\u0000/dev/null'],
      ['a 4 KB kid', 'k'.repeat(4096)],
    ];

    it.each(kids)('accepts a validly signed token whose kid is %s', async (_name, kid) => {
      await expectAccepted(`Bearer ${goodHs(claims(ALICE), { ...HS, kid })}`);
    });

    it.each(kids)('refuses a wrongly signed token whose kid is %s', async (_name, kid) => {
      const token = hmacToken({ ...HS, kid }, claims(ALICE), WRONG_SECRET);
      expectRefused(await call(`Bearer ${token}`));
    });

    it('accepts a non-string kid the same way (no 5xx)', async () => {
      await expectAccepted(`Bearer ${goodHs(claims(ALICE), { ...HS, kid: { $ne: null } })}`);
    });
  });

  describe('where the token is carried: only the Authorization header counts', () => {
    const valid = () => goodHs(claims(ALICE));

    it('ignores a token in the query string', async () => {
      const res: Res = await request(http).get(`${LIST(ALICE)}?access_token=${valid()}`);
      expectRefused(res, false);
    });

    it('ignores a token in a JSON body', async () => {
      const res: Res = await request(http)
        .get(LIST(ALICE))
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ access_token: valid() }));
      expectRefused(res, false);
    });

    it('ignores a token in a form body', async () => {
      const res: Res = await request(http)
        .get(LIST(ALICE))
        .type('form')
        .send(`access_token=${valid()}`);
      expectRefused(res, false);
    });

    it('ignores a token in a cookie', async () => {
      const res: Res = await request(http)
        .get(LIST(ALICE))
        .set(
          'Cookie',
          `access_token=${valid()}; jwt=${valid()}; Authorization=Bearer%20${valid()}`,
        );
      expectRefused(res, false);
    });

    it.each([
      ['Token', (tk: string) => `Token ${tk}`],
      ['JWT (passport-jwt legacy)', (tk: string) => `JWT ${tk}`],
      ['Basic with the token', (tk: string) => `Basic ${tk}`],
      [
        'Basic with user:token',
        (tk: string) => `Basic ${Buffer.from(`alice:${tk}`).toString('base64')}`,
      ],
      ['Bearer glued to the token', (tk: string) => `Bearer${tk}`],
      ['the bare token', (tk: string) => tk],
    ])(
      'refuses the %s scheme as if no bearer token were sent (RFC 6750 section 3.1)',
      async (_name, header) => {
        expectRefused(await call(header(valid())), false);
      },
    );

    it.each(['bearer', 'BEARER', 'bEaReR'])(
      'accepts the scheme spelled %s (RFC 6750/9110: schemes are case-insensitive)',
      async (scheme) => {
        await expectAccepted(`${scheme} ${valid()}`);
      },
    );
  });

  describe('malformed and oversized tokens', () => {
    it('refuses a truncated token (last 10 characters dropped)', async () => {
      expectRefused(await call(`Bearer ${valid().slice(0, -10)}`));
    });

    it('refuses a token with a fourth segment', async () => {
      const token = valid();
      expectRefused(await call(`Bearer ${token}.${token.split('.')[2]}`));
    });

    it('refuses a token whose signature is stripped', async () => {
      const [h, p] = valid().split('.');
      expectRefused(await call(`Bearer ${h}.${p}.`));
    });

    it('refuses an empty bearer', async () => {
      expectRefused(await call('Bearer '));
    });

    it('refuses an Authorization header of only spaces after the scheme', async () => {
      expectRefused(await call('Bearer      '));
    });

    it('refuses Bearer followed by 10 KB of junk', async () => {
      expectRefused(await call(`Bearer ${'A'.repeat(10 * 1024)}`));
    });

    it('refuses a token whose segments are not JSON', async () => {
      const junk = `${b64url('not json')}.${b64url('{"sub":')}`;
      const sig = createHmac('sha256', TEST_JWT_SECRET).update(junk).digest('base64url');
      expectRefused(await call(`Bearer ${junk}.${sig}`));
    });

    it('handles a 7 KB validly signed token without a 5xx (accepted)', async () => {
      const token = goodHs(claims(ALICE, { padding: 'p'.repeat(5200) }));
      expect(token.length).toBeGreaterThan(7 * 1024);
      expect(token.length).toBeLessThan(8 * 1024);
      await expectAccepted(`Bearer ${token}`);
    });

    function valid(): string {
      return goodHs(claims(ALICE));
    }
  });

  describe('critical header parameters (RFC 7515 section 4.1.11)', () => {
    it.each<[string, unknown]>([
      ['an extension the service does not understand', ['exp-ext']],
      ['an extension named and present in the header', ['b64']],
      ['an empty list', []],
      ['a string instead of a list', 'exp-ext'],
      ['a list of a non-string', [42]],
      ['null', null],
    ])('refuses a validly signed token whose crit is %s', async (_name, crit) => {
      const header = { ...HS, crit, 'exp-ext': true, b64: true };
      expectRefused(await call(`Bearer ${goodHs(claims(ALICE), header)}`));
    });

    it('control: the same token without crit is accepted', async () => {
      await expectAccepted(`Bearer ${goodHs(claims(ALICE), { ...HS, 'exp-ext': true })}`);
    });
  });

  describe('ambiguous or malformed Authorization headers (RFC 6750)', () => {
    const valid = () => goodHs(claims(ALICE));

    it.each<[string, () => string[]]>([
      ['a valid token, then junk', () => [`Bearer ${valid()}`, 'Bearer junk']],
      ['junk, then a valid token', () => ['Bearer junk', `Bearer ${valid()}`]],
      ['the same valid token twice', () => [`Bearer ${valid()}`, `Bearer ${valid()}`]],
      ['a valid token and a Basic header', () => [`Bearer ${valid()}`, 'Basic YTpi']],
    ])('answers two Authorization headers (%s) with 400 invalid_request', async (_n, values) => {
      const res = await rawGet(
        LIST(ALICE),
        values().map((v) => `Authorization: ${v}`),
      );
      expect(res.status).toBe(400);
      const body = JSON.parse(res.body) as Json;
      expect(body).toMatchObject({ status: 400, code: 30240001 });
      expect(body.errors).toEqual([expect.objectContaining({ field: 'Authorization' })]);
      expect(res.headers['www-authenticate']).toBe(
        'Bearer realm="session-service", error="invalid_request"',
      );
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).not.toContain('"items"');
    });

    it('control: one Authorization header over the same raw connection is accepted', async () => {
      const res = await rawGet(LIST(ALICE), [`Authorization: Bearer ${valid()}`]);
      expect(res.status).toBe(200);
    });

    it.each<[string, (tk: string) => string]>([
      ['trailing junk after a space', (tk) => `Bearer ${tk} trailing-junk`],
      ['a second token after a space', (tk) => `Bearer ${tk} ${tk}`],
      ['a comma-joined second credential', (tk) => `Bearer ${tk}, Bearer junk`],
      ['a tab-separated suffix', (tk) => `Bearer ${tk}\tjunk`],
      ['a character outside b64token', (tk) => `Bearer ${tk}!`],
      ['padding in the middle', (tk) => `Bearer ${tk.replace('.', '=.')}`],
    ])('refuses a bearer credential with %s (401 invalid_token)', async (_n, header) => {
      expectRefused(await call(header(valid())));
    });

    it('control: several spaces between the scheme and the token are allowed (RFC 9110 1*SP)', async () => {
      await expectAccepted(`Bearer   ${valid()}`);
    });
  });

  /** A GET written on a raw socket, so that header lines can repeat. */
  async function rawGet(
    path: string,
    headerLines: string[],
  ): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    const server = http as unknown as Server;
    if (!server.listening) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    }
    const { port } = server.address() as AddressInfo;
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (received += chunk));
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
      socket.write(
        [
          `GET ${path} HTTP/1.1`,
          'Host: localhost',
          'Connection: close',
          ...headerLines,
          '',
          '',
        ].join('\r\n'),
      );
    });
    const [head, ...rest] = text.split('\r\n\r\n');
    const [statusLine, ...lines] = head.split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const at = line.indexOf(':');
      headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
    }
    return { status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
  }

  describe('signature transplant', () => {
    it("refuses alice's signature on a payload naming bob", async () => {
      const [header, , signature] = goodHs(claims(ALICE)).split('.');
      const forged = `${header}.${b64url(claims(BOB))}.${signature}`;
      const res = await call(`Bearer ${forged}`, LIST(BOB));
      expectRefused(res);
      expect(res.text).not.toContain(bobSessionId);
    });

    it("refuses alice's signature on her own payload with roles raised to admin", async () => {
      const payload = claims(ALICE);
      const [header, , signature] = goodHs(payload).split('.');
      const forged = `${header}.${b64url({ ...payload, roles: ['admin'] })}.${signature}`;
      const res = await call(`Bearer ${forged}`, ADMIN_LIST);
      expectRefused(res);
      expect(res.text).not.toContain(bobSessionId);
    });

    it('control: the admin route answers a genuine admin token', async () => {
      const res = await call(`Bearer ${goodHs(claims(ALICE, { roles: ['admin'] }))}`, ADMIN_LIST);
      expect(res.status).toBe(200);
      expect(res.text).toContain(bobSessionId);
    });
  });
});

describe('JWT attacks on an RS256-configured app', () => {
  const RS_ISSUER = 'https://idp.rs256-issuer.example';
  const RS_AUDIENCE = 'urn:rs256-only-audience';
  const realKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicPem = realKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  let t: TestApp;
  let http: App;
  const keyServer = new KeyServer({ keys: [attackerJwk] });

  const rsClaims = (overrides: Json = {}): Json =>
    claims(ALICE, { iss: RS_ISSUER, aud: RS_AUDIENCE, ...overrides });

  beforeAll(async () => {
    t = await createTestApp({
      JWT_SECRET: '',
      JWT_PUBLIC_KEY: publicPem,
      JWT_ISSUER: RS_ISSUER,
      JWT_AUDIENCE: RS_AUDIENCE,
    });
    http = t.app.getHttpServer();
    await resetDatabase(t.dataSource);
    await insertUser(t.dataSource, ALICE, 'alice');
    await insertSession(t.dataSource, { userId: ALICE });
    await keyServer.start();
    const baseline: Res = await request(http).get(LIST(ALICE)).set('Authorization', 'Bearer x.y.z');
    sharedDetail = String(expectProblem(baseline, 401).detail);
  });

  afterAll(async () => {
    await keyServer.stop();
    await t?.close();
  });

  const call = (token: string) =>
    request(http).get(LIST(ALICE)).set('Authorization', `Bearer ${token}`);

  let sharedDetail: string;

  /** Here iss and aud are distinctive, so the whole raw response can be searched for them. */
  function expectRefused(res: Res): void {
    const body = expectProblem(res, 401);
    expect(res.headers['www-authenticate']).toBe(CHALLENGE_INVALID);
    expect(body.detail).toBe(sharedDetail);
    const everything = `${res.text}\n${JSON.stringify(res.headers)}`;
    expect(everything).not.toContain(RS_ISSUER);
    expect(everything).not.toContain(RS_AUDIENCE);
    expect(everything).not.toContain('BEGIN PUBLIC KEY');
  }

  it('is configured for RS256 with the generated public key', () => {
    expect(t.config.auth.algorithms).toEqual(['RS256']);
    expect(t.config.auth.verificationKey?.asymmetricKeyType).toBe('rsa');
  });

  it('control: accepts a properly RS256-signed token', async () => {
    const res = await call(rsaToken(RS, rsClaims(), realKeys.privateKey));
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
  });

  it('refuses HS256 signed with the public key PEM as HMAC secret (key confusion)', async () => {
    expectRefused(await call(hmacToken(HS, rsClaims(), publicPem)));
  });

  it('refuses HS256 signed with the DER bytes of the public key', async () => {
    const der = createPublicKey(publicPem).export({ type: 'spki', format: 'der' });
    expectRefused(await call(hmacToken(HS, rsClaims(), der)));
  });

  it('refuses an RS256 token signed by another key', async () => {
    expectRefused(await call(rsaToken(RS, rsClaims(), attackerRsa.privateKey)));
  });

  it.each(['none', 'None', 'NONE'])('refuses alg %j', async (alg) => {
    expectRefused(await call(hmacToken({ alg }, rsClaims(), null)));
  });

  it.each<[string, Json]>([
    ['a wrong iss', { iss: 'https://evil.example' }],
    ['a missing iss', { iss: undefined }],
    ['a wrong aud', { aud: 'other' }],
    ['a missing aud', { aud: undefined }],
    ['expired beyond tolerance', { exp: now() - 60 }],
  ])(
    'refuses a genuinely signed token with %s, without echoing the expected value',
    async (_n, o) => {
      expectRefused(await call(rsaToken(RS, rsClaims(o), realKeys.privateKey)));
    },
  );

  it.each(['jku', 'x5u'])('refuses %s at the attacker key, fetching nothing', async (name) => {
    keyServer.hits = [];
    const header = { ...RS, kid: 'attacker-key', [name]: `${keyServer.url}/keys` };
    expectRefused(await call(rsaToken(header, rsClaims(), attackerRsa.privateKey)));
    expect(keyServer.hits).toEqual([]);
  });

  it('refuses an embedded jwk header with the attacker key', async () => {
    keyServer.hits = [];
    expectRefused(
      await call(rsaToken({ ...RS, jwk: attackerJwk }, rsClaims(), attackerRsa.privateKey)),
    );
    expect(keyServer.hits).toEqual([]);
  });
});
