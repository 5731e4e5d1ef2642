import { createPublicKey, createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import type { Algorithm } from 'jsonwebtoken';
import type { JwksOptions, TokenAuthOptions } from '@session-service/auth';
import type { DatabaseSettings } from '@session-service/database';
import type { SessionsSettings } from '@session-service/sessions';
import type { SignalsSettings } from '@session-service/signals';
import { ConfigError, type EnvironmentVariables, validateEnvironment } from './environment';

/** The typed configuration the application is built from. */
export interface AppConfig {
  nodeEnv: EnvironmentVariables['NODE_ENV'];
  host: string;
  port: number;
  /**
   * Where `/metrics` and the health probes are served. Equal to `port`: on the
   * API listener; otherwise on a listener of their own, and 404 on the API's.
   */
  managementPort: number;
  /** Serve Swagger UI at `/docs` and the OpenAPI document at `/docs-json`. */
  apiDocsEnabled: boolean;
  serviceName: string;
  /** Absent: run on the embedded PostgreSQL under `embeddedDbDir`. */
  database: Omit<DatabaseSettings, 'url'> & { url?: string; embeddedDbDir: string };
  auth: TokenAuthOptions;
  /** The signing key was generated at start-up: demo tokens can be minted with it. */
  ephemeralSigningKey?: KeyObject;
  sessions: SessionsSettings;
  demoSeed: boolean;
  logLevel: EnvironmentVariables['LOG_LEVEL'];
  rateLimit: {
    ipPerMinute: number;
    userPerMinute: number;
    /** Absent: counters in memory, per instance. */
    redis?: { url: string; keyPrefix: string; timeoutMs: number };
  };
  /** Express `trust proxy`: which hops may set X-Forwarded-For. */
  trustProxy: boolean | number | string;
  /** Origins whose browser pages may call the API (`'*'`: any); absent: no CORS. */
  corsOrigins?: '*' | string[];
  shutdown: { drainMs: number; timeoutMs: number };
  /** Time to receive a whole request; inactivity of a socket while a request is in flight. */
  http: { requestTimeoutMs: number; connectionTimeoutMs: number };
  /** The Shared Signals transmitter and Back-Channel Logout; absent: off. */
  signals?: SignalsSettings;
}

/** Algorithm family each key type may use: an HMAC secret never verifies an RS/ES token and vice versa. */
const FAMILY_BY_KEY: Record<string, RegExp> = {
  secret: /^HS/,
  rsa: /^(RS|PS)/,
  'rsa-pss': /^PS/,
  ec: /^ES/,
  // Keys of an identity provider: asymmetric only, never HS* (the public key is no secret) or none.
  jwks: /^(RS|PS|ES)/,
};

const DEFAULT_ALGORITHMS: Record<string, Algorithm[]> = {
  secret: ['HS256'],
  rsa: ['RS256'],
  'rsa-pss': ['PS256'],
  ec: ['ES256'],
  jwks: ['RS256', 'ES256'],
};

/** Port of `/metrics` and the health probes in production when MANAGEMENT_PORT is unset (as Keycloak's). */
export const DEFAULT_MANAGEMENT_PORT = 9000;

/** Where the JWT verification keys come from: exactly one may be set. */
const KEY_SOURCES = ['JWT_SECRET', 'JWT_PUBLIC_KEY', 'JWT_JWKS_URL', 'JWT_OIDC_ISSUER'] as const;

/** https, or http to this host only (a local identity provider or sidecar). */
function isHttpsOrLoopback(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return url.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

/**
 * Builds the configuration from the environment. Outside production, a missing
 * JWT key means "demo": an ephemeral HS256 key is generated. In production,
 * every required setting must be given.
 */
export function loadConfig(env: NodeJS.ProcessEnv): AppConfig {
  const vars = validateEnvironment(env);
  const problems: string[] = [];
  const production = vars.NODE_ENV === 'production';

  const keySources = KEY_SOURCES.filter((name) => vars[name]);
  if (keySources.length > 1) {
    problems.push(
      `${keySources.join(' and ')}: set one, not ${keySources.length > 2 ? 'several' : 'both'}`,
    );
  }
  if (production && !keySources.length) {
    problems.push(
      'JWT_SECRET, JWT_PUBLIC_KEY, JWT_JWKS_URL or JWT_OIDC_ISSUER: required when NODE_ENV=production',
    );
  }
  for (const name of ['JWT_JWKS_URL', 'JWT_OIDC_ISSUER'] as const) {
    const url = vars[name];
    if (url && production && !isHttpsOrLoopback(url)) {
      problems.push(`${name}: must use https when NODE_ENV=production`);
    }
  }
  if (vars.DATABASE_READ_URLS && !vars.DATABASE_URL) {
    problems.push('DATABASE_READ_URLS: requires DATABASE_URL (the primary)');
  }
  if (production && !vars.DATABASE_URL) {
    problems.push('DATABASE_URL: required when NODE_ENV=production');
  }
  if (vars.SESSION_ABSOLUTE_TTL_SECONDS > vars.SESSION_MAX_ABSOLUTE_TTL_SECONDS) {
    problems.push('SESSION_ABSOLUTE_TTL_SECONDS: must not exceed SESSION_MAX_ABSOLUTE_TTL_SECONDS');
  }
  if (vars.SESSION_IDLE_TIMEOUT_SECONDS > vars.SESSION_MAX_IDLE_TIMEOUT_SECONDS) {
    problems.push('SESSION_IDLE_TIMEOUT_SECONDS: must not exceed SESSION_MAX_IDLE_TIMEOUT_SECONDS');
  }

  let key: KeyObject | undefined;
  let keyKind = 'secret';
  let ephemeralSigningKey: KeyObject | undefined;
  const jwksUri = vars.JWT_JWKS_URL;
  const oidcIssuer = vars.JWT_OIDC_ISSUER;
  const jwks: JwksOptions | undefined =
    keySources.length === 1 && (jwksUri || oidcIssuer)
      ? {
          ...(jwksUri ? { uri: jwksUri } : { oidcIssuer: oidcIssuer! }),
          cacheMaxAgeMs: vars.JWT_JWKS_CACHE_MS,
          refreshPerMinute: vars.JWT_JWKS_REFRESH_PER_MINUTE,
          timeoutMs: vars.JWT_JWKS_TIMEOUT_MS,
        }
      : undefined;
  if (jwks) {
    keyKind = 'jwks';
  } else if (vars.JWT_SECRET) {
    key = createSecretKey(Buffer.from(vars.JWT_SECRET, 'utf8'));
  } else if (vars.JWT_PUBLIC_KEY) {
    try {
      key = createPublicKey(vars.JWT_PUBLIC_KEY.replace(/\\n/g, '\n'));
      keyKind = key.asymmetricKeyType ?? 'unknown';
    } catch {
      problems.push('JWT_PUBLIC_KEY: not a readable PEM public key');
    }
  } else if (!production && !keySources.length) {
    key = ephemeralSigningKey = createSecretKey(randomBytes(32));
  }

  const algorithms = (vars.JWT_ALGORITHMS?.split(',') ??
    DEFAULT_ALGORITHMS[keyKind] ??
    []) as Algorithm[];
  const family = FAMILY_BY_KEY[keyKind];
  if (key && !family) problems.push(`JWT_PUBLIC_KEY: unsupported key type ${keyKind}`);
  if (key && family && !algorithms.every((a) => family.test(a))) {
    problems.push(`JWT_ALGORITHMS: ${algorithms.join(',')} does not match the ${keyKind} key`);
  }
  if (jwks && !algorithms.every((a) => family.test(a))) {
    problems.push(
      `JWT_ALGORITHMS: ${algorithms.join(',')} is not allowed with JWKS keys (RS*, PS* and ES* only)`,
    );
  }
  // PostgreSQL cancels a slow statement first (a query-timeout Problem, a batch that can be
  // retried smaller); the client-side deadline only catches a network that went silent.
  if (
    vars.DATABASE_QUERY_TIMEOUT_MS !== 0 &&
    vars.DATABASE_QUERY_TIMEOUT_MS <= vars.DATABASE_STATEMENT_TIMEOUT_MS
  ) {
    problems.push(
      'DATABASE_QUERY_TIMEOUT_MS: must be 0 or greater than DATABASE_STATEMENT_TIMEOUT_MS',
    );
  }
  const signals = loadSignals(vars, production, Boolean(ephemeralSigningKey), problems);
  if (problems.length || !(key || jwks)) throw new ConfigError(problems);

  return {
    nodeEnv: vars.NODE_ENV,
    host: vars.HOST,
    port: vars.PORT,
    managementPort: vars.MANAGEMENT_PORT ?? (production ? DEFAULT_MANAGEMENT_PORT : vars.PORT),
    apiDocsEnabled: (vars.API_DOCS_ENABLED ?? (production ? 'false' : 'true')) === 'true',
    serviceName: vars.SERVICE_NAME,
    database: {
      url: vars.DATABASE_URL,
      readUrls: vars.DATABASE_READ_URLS?.split(',').map((u) => u.trim()) ?? [],
      embeddedDbDir: vars.EMBEDDED_DB_DIR,
      poolSize: vars.DATABASE_POOL_SIZE,
      connectTimeoutMs: vars.DATABASE_CONNECT_TIMEOUT_MS,
      queryTimeoutMs: vars.DATABASE_QUERY_TIMEOUT_MS,
      statementTimeoutMs: vars.DATABASE_STATEMENT_TIMEOUT_MS,
      idleInTransactionTimeoutMs: vars.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
      applicationName: vars.SERVICE_NAME,
    },
    auth: {
      ...(jwks ? { jwks } : { verificationKey: key! }),
      algorithms,
      issuer: vars.JWT_ISSUER,
      audience: vars.JWT_AUDIENCE,
      clockToleranceSeconds: vars.JWT_CLOCK_TOLERANCE_SECONDS,
      userIdClaim: vars.JWT_USER_ID_CLAIM,
      rolesClaim: vars.JWT_ROLES_CLAIM,
      adminRole: vars.JWT_ADMIN_ROLE,
      serviceRole: vars.JWT_SERVICE_ROLE,
      receiverRole: vars.SIGNALS_RECEIVER_ROLE,
      sessionClaim: vars.JWT_SESSION_CLAIM,
    },
    ephemeralSigningKey,
    sessions: {
      schema: vars.DATABASE_SCHEMA,
      absoluteTtlSeconds: vars.SESSION_ABSOLUTE_TTL_SECONDS,
      idleTimeoutSeconds: vars.SESSION_IDLE_TIMEOUT_SECONDS,
      maxAbsoluteTtlSeconds: vars.SESSION_MAX_ABSOLUTE_TTL_SECONDS,
      maxIdleTimeoutSeconds: vars.SESSION_MAX_IDLE_TIMEOUT_SECONDS,
      sessionStateCacheMs: vars.SESSION_STATE_CACHE_MS,
      subjectCacheMs: vars.SUBJECT_CACHE_MS,
      maxSessionsPerUser: vars.SESSION_MAX_PER_USER ?? null,
      limitPolicy: vars.SESSION_LIMIT_POLICY,
      replaceSameDevice: vars.SESSION_REPLACE_SAME_DEVICE === 'true',
      unknownTenant: vars.UNKNOWN_TENANT,
      tenantCacheMs: vars.TENANT_CACHE_MS,
      sweepIntervalMs: vars.SESSION_SWEEP_INTERVAL_MS,
      sweepBatchSize: vars.SESSION_SWEEP_BATCH_SIZE,
      retentionSeconds: vars.SESSION_RETENTION_SECONDS,
      eventsRetentionSeconds: vars.SESSION_EVENTS_RETENTION_SECONDS,
      audit: vars.SESSION_AUDIT === 'true',
      feedPollIntervalMs: vars.REVOCATION_FEED_POLL_MS,
      streamConnections: vars.DATABASE_STREAM_POOL_SIZE,
      streamWriteTimeoutMs: vars.DATABASE_STREAM_WRITE_TIMEOUT_MS,
      revokeBatchSize: vars.SESSION_REVOKE_BATCH_SIZE,
      revokeBudgetMs: vars.SESSION_REVOKE_BUDGET_MS,
    },
    demoSeed: !production && vars.DEMO_SEED === 'true',
    logLevel: vars.LOG_LEVEL,
    rateLimit: {
      ipPerMinute: vars.RATE_LIMIT_IP_PER_MINUTE,
      userPerMinute: vars.RATE_LIMIT_USER_PER_MINUTE,
      redis: vars.REDIS_URL
        ? {
            url: vars.REDIS_URL,
            keyPrefix: vars.REDIS_KEY_PREFIX ?? `${vars.SERVICE_NAME}:`,
            timeoutMs: vars.REDIS_TIMEOUT_MS,
          }
        : undefined,
    },
    trustProxy: parseTrustProxy(vars.TRUST_PROXY),
    corsOrigins: parseCorsOrigins(vars.CORS_ORIGINS),
    shutdown: { drainMs: vars.SHUTDOWN_DRAIN_MS, timeoutMs: vars.SHUTDOWN_TIMEOUT_MS },
    http: {
      requestTimeoutMs: vars.HTTP_REQUEST_TIMEOUT_MS,
      connectionTimeoutMs: vars.HTTP_CONNECTION_TIMEOUT_MS,
    },
    signals,
  };
}

/**
 * The transmitter's settings: on with SIGNALS_ISSUER, or in demo mode (at
 * http://localhost:PORT). Without SIGNALS_SIGNING_KEY a key is generated,
 * outside production only.
 */
function loadSignals(
  vars: EnvironmentVariables,
  production: boolean,
  demo: boolean,
  problems: string[],
): SignalsSettings | undefined {
  const issuer = vars.SIGNALS_ISSUER ?? (demo ? `http://localhost:${vars.PORT}` : undefined);
  if (!issuer) return undefined;
  if (production && !vars.SIGNALS_SIGNING_KEY) {
    problems.push(
      'SIGNALS_SIGNING_KEY: required when SIGNALS_ISSUER is set and NODE_ENV=production',
    );
  }
  if (production && !isHttpsOrLoopback(issuer)) {
    problems.push('SIGNALS_ISSUER: must use https when NODE_ENV=production');
  }
  const key = vars.SIGNALS_SIGNING_KEY?.trim();
  if (key && !key.startsWith('{') && !key.includes('-----BEGIN PRIVATE KEY-----')) {
    problems.push('SIGNALS_SIGNING_KEY: must be a private JWK (JSON) or a PKCS #8 PEM private key');
  }
  let previousKeys: SignalsSettings['previousKeys'];
  if (vars.SIGNALS_PREVIOUS_KEYS) {
    try {
      const parsed = JSON.parse(vars.SIGNALS_PREVIOUS_KEYS) as unknown;
      const keys = Array.isArray(parsed) ? parsed : (parsed as { keys?: unknown }).keys;
      if (!Array.isArray(keys) || !keys.every((k) => k && typeof k === 'object' && 'kty' in k)) {
        throw new Error('not a JWK Set');
      }
      previousKeys = keys as SignalsSettings['previousKeys'];
    } catch {
      problems.push(
        'SIGNALS_PREVIOUS_KEYS: must be a JWK Set ({"keys":[...]}) or an array of JWKs',
      );
    }
  }
  return {
    issuer,
    schema: vars.DATABASE_SCHEMA,
    signingKey: key || undefined,
    signingKeyId: vars.SIGNALS_SIGNING_KEY_ID,
    previousKeys,
    pollTimeoutMs: vars.SIGNALS_POLL_TIMEOUT_MS,
    deliveryIntervalMs: vars.SIGNALS_DELIVERY_INTERVAL_MS,
    deliveryWorker: vars.SIGNALS_DELIVERY_WORKER === 'true',
    retryBaseMs: vars.SIGNALS_RETRY_BASE_MS,
    retryMaxMs: vars.SIGNALS_RETRY_MAX_MS,
    pushTimeoutMs: vars.SIGNALS_PUSH_TIMEOUT_MS,
    logoutTokenTtlSeconds: vars.SIGNALS_LOGOUT_TOKEN_TTL_SECONDS,
    // session-established is built from the audit trail's sign-ins.
    auditTrail: vars.SESSION_AUDIT === 'true',
  };
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/** `CORS_ORIGINS`: `*`, or the origins listed (as browsers send them: no trailing slash). */
function parseCorsOrigins(value: string | undefined): AppConfig['corsOrigins'] {
  if (!value) return undefined;
  if (value === '*') return '*';
  return value.split(',').map((origin) => new URL(origin.trim()).origin);
}
