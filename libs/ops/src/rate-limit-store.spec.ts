import { ServiceUnavailableException } from '@nestjs/common';
import { Registry } from 'prom-client';
import { TcpProxy } from '../../../test/support/tcp-proxy';
import { RateLimitStore, type RateLimitStoreSettings } from './rate-limit-store';

/** The Redis of the machine (as the e2e specs use it), for the specs that need a live one. */
const REDIS = new URL(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');

/** Nothing listens on port 1: every Redis command fails at once. */
const UNREACHABLE = { url: 'redis://127.0.0.1:1', timeoutMs: 50 };

describe('RateLimitStore', () => {
  const stores: RateLimitStore[] = [];
  const warnings: string[] = [];
  const create = async (settings: RateLimitStoreSettings) => {
    const store = new RateLimitStore({
      logger: { warn: (_fields, message) => warnings.push(message), info: () => undefined },
      ...settings,
    });
    stores.push(store);
    await store.onModuleInit();
    return store;
  };
  const hit = (store: RateLimitStore) => store.increment('ip:192.0.2.1', 60_000, 2, 60_000, 'ip');

  afterEach(() => {
    for (const store of stores.splice(0)) store.onApplicationShutdown();
    warnings.length = 0;
  });

  it('counts in memory without Redis settings', async () => {
    const store = await create({});
    expect(await hit(store)).toMatchObject({ totalHits: 1, isBlocked: false });
    expect(await hit(store)).toMatchObject({ totalHits: 2, isBlocked: false });
    expect(await hit(store)).toMatchObject({ totalHits: 3, isBlocked: true });
  });

  it('fails open by default: counts in memory, warns once, counts the store errors', async () => {
    const registry = new Registry();
    const store = await create({ redis: UNREACHABLE, registry });
    expect(await hit(store)).toMatchObject({ totalHits: 1, isBlocked: false });
    expect(await hit(store)).toMatchObject({ totalHits: 2, isBlocked: false });
    expect(await registry.getSingleMetricAsString('rate_limit_store_errors_total')).toMatch(
      /^rate_limit_store_errors_total 2$/m,
    );
    expect(warnings).toEqual([
      'rate limits: Redis unavailable, counting per instance until it is back',
    ]);
  });

  it('refuses with a 503 when failOpen is false', async () => {
    const store = await create({ redis: UNREACHABLE, failOpen: false });
    await expect(hit(store)).rejects.toBeInstanceOf(ServiceUnavailableException);
  });

  it('shares one store-error counter between stores on the same registry', async () => {
    const registry = new Registry();
    await create({ registry });
    await create({ registry });
    expect(registry.getMetricsAsArray().map((m) => m.name)).toEqual([
      'rate_limit_store_errors_total',
    ]);
  });

  describe('with a live Redis', () => {
    const prefix = `rl-spec-${process.pid}-${Date.now()}:`;

    it('connects once, however many modules initialise the store: no false outage at start', async () => {
      const store = await create({ redis: { url: REDIS.toString(), keyPrefix: `${prefix}once:` } });
      await store.onModuleInit();
      expect(await hit(store)).toMatchObject({ totalHits: 1 });
      expect(warnings).toEqual([]);
    });

    it('asks a stalled Redis once a second, not at every hit, and counts in memory meanwhile', async () => {
      const proxy = new TcpProxy(REDIS.hostname, Number(REDIS.port || 6379));
      await proxy.start();
      try {
        const registry = new Registry();
        const store = await create({
          redis: {
            url: `redis://127.0.0.1:${proxy.port}`,
            keyPrefix: `${prefix}stall:`,
            timeoutMs: 200,
          },
          registry,
        });
        expect(await hit(store)).toMatchObject({ totalHits: 1 });
        proxy.stall();
        const started = Date.now();
        for (let i = 0; i < 8; i++) await hit(store);
        // One hit waits for the timeout (200 ms); the seven after it do not wait at all.
        expect(Date.now() - started).toBeLessThan(1000);
        expect(warnings).toHaveLength(1);
        expect(await registry.getSingleMetricAsString('rate_limit_store_errors_total')).toMatch(
          /^rate_limit_store_errors_total 8$/m,
        );
      } finally {
        proxy.unstall();
        await proxy.cut();
      }
    });
  });
});
