import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import Redis from 'ioredis';
import type { Logger } from 'pino';
import type { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/app-config.token';
import { ROOT_LOGGER } from './logging';
import { MetricsService } from './metrics.service';
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
 * Where the throttlers count. Without `REDIS_URL`: in memory, one budget per
 * instance. With it: in Redis (one Lua script per hit, so INCR, PEXPIRE and
 * the block are atomic), one budget shared by every instance using the same
 * Redis and `REDIS_KEY_PREFIX`.
 *
 * Redis down, slow (over `REDIS_TIMEOUT_MS`) or not yet connected: the hit is
 * counted in memory instead (fail open to per-instance limits, so an outage of
 * the cache never takes the sign-in path down and a client is still limited
 * by each instance), with a warning at most once a minute and
 * `rate_limit_store_errors_total` counting each hit that fell back.
 */
@Injectable()
export class RateLimitStore implements ThrottlerStorage, OnModuleInit, OnApplicationShutdown {
  private readonly memory = new FixedWindowThrottlerStorage();
  private readonly redis?: RedisWithHit;
  private readonly keyPrefix: string;
  private lastWarning = 0;
  private closed = false;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: MetricsService,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {
    const settings = config.rateLimit.redis;
    this.keyPrefix = settings?.keyPrefix ?? '';
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
    });
    this.redis = redis as RedisWithHit;
  }

  /** Waits for Redis at most `connectTimeout`: start-up never depends on it (hits count in memory until it answers). */
  async onModuleInit(): Promise<void> {
    if (!this.redis) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.redis.connect().catch((error: unknown) => this.warn(error)),
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
      this.metrics.rateLimitStoreError();
      this.warn(error);
      return this.memory.increment(key, ttl, limit, blockDuration, throttlerName);
    }
  }

  private warn(error: unknown): void {
    const now = Date.now();
    if (this.closed || now - this.lastWarning < LOG_EVERY_MS) return;
    this.lastWarning = now;
    this.logger.warn(
      { err: error },
      'rate limits: Redis unavailable, counting per instance until it is back',
    );
  }
}
