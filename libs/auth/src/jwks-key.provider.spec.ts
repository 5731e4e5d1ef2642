import { Logger } from '@nestjs/common';
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { type Algorithm, sign, verify } from 'jsonwebtoken';
import type { AuthObserver } from './auth-observer';
import { JWKS_DEFAULTS, resolveAuthOptions, type ResolvedJwksOptions } from './auth.options';
import {
  discoveryUrl,
  JwksKeyProvider,
  keyFitsAlgorithm,
  TokenKeyError,
} from './jwks-key.provider';
import {
  generateSigningKey,
  JwksTestServer,
  signWith,
  type TestSigningKey,
} from './testing/jwks-test-server';

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const claims = { sub: '1001' };

let rsa: TestSigningKey;
let ec: TestSigningKey;
let server: JwksTestServer;

function provider(
  overrides: Partial<ResolvedJwksOptions> = {},
  algorithms: Algorithm[] = ['RS256', 'ES256'],
  observer?: AuthObserver,
): JwksKeyProvider {
  return new JwksKeyProvider(
    {
      uri: server.jwksUrl,
      requireDiscoveredIssuer: false,
      cacheMaxAgeMs: 60_000,
      refreshPerMinute: 10,
      timeoutMs: 1_000,
      ...overrides,
    },
    algorithms,
    observer,
  );
}

beforeAll(() => {
  Logger.overrideLogger(false);
  rsa = generateSigningKey('RS256');
  ec = generateSigningKey('ES256');
});

beforeEach(async () => {
  server = await JwksTestServer.start([rsa, ec]);
});

afterEach(async () => {
  await server.close();
});

