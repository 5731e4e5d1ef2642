import { RevokedSessions } from './revoked-sessions';

describe('RevokedSessions', () => {
  let now = 1_000_000;
  const clock = () => now;

  it('remembers a revocation until every token of the session has expired', () => {
    const store = new RevokedSessions(60_000, 10, clock);
    store.add('a', now);
    expect(store.has('a')).toBe(true);
    now += 59_999;
    expect(store.has('a')).toBe(true);
    now += 1;
    expect(store.has('a')).toBe(false);
    expect(store.size).toBe(0);
  });

  it('does not keep a revocation older than the token lifetime', () => {
    const store = new RevokedSessions(60_000, 10, clock);
    expect(store.add('old', now - 60_000)).toBe(false);
    expect(store.has('old')).toBe(false);
  });

  it('never holds more than its capacity: expired entries go first, then the oldest live one', () => {
    const store = new RevokedSessions(60_000, 3, clock);
    store.add('expiring', now - 59_000);
    store.add('b', now);
    store.add('c', now);
    now += 2_000; // 'expiring' is now past its lifetime
    store.add('d', now);
    expect(store.size).toBe(3);
    expect(store.evicted).toBe(0);
    store.add('e', now);
    expect(store.size).toBe(3);
    expect(store.evicted).toBe(1);
    expect(['b', 'c', 'd', 'e'].filter((id) => store.has(id))).toEqual(['c', 'd', 'e']);

    for (let i = 0; i < 10_000; i++) store.add(`s${i}`, now);
    expect(store.size).toBe(3);
  });

  it('keeps the later expiry when a session is revoked twice', () => {
    const store = new RevokedSessions(60_000, 3, clock);
    store.add('a', now - 30_000);
    store.add('a', now);
    now += 45_000;
    expect(store.has('a')).toBe(true);
  });
});
