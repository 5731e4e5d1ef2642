import { FixedWindowThrottlerStorage } from './throttler-storage';

const TTL = 60_000;
const BLOCK = 60_000;

describe('FixedWindowThrottlerStorage', () => {
  let storage: FixedWindowThrottlerStorage;
  const hit = (key = 'ip:192.0.2.1', limit = 3, name = 'ip') =>
    storage.increment(key, TTL, limit, BLOCK, name);

  beforeEach(() => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 22) });
    storage = new FixedWindowThrottlerStorage();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts hits in the window and blocks the one over the limit', async () => {
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false, timeToExpire: 60 });
    await hit();
    expect(await hit()).toMatchObject({ totalHits: 3, isBlocked: false });
    expect(await hit()).toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 60 });
  });

  it('keeps a blocked tracker blocked, without counting, until the block is over', async () => {
    for (let i = 0; i < 4; i++) await hit();
    vi.advanceTimersByTime(59_000);
    expect(await hit()).toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 1 });
    vi.advanceTimersByTime(1_000);
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('lets a tracker in again when a block longer than the window is over', async () => {
    const long = () => storage.increment('ip:192.0.2.1', TTL, 3, 90_000, 'ip');
    for (let i = 0; i < 4; i++) await long();
    vi.advanceTimersByTime(60_000);
    expect(await long()).toMatchObject({ isBlocked: true, timeToBlockExpire: 30 });
    vi.advanceTimersByTime(30_000);
    expect(await long()).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('starts a new window once the old one has expired', async () => {
    await hit();
    await hit();
    vi.advanceTimersByTime(TTL);
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false, timeToExpire: 60 });
  });

  it('counts trackers and throttlers apart', async () => {
    for (let i = 0; i < 4; i++) await hit('ip:192.0.2.1');
    expect(await hit('ip:192.0.2.2')).toMatchObject({ totalHits: 1, isBlocked: false });
    expect(await hit('ip:192.0.2.1', 3, 'user')).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('forgets trackers whose window and block are over', async () => {
    await hit('ip:192.0.2.1');
    for (let i = 0; i < 4; i++) await hit('ip:192.0.2.9');
    const windows = (storage as unknown as { windows: Map<string, unknown> }).windows;
    expect(windows.size).toBe(2);
    vi.advanceTimersByTime(TTL);
    await hit('ip:192.0.2.5');
    expect([...windows.keys()]).toEqual(['ip:ip:192.0.2.5']);
  });
});
