import { combineSessionsObservers } from '@session-service/sessions';
import { FeedSignal } from './feed-signal';

describe('FeedSignal', () => {
  it('wakes a waiter at a revocation or a sign-in, before its timeout', async () => {
    const signal = new FeedSignal();
    const waiting = signal.wait(60_000);
    signal.sessionsEnded();
    await expect(waiting).resolves.toBe(true);
    const again = signal.wait(60_000);
    signal.sessionRecorded();
    await expect(again).resolves.toBe(true);
  });

  it('answers false at the timeout when nothing happened', async () => {
    const signal = new FeedSignal();
    await expect(signal.wait(10)).resolves.toBe(false);
  });

  it('counts a wake that came after the generation given, without waiting', async () => {
    const signal = new FeedSignal();
    const before = signal.generation();
    signal.wake();
    const started = Date.now();
    await expect(signal.wait(60_000, before)).resolves.toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
    await expect(signal.wait(10, signal.generation())).resolves.toBe(false);
  });

  it('wakes a waiter that has no use for sign-ins only at revocations', async () => {
    const signal = new FeedSignal();
    const revocationsOnly = signal.wait(50, undefined, false);
    const any = signal.wait(60_000);
    signal.sessionRecorded();
    await expect(any).resolves.toBe(true);
    await expect(revocationsOnly).resolves.toBe(false);
    const since = signal.generation(false);
    signal.sessionRecorded();
    await expect(signal.wait(10, since, false)).resolves.toBe(false);
    signal.sessionsEnded();
    await expect(signal.wait(60_000, since, false)).resolves.toBe(true);
  });

  it('is reached through combined observers, past one that throws', async () => {
    const signal = new FeedSignal();
    const seen: number[] = [];
    const observer = combineSessionsObservers(
      {
        sessionsEnded: () => {
          throw new Error('metrics down');
        },
      },
      undefined,
      { sessionsEnded: (e) => seen.push(e.count) },
      signal,
    );
    const waiting = signal.wait(60_000);
    observer.sessionsEnded?.({ reason: 'admin', count: 2 });
    await expect(waiting).resolves.toBe(true);
    expect(seen).toEqual([2]);
  });
});
