import { resolveAuthOptions } from '@session-service/auth';
import { generateKeyPairSync } from 'node:crypto';
import { loadConfig } from './app.config';
import { ConfigError } from './environment';

const SECRET = 'x'.repeat(32);
const JWKS_URL = 'https://idp.example/.well-known/jwks.json';
const ISSUER = 'https://idp.example/realms/main';
const DATABASE_URL = 'postgres://app@db.internal:5432/sessions';
const PUBLIC_PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig with a JWKS key source', () => {
  it('reads JWT_JWKS_URL with the defaults: RS256 and ES256, 10 min cache, 10 refreshes a minute, 2 s', () => {
    const config = loadConfig({ JWT_JWKS_URL: JWKS_URL });
    expect(config.auth.jwks).toEqual({
      uri: JWKS_URL,
      cacheMaxAgeMs: 600_000,
      refreshPerMinute: 10,
      timeoutMs: 2_000,
    });
    expect(config.auth.verificationKey).toBeUndefined();
    expect(config.auth.algorithms).toEqual(['RS256', 'ES256']);
    // No demo: there is no key to mint tokens with.
    expect(config.ephemeralSigningKey).toBeUndefined();
  });

  it('reads the cache, refresh and timeout settings', () => {
    const config = loadConfig({
      JWT_JWKS_URL: JWKS_URL,
      JWT_JWKS_CACHE_MS: '30000',
      JWT_JWKS_REFRESH_PER_MINUTE: '2',
      JWT_JWKS_TIMEOUT_MS: '500',
    });
    expect(config.auth.jwks).toMatchObject({
      cacheMaxAgeMs: 30_000,
      refreshPerMinute: 2,
      timeoutMs: 500,
    });
  });

  it('reads JWT_OIDC_ISSUER, whose issuer becomes the expected iss unless JWT_ISSUER is set', () => {
    const config = loadConfig({ JWT_OIDC_ISSUER: ISSUER });
    expect(config.auth.jwks).toMatchObject({ oidcIssuer: ISSUER });
    expect(config.auth.jwks?.uri).toBeUndefined();
    expect(resolveAuthOptions(config.auth).issuer).toBe(ISSUER);

    const pinned = loadConfig({ JWT_OIDC_ISSUER: ISSUER, JWT_ISSUER: 'https://tokens.example' });
    expect(resolveAuthOptions(pinned.auth).issuer).toBe('https://tokens.example');
  });

  it('narrows the algorithms with JWT_ALGORITHMS', () => {
    expect(
      loadConfig({ JWT_JWKS_URL: JWKS_URL, JWT_ALGORITHMS: 'PS256,ES384' }).auth.algorithms,
    ).toEqual(['PS256', 'ES384']);
  });

  it.each([['HS256'], ['RS256,HS512']])('refuses JWT_ALGORITHMS=%s with a JWKS', (list) => {
    expect(problems({ JWT_JWKS_URL: JWKS_URL, JWT_ALGORITHMS: list })).toEqual([
      `JWT_ALGORITHMS: ${list} is not allowed with JWKS keys (RS*, PS* and ES* only)`,
    ]);
  });

  it('refuses alg none in JWT_ALGORITHMS', () => {
    expect(problems({ JWT_JWKS_URL: JWKS_URL, JWT_ALGORITHMS: 'none' })[0]).toMatch(
      /^JWT_ALGORITHMS: /,
    );
  });

  it.each([
    [
      { JWT_SECRET: SECRET, JWT_JWKS_URL: JWKS_URL },
      'JWT_SECRET and JWT_JWKS_URL: set one, not both',
    ],
    [
      { JWT_PUBLIC_KEY: PUBLIC_PEM, JWT_OIDC_ISSUER: ISSUER },
      'JWT_PUBLIC_KEY and JWT_OIDC_ISSUER: set one, not both',
    ],
    [
      { JWT_JWKS_URL: JWKS_URL, JWT_OIDC_ISSUER: ISSUER },
      'JWT_JWKS_URL and JWT_OIDC_ISSUER: set one, not both',
    ],
    [
      { JWT_SECRET: SECRET, JWT_PUBLIC_KEY: PUBLIC_PEM, JWT_JWKS_URL: JWKS_URL },
      'JWT_SECRET and JWT_PUBLIC_KEY and JWT_JWKS_URL: set one, not several',
    ],
  ])('refuses more than one key source: %o', (env, message) => {
    expect(problems(env)).toEqual([message]);
  });

  it('treats empty key variables as unset', () => {
    expect(loadConfig({ JWT_SECRET: '', JWT_JWKS_URL: JWKS_URL }).auth.jwks?.uri).toBe(JWKS_URL);
  });

  it.each([
    ['JWT_JWKS_URL', 'ftp://idp.example/jwks'],
    ['JWT_JWKS_URL', 'idp.example/jwks'],
    ['JWT_OIDC_ISSUER', 'https://idp.example/?tenant=x'],
    ['JWT_OIDC_ISSUER', 'not a url'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(problems({ [name]: value })[0]).toMatch(new RegExp(`^${name}: `));
  });

  it.each([
    ['JWT_JWKS_CACHE_MS', '-1'],
    ['JWT_JWKS_REFRESH_PER_MINUTE', '0'],
    ['JWT_JWKS_TIMEOUT_MS', '50'],
    ['JWT_JWKS_TIMEOUT_MS', 'soon'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(problems({ JWT_JWKS_URL: JWKS_URL, [name]: value })[0]).toMatch(
      new RegExp(`^${name}: `),
    );
  });

  describe('in production', () => {
    it('accepts a JWKS as the key source', () => {
      const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL, JWT_OIDC_ISSUER: ISSUER });
      expect(config.auth.jwks?.oidcIssuer).toBe(ISSUER);
    });

    it('requires https, except on this host', () => {
      expect(
        problems({
          NODE_ENV: 'production',
          DATABASE_URL,
          JWT_JWKS_URL: 'http://idp.internal/jwks',
        }),
      ).toEqual(['JWT_JWKS_URL: must use https when NODE_ENV=production']);
      expect(
        problems({ NODE_ENV: 'production', DATABASE_URL, JWT_OIDC_ISSUER: 'http://idp.internal' }),
      ).toEqual(['JWT_OIDC_ISSUER: must use https when NODE_ENV=production']);
      expect(
        loadConfig({
          NODE_ENV: 'production',
          DATABASE_URL,
          JWT_JWKS_URL: 'http://127.0.0.1:8080/jwks',
        }).auth.jwks?.uri,
      ).toBe('http://127.0.0.1:8080/jwks');
    });
  });
});