describe('JwksKeyProvider', () => {
  it('finds an RSA key by kid and returns it as a public KeyObject that verifies the token', async () => {
    const token = signWith(rsa, claims);
    const key = await provider().keyFor(token);
    expect(key.type).toBe('public');
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.export({ format: 'jwk' })).toEqual(rsa.publicKey.export({ format: 'jwk' }));
    expect(verify(token, key, { algorithms: ['RS256'] })).toMatchObject(claims);
  });

  it('finds an EC P-256 key by kid', async () => {
    const token = signWith(ec, claims);
    const key = await provider().keyFor(token);
    expect(key.asymmetricKeyType).toBe('ec');
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(verify(token, key, { algorithms: ['ES256'] })).toMatchObject(claims);
  });

  it('caches keys: repeated lookups of known kids fetch once per kid', async () => {
    const keys = provider();
    for (let i = 0; i < 5; i++) {
      await keys.keyFor(signWith(rsa, claims));
      await keys.keyFor(signWith(ec, claims));
    }
    expect(server.jwksRequests).toBe(2);
  });

  it('refetches for a kid it has not seen: a key published later is found without restarting', async () => {
    const keys = provider();
    await keys.keyFor(signWith(rsa, claims));
    const rotated = generateSigningKey('RS256');
    server.keys = [rotated, rsa];
    const key = await keys.keyFor(signWith(rotated, claims));
    expect(key.export({ format: 'jwk' })).toEqual(rotated.publicKey.export({ format: 'jwk' }));
    expect(server.jwksRequests).toBe(2);
  });

  it('reports each fetch, failed fetch, and key added or dropped to its observer', async () => {
    const events: string[] = [];
    const observer: AuthObserver = {
      jwksFetched: ({ uri, keys }) => events.push(`fetched ${uri === server.jwksUrl} ${keys}`),
      jwksFailed: ({ error }) => events.push(`failed ${error.length > 0}`),
      keyAdded: ({ kid, alg }) => events.push(`added ${kid} ${alg}`),
      keyDropped: ({ kid }) => events.push(`dropped ${kid}`),
      verifyFailed: () => events.push('never called here'),
    };
    const keys = provider({}, undefined, observer);
    await keys.keyFor(signWith(rsa, claims));
    const rotated = generateSigningKey('ES256');
    server.keys = [rotated, rsa];
    await keys.keyFor(signWith(rotated, claims));
    server.keys = [rotated];
    await expect(keys.keyFor(signWith(generateSigningKey('RS256'), claims))).rejects.toThrow();
    server.mode = 'error';
    await expect(keys.keyFor(signWith(generateSigningKey('RS256'), claims))).rejects.toThrow();
    expect(events).toEqual([
      'fetched true 2',
      `added ${rsa.kid} RS256`,
      `added ${ec.kid} ES256`,
      'fetched true 2',
      `added ${rotated.kid} ES256`,
      `dropped ${ec.kid}`,
      'fetched true 1',
      `dropped ${rsa.kid}`,
      'failed true',
    ]);
  });

  it('keeps working when its observer throws', async () => {
    const throwing = provider({}, undefined, {
      jwksFetched: () => {
        throw new Error('observer broke');
      },
    });
    await expect(throwing.keyFor(signWith(rsa, claims))).resolves.toMatchObject({ type: 'public' });
  });

  it('refuses an unknown kid after one fetch', async () => {
    const token = signWith(generateSigningKey('RS256'), claims);
    await expect(provider().keyFor(token)).rejects.toBeInstanceOf(TokenKeyError);
    expect(server.jwksRequests).toBe(1);
  });

  it('limits refetches for unknown kids to refreshPerMinute, refusing the rest at once', async () => {
    const keys = provider({ refreshPerMinute: 3 });
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      await expect(
        keys.keyFor(signWith(rsa, claims, { keyid: randomUUID() })),
      ).rejects.toBeInstanceOf(TokenKeyError);
    }
    expect(server.jwksRequests).toBe(3);
    // Refused, not queued until the limit frees up.
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('shares one fetch among concurrent lookups of unknown kids', async () => {
    const keys = provider();
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, () => keys.keyFor(signWith(rsa, claims, { keyid: randomUUID() }))),
    );
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(server.jwksRequests).toBe(1);
  });

  it('keeps serving cached keys while the rate limit refuses new fetches', async () => {
    const keys = provider({ refreshPerMinute: 1 });
    await keys.keyFor(signWith(rsa, claims));
    await expect(
      keys.keyFor(signWith(rsa, claims, { keyid: randomUUID() })),
    ).rejects.toBeInstanceOf(TokenKeyError);
    await expect(keys.keyFor(signWith(rsa, claims))).resolves.toMatchObject({ type: 'public' });
    expect(server.jwksRequests).toBe(1);
  });

  it.each([
    ['no kid', () => sign(claims, rsa.privateKey, { algorithm: 'RS256' })],
    ['an empty kid', () => signWith(rsa, claims, { keyid: '' })],
    ['a numeric kid', () => signWith(rsa, claims, { header: { alg: 'RS256', kid: 7 } as never })],
    ['an overlong kid', () => signWith(rsa, claims, { keyid: 'k'.repeat(257) })],
    ['alg none', () => `${b64url({ alg: 'none', kid: rsa.kid })}.${b64url(claims)}.`],
    [
      'HS256 signed with the public key',
      () => {
        const input = `${b64url({ alg: 'HS256', kid: rsa.kid })}.${b64url(claims)}`;
        const pem = rsa.publicKey.export({ format: 'pem', type: 'spki' });
        return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
      },
    ],
    ['an algorithm outside the allow-list', () => signWith(generateSigningKey('ES384'), claims)],
    ['not a JWT', () => 'not-a-jwt'],
    ['a header that is not JSON', () => `${Buffer.from('{x').toString('base64url')}.e30.`],
  ])('refuses a token with %s without fetching', async (_label, token) => {
    await expect(provider().keyFor(token())).rejects.toBeInstanceOf(TokenKeyError);
    expect(server.jwksRequests).toBe(0);
  });

  it('refuses a non-string token', async () => {
    await expect(provider().keyFor(undefined)).rejects.toBeInstanceOf(TokenKeyError);
  });

  it("refuses a token whose alg differs from its key's published alg", async () => {
    const token = sign(claims, rsa.privateKey, { algorithm: 'PS256', keyid: rsa.kid });
    await expect(provider({}, ['RS256', 'PS256']).keyFor(token)).rejects.toThrow(
      'kid is for another alg',
    );
  });

  it('refuses a key of the wrong type for the algorithm when the JWK names no alg', async () => {
    const bare = generateSigningKey('RS256', randomUUID(), { use: 'sig' });
    server.keys = [bare];
    const input = `${b64url({ alg: 'ES256', kid: bare.kid })}.${b64url(claims)}`;
    await expect(provider().keyFor(`${input}.c2ln`)).rejects.toThrow(
      'key does not fit the algorithm',
    );
    // The same key is fine for the algorithm it is for.
    await expect(
      provider().keyFor(signWith(bare, claims, { algorithm: 'RS256' })),
    ).resolves.toMatchObject({ asymmetricKeyType: 'rsa' });
  });

  it('ignores encryption keys and private key material in the JWKS', async () => {
    const enc = generateSigningKey('RS256', randomUUID(), { use: 'enc', alg: 'RS256' });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privateKid = randomUUID();
    server.keys = [enc, rsa];
    server.rawJwks = [{ ...privateKey.export({ format: 'jwk' }), kid: privateKid, alg: 'RS256' }];
    const keys = provider();
    await expect(keys.keyFor(signWith(enc, claims))).rejects.toBeInstanceOf(TokenKeyError);
    await expect(
      keys.keyFor(sign(claims, privateKey, { algorithm: 'RS256', keyid: privateKid })),
    ).rejects.toBeInstanceOf(TokenKeyError);
    await expect(keys.keyFor(signWith(rsa, claims))).resolves.toMatchObject({ type: 'public' });
  });

  it('refuses when the endpoint answers 500, and keeps cached keys working', async () => {
    const keys = provider();
    await keys.keyFor(signWith(rsa, claims));
    server.mode = 'error';
    await expect(keys.keyFor(signWith(ec, claims))).rejects.toBeInstanceOf(TokenKeyError);
    await expect(keys.keyFor(signWith(rsa, claims))).resolves.toMatchObject({ type: 'public' });
    expect(server.jwksRequests).toBe(2);
  });

  it('refuses when the endpoint is unreachable', async () => {
    await server.close();
    await expect(provider().keyFor(signWith(rsa, claims))).rejects.toBeInstanceOf(TokenKeyError);
  });

  it('gives up on an endpoint that does not answer within timeoutMs', async () => {
    server.mode = 'stall';
    const started = Date.now();
    await expect(provider({ timeoutMs: 200 }).keyFor(signWith(rsa, claims))).rejects.toBeInstanceOf(
      TokenKeyError,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(server.jwksRequests).toBe(1);
  });

  it.each([
    ['not JSON', '<html>'],
    ['no keys array', '{"keys":{}}'],
    ['an empty key list', '{"keys":[]}'],
    ['a document over 512 kB', JSON.stringify({ keys: [], pad: 'x'.repeat(600 * 1024) })],
  ])('refuses when the JWKS is %s', async (_label, body) => {
    server.jwksBodyOverride = body;
    await expect(provider().keyFor(signWith(rsa, claims))).rejects.toBeInstanceOf(TokenKeyError);
  });

  it('forgets a removed key once its cache entry has expired', async () => {
    const keys = provider({ cacheMaxAgeMs: 150 });
    await keys.keyFor(signWith(rsa, claims));
    server.keys = [ec];
    // Still cached: no fetch, still accepted.
    await expect(keys.keyFor(signWith(rsa, claims))).resolves.toMatchObject({ type: 'public' });
    expect(server.jwksRequests).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(keys.keyFor(signWith(rsa, claims))).rejects.toBeInstanceOf(TokenKeyError);
    expect(server.jwksRequests).toBe(2);
  });

  describe('with OIDC discovery', () => {
    const oidc = (overrides: Partial<ResolvedJwksOptions> = {}) =>
      provider({
        uri: undefined,
        oidcIssuer: server.url,
        requireDiscoveredIssuer: true,
        ...overrides,
      });

    it('reads jwks_uri from the discovery document, once for several kids', async () => {
      const keys = oidc();
      await keys.keyFor(signWith(rsa, claims));
      await keys.keyFor(signWith(ec, claims));
      expect(server.discoveryRequests).toBe(1);
      expect(server.jwksRequests).toBe(2);
    });

    it('follows a jwks_uri elsewhere', async () => {
      const other = await JwksTestServer.start([rsa]);
      try {
        server.keys = [];
        server.jwksUriOverride = other.jwksUrl;
        await expect(oidc().keyFor(signWith(rsa, claims))).resolves.toMatchObject({
          type: 'public',
        });
        expect(other.jwksRequests).toBe(1);
        expect(server.jwksRequests).toBe(0);
      } finally {
        await other.close();
      }
    });

    it('refuses a discovery document naming another issuer', async () => {
      server.issuer = 'https://evil.example';
      await expect(oidc().keyFor(signWith(rsa, claims))).rejects.toBeInstanceOf(TokenKeyError);
      expect(server.jwksRequests).toBe(0);
    });

    it('accepts another issuer in the document when the expected issuer is configured apart', async () => {
      server.issuer = 'https://login.example/{tenantid}/v2.0';
      await expect(
        oidc({ requireDiscoveredIssuer: false }).keyFor(signWith(rsa, claims)),
      ).resolves.toMatchObject({ type: 'public' });
    });

    it('refuses a jwks_uri that is not http(s)', async () => {
      server.jwksUriOverride = 'file:///etc/passwd';
      await expect(oidc().keyFor(signWith(rsa, claims))).rejects.toBeInstanceOf(TokenKeyError);
    });

    it('refuses when discovery is down, and fetches discovery within the rate limit', async () => {
      server.mode = 'error';
      const keys = oidc({ refreshPerMinute: 2 });
      for (let i = 0; i < 10; i++) {
        await expect(keys.keyFor(signWith(rsa, claims))).rejects.toBeInstanceOf(TokenKeyError);
      }
      expect(server.discoveryRequests).toBe(2);
    });

    it('keeps the last discovered JWKS endpoint when rediscovery fails', async () => {
      const keys = oidc({ cacheMaxAgeMs: 100 });
      await keys.keyFor(signWith(rsa, claims));
      await new Promise((resolve) => setTimeout(resolve, 200));
      server.discoveryDown = true;
      await expect(keys.keyFor(signWith(rsa, claims))).resolves.toMatchObject({ type: 'public' });
      expect(server.discoveryRequests).toBe(2);
      expect(server.jwksRequests).toBe(2);
    });
  });
});

