import { plainToInstance } from 'class-transformer';
import { parseClaimPath, parseClaimPathList } from '@session-service/auth';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

const INT = { message: '$property must be an integer' };

/**
 * Every environment variable the service reads, validated once at start-up.
 * Nothing else in the code base reads `process.env`. Each one has a row in the
 * README's configuration table, with this default (readme-configuration.spec.ts).
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsInt(INT)
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  /** Unset: 9000 in production, the API's listener (PORT) otherwise. */
  @IsOptional()
  @IsInt(INT)
  @Min(0)
  @Max(65535)
  MANAGEMENT_PORT?: number;

  /** Unset: true outside production, false in production. */
  @IsOptional()
  @IsIn(['true', 'false'])
  API_DOCS_ENABLED?: 'true' | 'false';

  @IsString()
  @Matches(/^[a-z0-9-]{1,63}$/, {
    message: 'SERVICE_NAME must be lowercase letters, digits and dashes',
  })
  SERVICE_NAME = 'session-service';

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+(,\s*postgres(ql)?:\/\/\S+)*$/, {
    message: 'DATABASE_READ_URLS must be a comma-separated list of postgres:// URLs',
  })
  DATABASE_READ_URLS?: string;

  @IsInt(INT)
  @Min(1)
  @Max(500)
  DATABASE_POOL_SIZE = 10;

  @IsInt(INT)
  @Min(100)
  @Max(60_000)
  DATABASE_CONNECT_TIMEOUT_MS = 1500;

  @IsInt(INT)
  @Min(0)
  @Max(600_000)
  DATABASE_QUERY_TIMEOUT_MS = 1500;

  @IsInt(INT)
  @Min(1)
  @Max(100)
  DATABASE_STREAM_POOL_SIZE = 2;

  @IsInt(INT)
  @Min(100)
  @Max(600_000)
  DATABASE_STREAM_WRITE_TIMEOUT_MS = 5000;

  @IsInt(INT)
  @Min(100)
  @Max(600_000)
  DATABASE_STATEMENT_TIMEOUT_MS = 1000;

  /** The PostgreSQL schema of the service's tables; the migrations create it. */
  @Matches(/^(?!pg_)[a-z_][a-z0-9_]{0,62}$/, {
    message:
      'DATABASE_SCHEMA must be a plain PostgreSQL identifier: lowercase letters, digits and _, starting with a letter or _, at most 63, not pg_*',
  })
  DATABASE_SCHEMA = 'session_service';

  @IsString()
  EMBEDDED_DB_DIR = '.data/pglite';

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 bytes (RFC 7518 section 3.2)' })
  JWT_SECRET?: string;

  @IsOptional()
  @Matches(/-----BEGIN PUBLIC KEY-----/, { message: 'JWT_PUBLIC_KEY must be a PEM public key' })
  JWT_PUBLIC_KEY?: string;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+[^\s#]*$/, {
    message: 'JWT_JWKS_URL must be an http(s) URL of a JWKS endpoint',
  })
  @MaxLength(2048)
  JWT_JWKS_URL?: string;

  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+[^\s?#]*$/, {
    message: 'JWT_OIDC_ISSUER must be an http(s) URL without query or fragment',
  })
  @MaxLength(2048)
  JWT_OIDC_ISSUER?: string;

  @IsInt(INT)
  @Min(0)
  @Max(86_400_000)
  JWT_JWKS_CACHE_MS = 600_000;

  @IsInt(INT)
  @Min(1)
  @Max(600)
  JWT_JWKS_REFRESH_PER_MINUTE = 10;

  @IsInt(INT)
  @Min(100)
  @Max(30_000)
  JWT_JWKS_TIMEOUT_MS = 2_000;

  @IsOptional()
  @Matches(/^(HS|RS|PS|ES)(256|384|512)(,(HS|RS|PS|ES)(256|384|512))*$/, {
    message: 'JWT_ALGORITHMS must be a comma-separated list such as HS256 or RS256,RS384',
  })
  JWT_ALGORITHMS?: string;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  JWT_ISSUER?: string;

  @IsOptional()
  @IsString()
  @MaxLength(512)
  JWT_AUDIENCE?: string;

  @IsInt(INT)
  @Min(0)
  @Max(300)
  JWT_CLOCK_TOLERANCE_SECONDS = 5;

  /** Claim paths (libs/auth/src/claim-path.ts) are parsed in validateEnvironment. */
  @IsString()
  @MaxLength(1024)
  JWT_USER_ID_CLAIM = 'sub';

  /** One claim path or several, comma-separated: the roles are their union. */
  @IsString()
  @MaxLength(1024)
  JWT_ROLES_CLAIM = 'roles';

  @IsString()
  @MinLength(1)
  JWT_ADMIN_ROLE = 'admin';

  @IsString()
  @MinLength(1)
  JWT_SERVICE_ROLE = 'session-writer';

  @IsString()
  @MaxLength(1024)
  JWT_SESSION_CLAIM = 'session_id';

  @IsInt(INT)
  @Min(60)
  SESSION_ABSOLUTE_TTL_SECONDS = 43_200;

  @IsInt(INT)
  @Min(60)
  SESSION_IDLE_TIMEOUT_SECONDS = 1_800;

  @IsInt(INT)
  @Min(60)
  SESSION_MAX_ABSOLUTE_TTL_SECONDS = 2_592_000;

  @IsInt(INT)
  @Min(60)
  SESSION_MAX_IDLE_TIMEOUT_SECONDS = 86_400;

  @IsInt(INT)
  @Min(0)
  @Max(60_000)
  SESSION_STATE_CACHE_MS = 0;

  @IsInt(INT)
  @Min(0)
  @Max(3_600_000)
  SUBJECT_CACHE_MS = 60_000;

  /** Unset or empty: no limit. */
  @IsOptional()
  @IsInt(INT)
  @Min(1)
  @Max(10_000)
  SESSION_MAX_PER_USER?: number;

  @IsIn(['evict-oldest', 'deny'])
  SESSION_LIMIT_POLICY: 'evict-oldest' | 'deny' = 'evict-oldest';

  @IsIn(['true', 'false'])
  SESSION_REPLACE_SAME_DEVICE: 'true' | 'false' = 'false';

  @IsIn(['defaults', 'reject'])
  UNKNOWN_TENANT: 'defaults' | 'reject' = 'defaults';

  @IsInt(INT)
  @Min(0)
  @Max(3_600_000)
  TENANT_CACHE_MS = 60_000;

  @IsInt(INT)
  @Min(0)
  SESSION_SWEEP_INTERVAL_MS = 60_000;

  @IsInt(INT)
  @Min(1)
  @Max(100_000)
  SESSION_SWEEP_BATCH_SIZE = 1_000;

  @IsInt(INT)
  @Min(0)
  SESSION_RETENTION_SECONDS = 2_592_000;

  /** Unset: SESSION_RETENTION_SECONDS. */
  @IsOptional()
  @IsInt(INT)
  @Min(0)
  SESSION_EVENTS_RETENTION_SECONDS?: number;

  @IsIn(['true', 'false'])
  SESSION_AUDIT: 'true' | 'false' = 'true';

  @IsInt(INT)
  @Min(10)
  @Max(100_000)
  SESSION_REVOKE_BATCH_SIZE = 1_000;

  @IsInt(INT)
  @Min(100)
  @Max(600_000)
  SESSION_REVOKE_BUDGET_MS = 10_000;

  @IsInt(INT)
  @Min(100)
  @Max(60_000)
  REVOCATION_FEED_POLL_MS = 1_000;

  @IsInt(INT)
  @Min(100)
  @Max(600_000)
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' = 'info';

  @IsInt(INT)
  @Min(1)
  RATE_LIMIT_IP_PER_MINUTE = 1200;

  @IsInt(INT)
  @Min(1)
  RATE_LIMIT_USER_PER_MINUTE = 600;

  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  /** Unset: `<SERVICE_NAME>:`. */
  @IsOptional()
  @Matches(/^[A-Za-z0-9:_.-]{1,64}$/, {
    message:
      'REDIS_KEY_PREFIX must be up to 64 letters, digits, colons, dots, dashes or underscores',
  })
  REDIS_KEY_PREFIX?: string;

  @IsInt(INT)
  @Min(10)
  @Max(10_000)
  REDIS_TIMEOUT_MS = 200;

  @Matches(/^(true|false|\d{1,2}|[0-9a-fA-F.:/, ]+|loopback|linklocal|uniquelocal)$/, {
    message:
      'TRUST_PROXY must be true, false, a hop count, or a comma-separated list of addresses/CIDRs (or loopback, linklocal, uniquelocal)',
  })
  TRUST_PROXY = 'false';

  /** Unset: no CORS headers (browsers on other origins cannot read the answers). */
  @IsOptional()
  @Matches(/^(\*|https?:\/\/[^\s,/?#]+(\s*,\s*https?:\/\/[^\s,/?#]+)*)$/, {
    message:
      'CORS_ORIGINS must be * or a comma-separated list of origins (scheme://host[:port], no path)',
  })
  CORS_ORIGINS?: string;

  @IsInt(INT)
  @Min(0)
  @Max(60_000)
  SHUTDOWN_DRAIN_MS = 1_000;

  @IsInt(INT)
  @Min(1_000)
  @Max(600_000)
  SHUTDOWN_TIMEOUT_MS = 15_000;

  /** Node's `requestTimeout`: the whole request, headers and body, must arrive within it. */
  @IsInt(INT)
  @Min(100)
  @Max(600_000)
  HTTP_REQUEST_TIMEOUT_MS = 10_000;

  /** Fastify's `connectionTimeout`: inactivity of a socket while a request is in flight. */
  @IsInt(INT)
  @Min(100)
  @Max(3_600_000)
  HTTP_CONNECTION_TIMEOUT_MS = 60_000;

  @IsIn(['true', 'false'])
  DEMO_SEED: 'true' | 'false' = 'true';

  /** The Shared Signals transmitter's issuer; set, it turns signals on (demo mode: on at http://localhost:PORT). */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s/?#]+[^\s?#]*$/, {
    message: 'SIGNALS_ISSUER must be an http(s) URL without query or fragment',
  })
  @MaxLength(2048)
  SIGNALS_ISSUER?: string;

  /** A private JWK (JSON) or PKCS #8 PEM; checked in loadConfig. */
  @IsOptional()
  @IsString()
  @MaxLength(16_384)
  SIGNALS_SIGNING_KEY?: string;

  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,255}$/, {
    message: 'SIGNALS_SIGNING_KEY_ID must be 1 to 255 printable characters',
  })
  SIGNALS_SIGNING_KEY_ID?: string;

  /** A JWK Set (or an array of JWKs) of public keys; checked in loadConfig. */
  @IsOptional()
  @IsString()
  @MaxLength(65_536)
  SIGNALS_PREVIOUS_KEYS?: string;

  @IsString()
  @MinLength(1)
  SIGNALS_RECEIVER_ROLE = 'ssf-receiver';

  @IsInt(INT)
  @Min(0)
  @Max(120_000)
  SIGNALS_POLL_TIMEOUT_MS = 30_000;

  @IsInt(INT)
  @Min(10)
  @Max(60_000)
  SIGNALS_DELIVERY_INTERVAL_MS = 200;

  @IsIn(['true', 'false'])
  SIGNALS_DELIVERY_WORKER: 'true' | 'false' = 'true';

  @IsInt(INT)
  @Min(10)
  @Max(3_600_000)
  SIGNALS_RETRY_BASE_MS = 1_000;

  @IsInt(INT)
  @Min(10)
  @Max(86_400_000)
  SIGNALS_RETRY_MAX_MS = 300_000;

  @IsInt(INT)
  @Min(100)
  @Max(60_000)
  SIGNALS_PUSH_TIMEOUT_MS = 5_000;

  @IsInt(INT)
  @Min(10)
  @Max(3_600)
  SIGNALS_LOGOUT_TOKEN_TTL_SECONDS = 120;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const NUMERIC = new Set(
  Object.entries(new EnvironmentVariables())
    .filter(([, v]) => typeof v === 'number')
    .map(([k]) => k)
    .concat(['MANAGEMENT_PORT', 'SESSION_MAX_PER_USER', 'SESSION_EVENTS_RETENTION_SECONDS']),
);

