/**
 * Tokens from a real identity provider: the app verifies them with keys it
 * fetches from a JWKS endpoint (or one an OpenID Provider's discovery document
 * names), looked up by `kid`. Each block boots the real application against
 * its own local JWKS server, so fetch counts and rate limits do not mix.
 */
import { createHmac, randomUUID } from 'node:crypto';
import request from 'supertest';
import { sign } from 'jsonwebtoken';
import {
  generateSigningKey,
  JwksTestServer,
  signWith,
} from '../libs/auth/src/testing/jwks-test-server';
import { ConfigError } from '../apps/session-service/src/config/environment';
import { insertUser } from './support/factories';
import { expectProblem } from './support/schemas';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { bearer, TEST_AUDIENCE, TEST_ISSUER } from './support/tokens';
import { sleep } from './support/wait';

const ALICE = 4101;
const LIST = `/sessions/user/${ALICE}/sessions`;

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Claims the app expects from the identity provider (TEST_ISSUER, TEST_AUDIENCE). */
const claims = (iss: string = TEST_ISSUER): Record<string, unknown> => ({
  sub: String(ALICE),
  roles: [],
  iss,
  aud: TEST_AUDIENCE,
});

/** Keys made once: RSA generation is slow enough to matter. */
const rsaOld = generateSigningKey('RS256', 'rsa-2025-01');
const rsaNew = generateSigningKey('RS256', 'rsa-2025-07');
const ecKey = generateSigningKey('ES256', 'ec-2025-01');

async function boot(env: NodeJS.ProcessEnv): Promise<TestApp> {
  const t = await createTestApp({ JWT_SECRET: '', ...env });
  await resetDatabase(t.dataSource);
  await insertUser(t.dataSource, ALICE, 'alice');
  return t;
}

function list(t: TestApp, token: string) {
  return request(t.app.getHttpServer())
    .get(LIST)
    .set(...bearer(token));
}

async function expectAccepted(t: TestApp, token: string): Promise<void> {
  const res = await list(t, token);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ code: 0, items: [] });
}

async function expectRefused(t: TestApp, token: string): Promise<void> {
  const res = await list(t, token);
  const body = expectProblem(res, 401);
  expect(body.code).toBe(30240101);
  expect(res.headers['www-authenticate']).toBe(
    'Bearer realm="session-service", error="invalid_token"',
  );
}

describe('JWKS: RS256 and ES256 tokens, refused tokens, key rotation', () => {
  const CACHE_MS = 1_000;
  let server: JwksTestServer;
  let t: TestApp;

  beforeAll(async () => {
    server = await JwksTestServer.start([rsaOld, ecKey]);
    t = await boot({
      JWT_JWKS_URL: server.jwksUrl,
      JWT_JWKS_CACHE_MS: String(CACHE_MS),
      JWT_JWKS_REFRESH_PER_MINUTE: '30',
    });
  });

  afterAll(async () => {
    await t?.close();
    await server?.close();
  });

  it('is configured for the JWKS with RS256 and ES256', () => {
    expect(t.config.auth.jwks).toMatchObject({ uri: server.jwksUrl, cacheMaxAgeMs: CACHE_MS });
    expect(t.config.auth.verificationKey).toBeUndefined();
    expect(t.config.auth.algorithms).toEqual(['RS256', 'ES256']);
    expect(t.config.ephemeralSigningKey).toBeUndefined();
  });

  it('accepts an RS256 token and an ES256 token on the user list', async () => {
    await expectAccepted(t, signWith(rsaOld, claims()));
    await expectAccepted(t, signWith(ecKey, claims()));
    expect(server.jwksRequests).toBeGreaterThanOrEqual(1);
  });

  it('still checks issuer, audience and expiry of JWKS-verified tokens', async () => {
    await expectRefused(t, signWith(rsaOld, claims('https://other-issuer.example')));
    await expectRefused(t, signWith(rsaOld, { ...claims(), aud: 'another-service' }));
    await expectRefused(t, signWith(rsaOld, claims(), { expiresIn: -60 }));
    // A token for another user: verified, then refused by the ownership rule (403, not 401).
    const res = await list(t, signWith(rsaOld, { ...claims(), sub: '999' }));
    expectProblem(res, 403);
  });

  it('refuses alg none, HS256 signed with the public key, and a token without kid', async () => {
    const fetchesBefore = server.jwksRequests;
    const payload = { ...claims(), exp: Math.floor(Date.now() / 1000) + 600 };
    const unsigned = `${b64url({ alg: 'none', typ: 'JWT', kid: rsaOld.kid })}.${b64url(payload)}.`;
    await expectRefused(t, unsigned);

    const hsInput = `${b64url({ alg: 'HS256', typ: 'JWT', kid: rsaOld.kid })}.${b64url(payload)}`;
    for (const secret of [
      rsaOld.publicKey.export({ format: 'pem', type: 'spki' }),
      JSON.stringify(rsaOld.jwk),
    ]) {
      const mac = createHmac('sha256', secret).update(hsInput).digest('base64url');
      await expectRefused(t, `${hsInput}.${mac}`);
    }

    const noKid = sign(claims(), rsaOld.privateKey, { algorithm: 'RS256', expiresIn: '10m' });
    await expectRefused(t, noKid);
    // None of them made the app ask the identity provider.
    expect(server.jwksRequests).toBe(fetchesBefore);
  });

  it('rotates keys: a new kid works at once, the old one until removed and expired from the cache', async () => {
    await expectAccepted(t, signWith(rsaOld, claims()));

    // The provider publishes its next key beside the current one.
    server.keys = [rsaOld, rsaNew, ecKey];
    const fetchesBefore = server.jwksRequests;
    await expectAccepted(t, signWith(rsaNew, claims()));
    expect(server.jwksRequests).toBe(fetchesBefore + 1);
    await expectAccepted(t, signWith(rsaOld, claims()));

    // The old key is withdrawn: once the cache has expired, its tokens are refused.
    server.keys = [rsaNew, ecKey];
    await sleep(CACHE_MS + 500);
    await expectRefused(t, signWith(rsaOld, claims()));
    await expectAccepted(t, signWith(rsaNew, claims()));
    await expectAccepted(t, signWith(ecKey, claims()));
  });
});

