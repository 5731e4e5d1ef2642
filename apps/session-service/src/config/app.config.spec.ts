import { generateKeyPairSync } from 'node:crypto';
import { loadConfig } from './app.config';
import { ConfigError } from './environment';

const SECRET = 'x'.repeat(32);
const DATABASE_URL = 'postgres://app@db.internal:5432/sessions';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const RSA_PUBLIC_PEM = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const EC_PUBLIC_PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();
const ED25519_PUBLIC_PEM = generateKeyPairSync('ed25519')
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig', () => {
  describe('in production', () => {
    it('requires a JWT key and DATABASE_URL, naming both variables', () => {
      const error = configError({ NODE_ENV: 'production' });
      expect(error.problems).toEqual([
        'JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS_URL or JWT_OIDC_ISSUER: required when NODE_ENV=production',
        'DATABASE_URL: required when NODE_ENV=production',
      ]);
      expect(error.message).toContain(
        'JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS_URL or JWT_OIDC_ISSUER',
      );
      expect(error.message).toContain('DATABASE_URL');
    });

    it('requires DATABASE_URL even with a key', () => {
      const error = configError({ NODE_ENV: 'production', JWT_SECRET: SECRET });
      expect(error.problems).toEqual(['DATABASE_URL: required when NODE_ENV=production']);
    });

    it('never generates an ephemeral key', () => {
      const error = configError({ NODE_ENV: 'production', DATABASE_URL });
      expect(error.problems).toEqual([
        'JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS_URL or JWT_OIDC_ISSUER: required when NODE_ENV=production',
      ]);
    });

    it('loads a complete configuration and disables the demo seed', () => {
      const config = loadConfig({
        NODE_ENV: 'production',
        JWT_SECRET: SECRET,
        DATABASE_URL,
        DEMO_SEED: 'true',
      });
      expect(config.nodeEnv).toBe('production');
      expect(config.database.url).toBe(DATABASE_URL);
      expect(config.auth.algorithms).toEqual(['HS256']);
      expect(config.ephemeralSigningKey).toBeUndefined();
      expect(config.demoSeed).toBe(false);
      expect(config.auth.verificationKey?.type).toBe('secret');
      expect(config.auth.verificationKey?.export().toString('utf8')).toBe(SECRET);
    });
  });

  describe('in development without a JWT key', () => {
    const config = loadConfig({});

    it('generates an ephemeral HS256 signing key and uses it for verification', () => {
      expect(config.ephemeralSigningKey).toBeDefined();
      expect(config.ephemeralSigningKey?.type).toBe('secret');
      expect(config.ephemeralSigningKey?.symmetricKeySize).toBe(32);
      expect(config.auth.verificationKey).toBe(config.ephemeralSigningKey);
      expect(config.auth.algorithms).toEqual(['HS256']);
    });

    it('generates a different key on every start', () => {
      const first = config.ephemeralSigningKey;
      const second = loadConfig({}).ephemeralSigningKey;
      if (!first || !second) throw new Error('expected ephemeral keys');
      expect(second.equals(first)).toBe(false);
    });

    it('applies the defaults', () => {
      expect(config).toMatchObject({
        nodeEnv: 'development',
        host: '0.0.0.0',
        port: 3000,
        serviceName: 'session-service',
        demoSeed: true,
        database: {
          url: undefined,
          embeddedDbDir: '.data/pglite',
          poolSize: 10,
          connectTimeoutMs: 1500,
          queryTimeoutMs: 1500,
          statementTimeoutMs: 1000,
          applicationName: 'session-service',
        },
        auth: {
          clockToleranceSeconds: 5,
          rolesClaim: 'roles',
          adminRole: 'admin',
          serviceRole: 'session-writer',
        },
        sessions: {
          schema: 'session_service',
          absoluteTtlSeconds: 43_200,
          idleTimeoutSeconds: 1_800,
          maxAbsoluteTtlSeconds: 2_592_000,
          maxIdleTimeoutSeconds: 86_400,
        },
      });
    });
  });

  it('does not mark a configured secret as ephemeral', () => {
    const config = loadConfig({ JWT_SECRET: SECRET });
    expect(config.ephemeralSigningKey).toBeUndefined();
    expect(config.auth.algorithms).toEqual(['HS256']);
  });

  it('accepts explicit HS algorithms for a secret', () => {
    expect(
      loadConfig({ JWT_SECRET: SECRET, JWT_ALGORITHMS: 'HS256,HS512' }).auth.algorithms,
    ).toEqual(['HS256', 'HS512']);
  });

  it('refuses a JWT_SECRET shorter than 32 characters, naming JWT_SECRET', () => {
    const error = configError({ JWT_SECRET: 'x'.repeat(31) });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^JWT_SECRET: /);
    expect(error.message).toContain('JWT_SECRET');
  });

  it('refuses both JWT_SECRET and JWT_PUBLIC_KEY', () => {
    const error = configError({ JWT_SECRET: SECRET, JWT_PUBLIC_KEY: RSA_PUBLIC_PEM });
    expect(error.problems).toContain('JWT_SECRET and JWT_PUBLIC_KEY: set one, not both');
  });

  it('takes DATABASE_SCHEMA as the sessions schema, and refuses one that is not a plain identifier', () => {
    expect(
      loadConfig({ JWT_SECRET: SECRET, DATABASE_SCHEMA: 'auth_sessions' }).sessions.schema,
    ).toBe('auth_sessions');
    for (const bad of ['Auth', 'a-b', 'a;b', 'pg_x', 'x'.repeat(64)]) {
      const error = configError({ JWT_SECRET: SECRET, DATABASE_SCHEMA: bad });
      expect(error.problems).toEqual([expect.stringMatching(/^DATABASE_SCHEMA: /)]);
    }
  });

  it('refuses a non-numeric PORT, naming PORT', () => {
    const error = configError({ PORT: 'abc' });
    expect(error.problems.length).toBeGreaterThan(0);
    expect(error.problems.every((p) => p.startsWith('PORT: '))).toBe(true);
    expect(error.problems).toContain('PORT: PORT must be an integer');
  });

  describe('with an RSA public key', () => {
    it('defaults to RS256', () => {
      const config = loadConfig({ JWT_PUBLIC_KEY: RSA_PUBLIC_PEM });
      expect(config.auth.algorithms).toEqual(['RS256']);
      expect(config.auth.verificationKey?.type).toBe('public');
      expect(config.auth.verificationKey?.asymmetricKeyType).toBe('rsa');
      expect(config.ephemeralSigningKey).toBeUndefined();
    });

    it('accepts a PEM with escaped newlines, as env files often carry it', () => {
      const escaped = RSA_PUBLIC_PEM.replace(/\n/g, '\\n');
      expect(escaped).not.toContain('\n');
      const config = loadConfig({ JWT_PUBLIC_KEY: escaped });
      expect(config.auth.verificationKey?.asymmetricKeyType).toBe('rsa');
    });

    it('accepts the RS and PS families', () => {
      expect(
        loadConfig({ JWT_PUBLIC_KEY: RSA_PUBLIC_PEM, JWT_ALGORITHMS: 'RS256,PS256' }).auth
          .algorithms,
      ).toEqual(['RS256', 'PS256']);
    });

    it('refuses JWT_ALGORITHMS=HS256', () => {
      const error = configError({ JWT_PUBLIC_KEY: RSA_PUBLIC_PEM, JWT_ALGORITHMS: 'HS256' });
      expect(error.problems).toEqual(['JWT_ALGORITHMS: HS256 does not match the rsa key']);
    });

    it('refuses a list mixing families', () => {
      const error = configError({ JWT_PUBLIC_KEY: RSA_PUBLIC_PEM, JWT_ALGORITHMS: 'RS256,HS256' });
      expect(error.problems[0]).toMatch(/^JWT_ALGORITHMS: /);
    });
  });

  it('refuses RS algorithms for an HMAC secret', () => {
    const error = configError({ JWT_SECRET: SECRET, JWT_ALGORITHMS: 'RS256' });
    expect(error.problems).toEqual(['JWT_ALGORITHMS: RS256 does not match the secret key']);
  });

  it('defaults an EC key to ES256', () => {
    expect(loadConfig({ JWT_PUBLIC_KEY: EC_PUBLIC_PEM }).auth.algorithms).toEqual(['ES256']);
  });

  it('refuses a key type it has no algorithm family for', () => {
    const error = configError({ JWT_PUBLIC_KEY: ED25519_PUBLIC_PEM });
    expect(error.problems).toEqual(['JWT_PUBLIC_KEY: unsupported key type ed25519']);
  });

  it('refuses an unreadable PEM', () => {
    const error = configError({
      JWT_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----',
    });
    expect(error.problems).toEqual(['JWT_PUBLIC_KEY: not a readable PEM public key']);
  });

  it('refuses a client-side query deadline not above the statement timeout, naming both', () => {
    for (const [query, statement] of [
      ['1000', '1000'],
      ['800', '1000'],
    ]) {
      const error = configError({
        DATABASE_QUERY_TIMEOUT_MS: query,
        DATABASE_STATEMENT_TIMEOUT_MS: statement,
      });
      expect(error.problems).toEqual([
        'DATABASE_QUERY_TIMEOUT_MS: must be 0 or greater than DATABASE_STATEMENT_TIMEOUT_MS',
      ]);
    }
    // 0 turns the client-side deadline off; a greater one is accepted.
    for (const query of ['0', '1001']) {
      expect(
        loadConfig({ DATABASE_QUERY_TIMEOUT_MS: query, DATABASE_STATEMENT_TIMEOUT_MS: '1000' })
          .database.queryTimeoutMs,
      ).toBe(Number(query));
    }
  });

  it('refuses default lifetimes above their maximums', () => {
    const error = configError({
      SESSION_ABSOLUTE_TTL_SECONDS: '7200',
      SESSION_MAX_ABSOLUTE_TTL_SECONDS: '3600',
      SESSION_IDLE_TIMEOUT_SECONDS: '600',
      SESSION_MAX_IDLE_TIMEOUT_SECONDS: '300',
    });
    expect(error.problems).toEqual([
      'SESSION_ABSOLUTE_TTL_SECONDS: must not exceed SESSION_MAX_ABSOLUTE_TTL_SECONDS',
      'SESSION_IDLE_TIMEOUT_SECONDS: must not exceed SESSION_MAX_IDLE_TIMEOUT_SECONDS',
    ]);
  });

  it('lists every problem in the ConfigError message, one per line', () => {
    const error = configError({
      NODE_ENV: 'production',
      JWT_SECRET: SECRET,
      JWT_PUBLIC_KEY: RSA_PUBLIC_PEM,
      SESSION_IDLE_TIMEOUT_SECONDS: '90000',
    });
    expect(error.name).toBe('ConfigError');
    expect(error.problems).toEqual([
      'JWT_SECRET and JWT_PUBLIC_KEY: set one, not both',
      'DATABASE_URL: required when NODE_ENV=production',
      'SESSION_IDLE_TIMEOUT_SECONDS: must not exceed SESSION_MAX_IDLE_TIMEOUT_SECONDS',
    ]);
    expect(error.message).toBe(
      ['Invalid configuration:', ...error.problems.map((problem) => `  - ${problem}`)].join('\n'),
    );
  });

  it('reads the remaining settings from the environment', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '8080',
      SERVICE_NAME: 'sessions-eu',
      DATABASE_URL,
      DATABASE_POOL_SIZE: '25',
      JWT_SECRET: SECRET,
      JWT_ISSUER: 'https://id.example.com',
      JWT_AUDIENCE: 'sessions',
      JWT_CLOCK_TOLERANCE_SECONDS: '0',
      JWT_ROLES_CLAIM: 'realm_access.roles',
      JWT_ADMIN_ROLE: 'ops',
      JWT_SERVICE_ROLE: 'gateway',
      DEMO_SEED: 'false',
    });
    expect(config).toMatchObject({
      nodeEnv: 'test',
      host: '127.0.0.1',
      port: 8080,
      serviceName: 'sessions-eu',
      demoSeed: false,
      database: { url: DATABASE_URL, poolSize: 25, applicationName: 'sessions-eu' },
      auth: {
        issuer: 'https://id.example.com',
        audience: 'sessions',
        clockToleranceSeconds: 0,
        rolesClaim: 'realm_access.roles',
        adminRole: 'ops',
        serviceRole: 'gateway',
      },
    });
  });

  it('passes the claim paths on: user id, several roles paths, the session claim', () => {
    const auth = loadConfig({
      JWT_SECRET: SECRET,
      JWT_USER_ID_CLAIM: '["https://example.com/user_id"]',
      JWT_ROLES_CLAIM: 'realm_access.roles, resource_access["my.app"].roles',
      JWT_SESSION_CLAIM: 'sid',
    }).auth;
    expect(auth).toMatchObject({
      userIdClaim: '["https://example.com/user_id"]',
      rolesClaim: 'realm_access.roles, resource_access["my.app"].roles',
      sessionClaim: 'sid',
    });
    expect(loadConfig({ JWT_SECRET: SECRET }).auth).toMatchObject({
      userIdClaim: 'sub',
      rolesClaim: 'roles',
      sessionClaim: 'session_id',
    });
  });

  describe('management listener, API docs and the shared rate-limit store', () => {
    const base = { JWT_SECRET: SECRET, DATABASE_URL, PORT: '8080' };

    it('in production: management on port 9000 and no API docs unless asked for', () => {
      const config = loadConfig({ ...base, NODE_ENV: 'production' });
      expect(config.managementPort).toBe(9000);
      expect(config.apiDocsEnabled).toBe(false);
      const enabled = loadConfig({
        ...base,
        NODE_ENV: 'production',
        API_DOCS_ENABLED: 'true',
        MANAGEMENT_PORT: '8080',
      });
      expect(enabled.apiDocsEnabled).toBe(true);
      expect(enabled.managementPort).toBe(8080);
    });

    it('outside production: management on the API port and API docs on, unless set', () => {
      const config = loadConfig({ ...base, NODE_ENV: 'development' });
      expect(config.managementPort).toBe(8080);
      expect(config.apiDocsEnabled).toBe(true);
      const set = loadConfig({ ...base, MANAGEMENT_PORT: '9100', API_DOCS_ENABLED: 'false' });
      expect(set.managementPort).toBe(9100);
      expect(set.apiDocsEnabled).toBe(false);
    });

    it('refuses a bad MANAGEMENT_PORT or API_DOCS_ENABLED, naming them', () => {
      const error = configError({ ...base, MANAGEMENT_PORT: 'x', API_DOCS_ENABLED: 'yes' });
      expect(error.problems.join('\n')).toMatch(/^MANAGEMENT_PORT: /m);
      expect(error.problems.join('\n')).toMatch(/^API_DOCS_ENABLED: /m);
    });

    it('keeps rate-limit counters in memory without REDIS_URL, in Redis with it', () => {
      expect(loadConfig(base).rateLimit.redis).toBeUndefined();
      expect(
        loadConfig({ ...base, SERVICE_NAME: 'sessions-eu', REDIS_URL: 'redis://cache:6379/2' })
          .rateLimit.redis,
      ).toEqual({ url: 'redis://cache:6379/2', keyPrefix: 'sessions-eu:', timeoutMs: 200 });
      expect(
        loadConfig({
          ...base,
          REDIS_URL: 'rediss://cache:6380',
          REDIS_KEY_PREFIX: 'rl:',
          REDIS_TIMEOUT_MS: '50',
        }).rateLimit.redis,
      ).toEqual({ url: 'rediss://cache:6380', keyPrefix: 'rl:', timeoutMs: 50 });
      expect(configError({ ...base, REDIS_URL: 'http://cache' }).problems).toEqual([
        'REDIS_URL: REDIS_URL must be a redis:// or rediss:// URL',
      ]);
    });
  });

  describe('CORS_ORIGINS', () => {
    it('is off unless set', () => {
      expect(loadConfig({}).corsOrigins).toBeUndefined();
    });

    it('takes *, or origins as browsers send them', () => {
      expect(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins).toBe('*');
      expect(
        loadConfig({ CORS_ORIGINS: 'https://devices.example.com, http://LOCALHOST:5173' })
          .corsOrigins,
      ).toEqual(['https://devices.example.com', 'http://localhost:5173']);
    });

    it.each([
      'devices.example.com',
      'https://devices.example.com/app',
      'https://a.com,',
      '*,https://a.com',
    ])('refuses %j, naming the variable', (value) => {
      expect(configError({ CORS_ORIGINS: value }).problems).toEqual([
        expect.stringMatching(/^CORS_ORIGINS: CORS_ORIGINS must be \* or a comma-separated list/),
      ]);
    });
  });
});
