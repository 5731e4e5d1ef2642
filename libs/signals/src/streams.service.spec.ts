import { SESSION_ESTABLISHED, SESSION_REVOKED } from './events';
import { FeedSignal } from './feed-signal';
import type { FeedPosition, StreamRow } from './signals.repository';
import type { SigningKeys } from './signing-keys';
import { StreamsService } from './streams.service';

const STREAM = 'f5b1e4c2-6d3a-4b8e-9f10-2a7c3e5d8b41';

interface Row {
  feed_xid: string;
  feed_id: string;
  acked: boolean;
}

const after = (rows: Row[], position: FeedPosition, limit: number) =>
  rows
    .filter(
      (r) =>
        BigInt(r.feed_xid) > BigInt(position.xid) ||
        (r.feed_xid === position.xid && BigInt(r.feed_id) > BigInt(position.id)),
    )
    .slice(0, limit);

/** A repository over two in-memory sources, in (xid, id) order, recording how positions move. */
function fakeRepository(revocations: Row[], signIns: Row[]) {
  const common = { session_id: 's', user_id: '1', subject_issuer: null, subject: null };
  return {
    advanced: {} as Record<string, FeedPosition>,
    streamEvents: () => Promise.resolve([]),
    removedSubjectKeys: () => Promise.resolve(new Set<string>()),
    readFeed(position: FeedPosition, limit: number) {
      return Promise.resolve(
        after(revocations, position, limit).map((r) => ({
          ...common,
          ...r,
          revoked_at: '2026-12-02T10:30:00.000Z',
          revoked_by: 'admin:1',
          reason: null,
        })),
      );
    },
    readSignIns(position: FeedPosition, limit: number) {
      return Promise.resolve(
        after(signIns, position, limit).map((r) => ({
          ...common,
          ...r,
          established_at: '2026-12-02T10:30:00.000Z',
          ip: null,
          amr: null,
        })),
      );
    },
    advanceStream(_id: string, to: FeedPosition) {
      this.advanced.revocations = to;
      return Promise.resolve();
    },
    advanceSignIns(_id: string, to: FeedPosition) {
      this.advanced.signIns = to;
      return Promise.resolve();
    },
  };
}

const stream = (events: string[]): StreamRow =>
  ({
    id: STREAM,
    status: 'enabled',
    events_requested: events,
    feed_xid: '0',
    feed_id: '0',
    established_xid: '0',
    established_id: '0',
  }) as StreamRow;

const service = (repository: ReturnType<typeof fakeRepository>) =>
  new StreamsService(repository as never, {} as SigningKeys, new FeedSignal(), {
    issuer: 'https://sessions.example.com',
  });

const row = (xid: number, id: number, acked = false): Row => ({
  feed_xid: String(xid),
  feed_id: String(id),
  acked,
});

describe('StreamsService.pending: revocations and sign-ins merged in commit order', () => {
  // 300 of each, interleaved by transaction: more than one page (200) of each source.
  const revocations = Array.from({ length: 300 }, (_, k) => row(10 + 2 * k, k + 1));
  const signIns = Array.from({ length: 300 }, (_, k) => row(11 + 2 * k, k + 1));

  it('merges across page boundaries without reordering or losing a row', async () => {
    // Sign-ins sparser than revocations: a page of them reaches far past a page of revocations.
    const dense = Array.from({ length: 300 }, (_, k) => row(100 + k, k + 1));
    const sparse = Array.from({ length: 300 }, (_, k) => row(100 + 3 * k, k + 1));
    const streams = service(fakeRepository(dense, sparse));
    const { items, more } = await streams.pending(
      stream([SESSION_REVOKED, SESSION_ESTABLISHED]),
      1000,
    );
    expect(more).toBe(false);
    expect(items).toHaveLength(600);
    const order = (i: (typeof items)[number]) =>
      i.kind === 'event' ? 0 : Number(i.position.xid) * 2 + (i.kind === 'signIn' ? 1 : 0);
    const keys = items.map(order);
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
    expect(new Set(items.map((i) => i.jti)).size).toBe(600);
  });

  it('stops at max and says more are waiting', async () => {
    const streams = service(fakeRepository(revocations, signIns));
    const { items, more } = await streams.pending(
      stream([SESSION_REVOKED, SESSION_ESTABLISHED]),
      5,
    );
    expect(more).toBe(true);
    expect(items.map((i) => i.jti)).toEqual([
      `${STREAM}:10:1`,
      `${STREAM}:s:11:1`,
      `${STREAM}:12:2`,
      `${STREAM}:s:13:2`,
      `${STREAM}:14:3`,
    ]);
  });

  it('puts a transaction revocations before its sign-in', async () => {
    const streams = service(fakeRepository([row(20, 7)], [row(20, 3)]));
    const { items } = await streams.pending(stream([SESSION_REVOKED, SESSION_ESTABLISHED]), 10);
    expect(items.map((i) => i.kind)).toEqual(['feed', 'signIn']);
  });

  it('reads no sign-ins for a stream that did not request them', async () => {
    const repository = fakeRepository([row(20, 1)], [row(21, 1)]);
    const readSignIns = vi.spyOn(repository, 'readSignIns');
    const { items } = await service(repository).pending(stream([SESSION_REVOKED]), 10);
    expect(items.map((i) => i.kind)).toEqual(['feed']);
    expect(readSignIns).not.toHaveBeenCalled();
  });

  it('moves each position past its own leading acknowledged rows only', async () => {
    const repository = fakeRepository(
      [row(10, 1, true), row(12, 2), row(14, 3, true)],
      [row(11, 1, true), row(13, 2, true), row(15, 3)],
    );
    const { items } = await service(repository).pending(
      stream([SESSION_REVOKED, SESSION_ESTABLISHED]),
      10,
    );
    expect(items.map((i) => i.jti)).toEqual([`${STREAM}:12:2`, `${STREAM}:s:15:3`]);
    expect(repository.advanced).toEqual({
      revocations: { xid: '10', id: '1' },
      signIns: { xid: '13', id: '2' },
    });
  });
});
