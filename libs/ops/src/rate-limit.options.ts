import type { Type } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Registry } from 'prom-client';

/** Where the rate-limit store logs: a pino `Logger` fits; absent, Nest's `Logger` (context `RateLimit`). */
export interface RateLimitLogger {
  warn(fields: { err: unknown }, message: string): void;
  info(message: string): void;
}

/** Counters shared by every instance using the same Redis and key prefix. */
export interface RateLimitRedisOptions {
  /** `redis://host:6379/0` or `rediss://...`. */
  url: string;
  /** Prefix of the keys; default none. */
  keyPrefix?: string;
  /** A command slower than this counts the hit as `failOpen` says; default 200 ms. */
  timeoutMs?: number;
}

/** Injection token of the module's options (`RateLimitModuleOptions`). */
export const RATE_LIMIT_MODULE_OPTIONS = '@session-service/ops:RATE_LIMIT_MODULE_OPTIONS';

/** Options of `RateLimitModule.forRoot` / `forRootAsync`. */
export interface RateLimitModuleOptions {
  /**
   * Which routes are limited. `true`: every route of the application (a global
   * guard and interceptor), except those marked `@SkipThrottle({ ip: true,
   * user: true })`. Default `false`: only the routes of the controllers
   * declared in `modules`.
   */
  global?: boolean;
  /**
   * With `global` false: the modules whose own controllers are limited, e.g.
   * `[SessionsModule]`; controllers of other modules (the host's) are neither
   * counted nor given the fields. One of `global: true` or a module is required.
   */
  modules?: Type<unknown>[];
  /** Requests per client IP (`request.ip`, which honours Fastify's `trustProxy`) and window, before authentication; default 1200; `false`: no per-IP limit. */
  ipLimit?: number | false;
  /** Requests per authenticated user (`request.user.userId`) and window; default 600; `false`: no per-user limit. */
  userLimit?: number | false;
  /** The fixed window of both limits, ms; default 60000 (one minute). */
  windowMs?: number;
  /** Count in Redis; absent: in memory, per instance. Ignored when `store` is given. */
  redis?: RateLimitRedisOptions;
  /** A `ThrottlerStorage` of the host's to count in instead of memory or Redis. */
  store?: ThrottlerStorage;
  /**
   * Redis down, slow or not yet connected: `true` (default) counts the hit in
   * this instance's memory instead (with a warning at most once a minute);
   * `false` refuses the request with a 503 Problem.
   */
  failOpen?: boolean;
  /** Registers `rate_limit_store_errors_total` (hits Redis could not count) in this registry; absent: not counted. */
  registry?: Registry;
  /** Where Redis outages are logged. */
  logger?: RateLimitLogger;
}

/** The defaults of `RateLimitModuleOptions`: the standalone service's. */
export const RATE_LIMIT_DEFAULTS = {
  ipLimit: 1200,
  userLimit: 600,
  windowMs: 60_000,
  redisTimeoutMs: 200,
} as const;