describe('keyFitsAlgorithm', () => {
  it('matches key types and EC curves to algorithm families', () => {
    expect(keyFitsAlgorithm(rsa.publicKey, 'RS256')).toBe(true);
    expect(keyFitsAlgorithm(rsa.publicKey, 'PS512')).toBe(true);
    expect(keyFitsAlgorithm(rsa.publicKey, 'ES256')).toBe(false);
    expect(keyFitsAlgorithm(ec.publicKey, 'ES256')).toBe(true);
    expect(keyFitsAlgorithm(ec.publicKey, 'ES384')).toBe(false);
    expect(keyFitsAlgorithm(ec.publicKey, 'RS256')).toBe(false);
    expect(keyFitsAlgorithm(rsa.publicKey, 'HS256')).toBe(false);
    expect(keyFitsAlgorithm(rsa.privateKey, 'RS256')).toBe(false);
  });
});

describe('discoveryUrl', () => {
  it('appends the well-known path, dropping a terminating slash', () => {
    expect(discoveryUrl('https://idp.example')).toBe(
      'https://idp.example/.well-known/openid-configuration',
    );
    expect(discoveryUrl('https://idp.example/realms/main/')).toBe(
      'https://idp.example/realms/main/.well-known/openid-configuration',
    );
  });
});

