import { SessionStateService } from './session-state.service';
import type { SessionsRepository } from './sessions.repository';

const SID = '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10';
const OTHER = '9a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d';

function fakeRepository(answers: boolean[]) {
  const calls: [string, string][] = [];
  const repository = {
    isActive: (sessionId: string, userId: string) => {
      calls.push([sessionId, userId]);
      return Promise.resolve(answers.shift() ?? false);
    },
  } as unknown as SessionsRepository;
  return { repository, calls };
}

describe('SessionStateService', () => {
  afterEach(() => vi.useRealTimers());

  it('looks the session up on every call when the cache is off', async () => {
    const { repository, calls } = fakeRepository([true, false]);
    const state = new SessionStateService(repository, { sessionStateCacheMs: 0 });
    expect(await state.isActive(SID, '1')).toBe(true);
    expect(await state.isActive(SID, '1')).toBe(false);
    expect(calls).toEqual([
      [SID, '1'],
      [SID, '1'],
    ]);
  });

  it('reuses an answer for at most the configured time', async () => {
    vi.useFakeTimers();
    const { repository, calls } = fakeRepository([true, false]);
    const state = new SessionStateService(repository, { sessionStateCacheMs: 1000 });
    expect(await state.isActive(SID, '1')).toBe(true);
    vi.advanceTimersByTime(999);
    expect(await state.isActive(SID, '1')).toBe(true);
    expect(calls).toHaveLength(1);
    vi.advanceTimersByTime(2);
    expect(await state.isActive(SID, '1')).toBe(false);
    expect(calls).toHaveLength(2);
  });

  it('never serves one user the answer cached for another', async () => {
    const { repository, calls } = fakeRepository([true, false]);
    const state = new SessionStateService(repository, { sessionStateCacheMs: 60_000 });
    expect(await state.isActive(SID, '1')).toBe(true);
    expect(await state.isActive(SID, '2')).toBe(false);
    expect(calls).toEqual([
      [SID, '1'],
      [SID, '2'],
    ]);
  });

  it('forgets a session at once after a local revocation', async () => {
    const { repository, calls } = fakeRepository([true, false]);
    const state = new SessionStateService(repository, { sessionStateCacheMs: 60_000 });
    await state.isActive(SID, '1');
    state.forget(SID);
    expect(await state.isActive(SID, '1')).toBe(false);
    expect(calls).toHaveLength(2);
  });

  it("forgets every session of a user, and only that user's", async () => {
    const { repository, calls } = fakeRepository([true, true, true, false]);
    const state = new SessionStateService(repository, { sessionStateCacheMs: 60_000 });
    await state.isActive(SID, '1');
    await state.isActive(OTHER, '2');
    state.forgetUser('1');
    expect(await state.isActive(OTHER, '2')).toBe(true);
    expect(await state.isActive(SID, '1')).toBe(true);
    expect(calls).toEqual([
      [SID, '1'],
      [OTHER, '2'],
      [SID, '1'],
    ]);
  });
});
