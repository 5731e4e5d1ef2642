import {
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import Redis from 'ioredis';
import { Counter, type Registry } from 'prom-client';
import {
  RATE_LIMIT_DEFAULTS,
  type RateLimitLogger,
  type RateLimitRedisOptions,
} from './rate-limit.options';
import { FixedWindowThrottlerStorage } from './throttler-storage';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * One hit, atomically: the fixed window of the in-memory storage, in Redis.
 * KEYS[1] counts the window's hits, KEYS[2] marks a block. ARGV: window ms,
 * limit, block ms. Returns hits, window ms left, blocked (0/1), block ms left.
 * While blocked nothing is counted; the hit over the limit blocks, and the
 * window's counter then lives as long as the block, so counting starts again
 * after it (as in memory).
 */
const HIT_SCRIPT = `
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then
  local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
  return {hits, math.max(redis.call('PTTL', KEYS[1]), 0), 1, blockLeft}
end
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {hits, tonumber(ARGV[3]), 1, tonumber(ARGV[3])}
end
return {hits, left, 0, 0}
`;

interface RedisWithHit extends Redis {
  rateLimitHit(
    hitsKey: string,
    blockKey: string,
    windowMs: number,
    limit: number,
    blockMs: number,
  ): Promise<[number, number, number, number]>;
}

/** Long enough apart that an outage is one log line, not one per request. */
const LOG_EVERY_MS = 60_000;

/**
 * After a hit Redis failed to count, the hits of the next second count in
 * memory without asking it: a Redis that stalls (a socket that stays open and
 * silent) then costs one `timeoutMs` a second, not one per hit and tracker.
 */
const SKIP_AFTER_FAILURE_MS = 1_000;

const STORE_ERRORS = 'rate_limit_store_errors_total';

/** Settings of a `RateLimitStore`. */
export interface RateLimitStoreSettings {
  /** Absent: in memory only. */
  redis?: RateLimitRedisOptions;
  /** Count in memory when Redis fails (default), or refuse the request with a 503. */
  failOpen?: boolean;
  /** Where `rate_limit_store_errors_total` is registered. */
  registry?: Registry;
  logger?: RateLimitLogger;
}

/** Nest's logger in the shape of `RateLimitLogger`. */
function nestLogger(): RateLimitLogger {
  const logger = new Logger('RateLimit');
  return {
    warn: ({ err }, message) => logger.warn(`${message}: ${String(err)}`),
    info: (message) => logger.log(message),
  };
}

/**
 * Where the throttlers count. Without Redis settings: in memory, one budget
 * per instance. With them: in Redis (one Lua script per hit, so INCR, PEXPIRE
 * and the block are atomic), one budget shared by every instance using the
 * same Redis and key prefix.
 *
 * Redis down, slow (over `timeoutMs`) or not yet connected: with `failOpen`
 * (the default) the hit is counted in memory instead (fail open to
 * per-instance limits, so an outage of the cache never takes the sign-in path
 * down and a client is still limited by each instance), with a warning at
 * most once a minute and `rate_limit_store_errors_total` counting each hit
 * that fell back; without it the request is refused (503). After a failure,
 * the next second's hits fall back without asking Redis (`SKIP_AFTER_FAILURE_MS`).
 */
export class RateLimitStore implements ThrottlerStorage, OnModuleInit, OnApplicationShutdown {
  private readonly memory = new FixedWindowThrottlerStorage();
  private readonly redis?: RedisWithHit;
  private readonly keyPrefix: string;
  private readonly failOpen: boolean;
  private readonly logger: RateLimitLogger;
  private readonly storeErrors?: Counter;
  private lastWarning = 0;
  private closed = false;
  private connecting?: Promise<void>;
  /** Until when hits count in memory without asking Redis (epoch ms), after a failure. */
  private skipUntil = 0;

  constructor(options: RateLimitStoreSettings = {}) {
    const settings = options.redis && {
      url: options.redis.url,
      timeoutMs: options.redis.timeoutMs ?? RATE_LIMIT_DEFAULTS.redisTimeoutMs,
    };
    this.keyPrefix = options.redis?.keyPrefix ?? '';
    this.failOpen = options.failOpen ?? true;
    this.logger = options.logger ?? nestLogger();
    const registry = options.registry;
    if (registry) {
      this.storeErrors =
        (registry.getSingleMetric(STORE_ERRORS) as Counter | undefined) ??
        new Counter({
          name: STORE_ERRORS,
          help: 'Rate-limit hits Redis failed to count in time (counted in memory instead when failing open)',
          registers: [registry],
        });
    }
    if (!settings) return;
    const redis = new Redis(settings.url, {
      lazyConnect: true,
      // Fail a command at once while disconnected (and fall back) instead of queueing it.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: settings.timeoutMs,
      connectTimeout: Math.max(1000, settings.timeoutMs),
      // Reconnect for as long as the process runs, at most every 2 s.
      retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    });
    redis.defineCommand('rateLimitHit', { numberOfKeys: 2, lua: HIT_SCRIPT });
    // Without a listener an 'error' event would crash the process.
    redis.on('error', (error: Error) => this.warn(error));
    redis.on('ready', () => {
      if (this.lastWarning) this.logger.info('rate limits: Redis reachable again');
      this.lastWarning = 0;
      this.skipUntil = 0;
    });
    this.redis = redis as RedisWithHit;
  }

  /** Waits for Redis at most `connectTimeout`: start-up never depends on it (hits count in memory until it answers). */
  async onModuleInit(): Promise<void> {
    if (!this.redis) return;
    // Connected once, however many modules hold the store (a second connect() would fail
    // with "already connecting" and log a false outage).
    this.connecting ??= this.redis.connect().catch((error: unknown) => this.warn(error));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.connecting,
      new Promise((resolve) => (timer = setTimeout(resolve, this.redis!.options.connectTimeout))),
    ]);
    clearTimeout(timer);
  }

  onApplicationShutdown(): void {
    if (this.closed) return;
    this.closed = true;
    this.redis?.disconnect();
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    if (!this.redis) return this.memory.increment(key, ttl, limit, blockDuration, throttlerName);
    if (Date.now() < this.skipUntil) {
      return this.fallBack(undefined, key, ttl, limit, blockDuration, throttlerName);
    }
    // One hash tag per tracker: both keys land on the same Redis Cluster slot.
    const id = `${this.keyPrefix}ratelimit:{${throttlerName}:${key}}`;
    try {
      const [hits, windowLeft, blocked, blockLeft] = await this.redis.rateLimitHit(
        id,
        `${id}:block`,
        ttl,
        limit,
        blockDuration,
      );
      return {
        totalHits: hits,
        timeToExpire: Math.ceil(windowLeft / 1000),
        isBlocked: blocked === 1,
        timeToBlockExpire: blocked === 1 ? Math.ceil(blockLeft / 1000) : 0,
      };
    } catch (error) {
      this.skipUntil = Date.now() + SKIP_AFTER_FAILURE_MS;
      this.warn(error);
      return this.fallBack(error, key, ttl, limit, blockDuration, throttlerName);
    }
  }

  /** A hit Redis did not count: in memory (failing open), or a 503. */
  private fallBack(
    cause: unknown,
    ...hit: Parameters<FixedWindowThrottlerStorage['increment']>
  ): Promise<ThrottlerStorageRecord> {
    this.storeErrors?.inc();
    if (!this.failOpen) {
      throw new ServiceUnavailableException('The rate-limit store is unavailable', { cause });
    }
    return this.memory.increment(...hit);
  }

  private warn(error: unknown): void {
    const now = Date.now();
    if (this.closed || now - this.lastWarning < LOG_EVERY_MS) return;
    this.lastWarning = now;
    this.logger.warn(
      { err: error },
      this.failOpen
        ? 'rate limits: Redis unavailable, counting per instance until it is back'
        : 'rate limits: Redis unavailable, refusing requests until it is back',
    );
  }
}