describe('resolveAuthOptions with jwks', () => {
  it('fills the JWKS defaults: RS256 and ES256, 10 min cache, 10 refreshes a minute, 2 s timeout', () => {
    const resolved = resolveAuthOptions({ jwks: { uri: 'https://idp.example/jwks' } });
    expect(resolved.algorithms).toEqual(['RS256', 'ES256']);
    expect(resolved.jwks).toEqual({
      uri: 'https://idp.example/jwks',
      oidcIssuer: undefined,
      requireDiscoveredIssuer: false,
      cacheMaxAgeMs: 600_000,
      refreshPerMinute: 10,
      timeoutMs: 2_000,
    });
    expect(JWKS_DEFAULTS.algorithms).toEqual(['RS256', 'ES256']);
    expect(resolved.issuer).toBeUndefined();
  });

  it('expects the OIDC issuer as iss unless an issuer is given', () => {
    const discovered = resolveAuthOptions({ jwks: { oidcIssuer: 'https://idp.example/' } });
    expect(discovered.issuer).toBe('https://idp.example/');
    expect(discovered.jwks?.requireDiscoveredIssuer).toBe(true);
    const pinned = resolveAuthOptions({
      jwks: { oidcIssuer: 'https://idp.example/' },
      issuer: 'https://tokens.example',
    });
    expect(pinned.issuer).toBe('https://tokens.example');
    expect(pinned.jwks?.requireDiscoveredIssuer).toBe(false);
  });

  it.each([['HS256'], ['none'], ['RS256,HS256']])('refuses algorithms %s', (list) => {
    expect(() =>
      resolveAuthOptions({
        jwks: { uri: 'https://idp.example/jwks' },
        algorithms: list.split(',') as Algorithm[],
      }),
    ).toThrow(/RS\*, PS\* and ES\* algorithms only/);
  });

  it('refuses both or neither of uri and oidcIssuer, and a static key beside jwks', () => {
    expect(() =>
      resolveAuthOptions({ jwks: { uri: 'https://a', oidcIssuer: 'https://b' } as never }),
    ).toThrow(/exactly one/);
    expect(() => resolveAuthOptions({ jwks: {} as never })).toThrow(/exactly one/);
    expect(() =>
      resolveAuthOptions({
        jwks: { uri: 'https://a' },
        verificationKey: rsa.publicKey,
      } as never),
    ).toThrow(/not both/);
  });
});