describe('JWKS: unknown kids', () => {
  const REFRESH_PER_MINUTE = 3;
  let server: JwksTestServer;
  let t: TestApp;

  beforeAll(async () => {
    server = await JwksTestServer.start([rsaOld]);
    t = await boot({
      JWT_JWKS_URL: server.jwksUrl,
      JWT_JWKS_REFRESH_PER_MINUTE: String(REFRESH_PER_MINUTE),
    });
  });

  afterAll(async () => {
    await t?.close();
    await server?.close();
  });

  it('refuses 50 tokens with random kids with at most the configured number of fetches', async () => {
    await expectAccepted(t, signWith(rsaOld, claims()));
    expect(server.jwksRequests).toBe(1);

    const random = () => signWith(rsaOld, claims(), { keyid: randomUUID() });
    for (let i = 0; i < 25; i++) await expectRefused(t, random());
    await Promise.all(Array.from({ length: 25 }, () => expectRefused(t, random())));

    expect(server.jwksRequests).toBeLessThanOrEqual(REFRESH_PER_MINUTE);
    expect(server.jwksRequests).toBeGreaterThan(1);
    // The known key is cached and unaffected by the limit.
    await expectAccepted(t, signWith(rsaOld, claims()));
  });
});

describe('JWKS: identity provider down', () => {
  let server: JwksTestServer;
  let t: TestApp;

  beforeAll(async () => {
    server = await JwksTestServer.start([rsaOld, ecKey]);
    t = await boot({ JWT_JWKS_URL: server.jwksUrl, JWT_JWKS_TIMEOUT_MS: '500' });
  });

  afterAll(async () => {
    await t?.close();
    await server?.close();
  });

  it('answers 401 for keys it has not cached and 200 for cached keys', async () => {
    await expectAccepted(t, signWith(rsaOld, claims()));

    // Answers 500.
    server.mode = 'error';
    await expectRefused(t, signWith(ecKey, claims()));
    await expectAccepted(t, signWith(rsaOld, claims()));

    // Accepts the connection and never answers: the fetch timeout ends the wait.
    server.mode = 'stall';
    const started = Date.now();
    await expectRefused(t, signWith(ecKey, claims(), { keyid: 'ec-unknown' }));
    expect(Date.now() - started).toBeLessThan(5_000);
    await expectAccepted(t, signWith(rsaOld, claims()));

    // Gone altogether: connections are refused.
    await server.close();
    await expectRefused(t, signWith(ecKey, claims()));
    await expectAccepted(t, signWith(rsaOld, claims()));
  });
});

describe('OIDC discovery', () => {
  let provider: JwksTestServer;
  let t: TestApp;

  beforeAll(async () => {
    provider = await JwksTestServer.start([rsaOld, ecKey]);
    // JWT_ISSUER unset: the issuer of the discovery document is the expected `iss`.
    t = await boot({ JWT_OIDC_ISSUER: provider.url, JWT_ISSUER: '' });
  });

  afterAll(async () => {
    await t?.close();
    await provider?.close();
  });

  it('accepts tokens from the discovered issuer, signed with keys from its jwks_uri', async () => {
    await expectAccepted(t, signWith(rsaOld, claims(provider.url)));
    await expectAccepted(t, signWith(ecKey, claims(provider.url)));
    expect(provider.discoveryRequests).toBe(1);
    expect(provider.jwksRequests).toBeGreaterThanOrEqual(1);
  });

  it('refuses tokens with another iss, or none', async () => {
    await expectRefused(t, signWith(rsaOld, claims(TEST_ISSUER)));
    await expectRefused(t, signWith(rsaOld, claims(`${provider.url}/`)));
    const noIss = claims(provider.url);
    delete noIss.iss;
    await expectRefused(t, signWith(rsaOld, noIss));
  });

  it('refuses every token when the discovery document names another issuer', async () => {
    const impostor = await JwksTestServer.start([rsaOld]);
    impostor.issuer = 'https://real-idp.example';
    const other = await boot({ JWT_OIDC_ISSUER: impostor.url, JWT_ISSUER: '' });
    try {
      await expectRefused(other, signWith(rsaOld, claims(impostor.url)));
      await expectRefused(other, signWith(rsaOld, claims('https://real-idp.example')));
      expect(impostor.discoveryRequests).toBeGreaterThanOrEqual(1);
      expect(impostor.jwksRequests).toBe(0);
    } finally {
      await other.close();
      await impostor.close();
    }
  });
});

describe('JWKS configuration', () => {
  it('refuses more than one key source, naming the variables', async () => {
    const error: unknown = await createTestApp({ JWT_JWKS_URL: 'http://127.0.0.1:9/jwks' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toContain(
      'JWT_SECRET and JWT_JWKS_URL: set one, not both',
    );
  });

  it('refuses HS256 in JWT_ALGORITHMS with a JWKS', async () => {
    const error: unknown = await createTestApp({
      JWT_SECRET: '',
      JWT_JWKS_URL: 'http://127.0.0.1:9/jwks',
      JWT_ALGORITHMS: 'RS256,HS256',
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatch(/^JWT_ALGORITHMS: /);
  });
});