/** Parses and validates the environment; throws a ConfigError naming every bad variable. */
export function validateEnvironment(env: NodeJS.ProcessEnv): EnvironmentVariables {
  const known = Object.keys(new EnvironmentVariables()).concat([
    'DATABASE_URL',
    'DATABASE_READ_URLS',
    'JWT_SECRET',
    'JWT_PUBLIC_KEY',
    'JWT_JWKS_URL',
    'JWT_OIDC_ISSUER',
    'JWT_ALGORITHMS',
    'JWT_ISSUER',
    'JWT_AUDIENCE',
    'MANAGEMENT_PORT',
    'SESSION_MAX_PER_USER',
    'API_DOCS_ENABLED',
    'REDIS_URL',
    'REDIS_KEY_PREFIX',
    'SESSION_EVENTS_RETENTION_SECONDS',
    'SIGNALS_ISSUER',
    'SIGNALS_SIGNING_KEY',
    'SIGNALS_SIGNING_KEY_ID',
    'SIGNALS_PREVIOUS_KEYS',
  ]);
  const raw: Record<string, unknown> = {};
  for (const key of known) {
    const value = env[key];
    if (value === undefined || value === '') continue;
    raw[key] = NUMERIC.has(key) && /^-?[0-9]+$/.test(value.trim()) ? Number(value) : value;
  }
  const parsed = plainToInstance(EnvironmentVariables, raw);
  const problems = validateSync(parsed, { forbidUnknownValues: true }).flatMap((e) =>
    Object.values(e.constraints ?? {}).map((message) => `${e.property}: ${message}`),
  );
  const claimPaths = [
    ['JWT_USER_ID_CLAIM', parseClaimPath],
    ['JWT_ROLES_CLAIM', parseClaimPathList],
    ['JWT_SESSION_CLAIM', parseClaimPath],
  ] as const;
  for (const [name, parse] of claimPaths) {
    try {
      parse(parsed[name]);
    } catch (error) {
      problems.push(
        `${name}: not a claim path (${(error as Error).message}); a name with a dot or slash is written ["name"]`,
      );
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return parsed;
}
