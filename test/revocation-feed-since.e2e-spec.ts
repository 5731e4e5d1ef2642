import request from 'supertest';
import type { App } from 'supertest/types';
import { insertSession, insertUser } from './support/factories';
import { expectProblem } from './support/schemas';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { bearer, serviceToken, tokenFor } from './support/tokens';

const FEED = '/api/sessions/revocations';

interface FeedPage {
  revocations: { session_id: string; user_id: string; revoked_at: string }[];
  next_cursor: string;
  has_more: boolean;
}

/**
 * `since` on the revocation feed: what a gateway starting up reads, the
 * revocations of the last token lifetime, without paging through the rest.
 */
describe('Revocation feed since a time (GET /api/sessions/revocations?since=)', () => {
  let a: TestApp;
  let http: App;
  const userId = 4101;
  let old: string;
  let recent: string[];

  beforeAll(async () => {
    a = await createTestApp();
    http = a.app.getHttpServer();
    await resetDatabase(a.dataSource);
    await insertUser(a.dataSource, userId);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await insertSession(a.dataSource, { userId }));
    for (const id of ids) {
      await request(http)
        .delete(`/sessions/user/${userId}/sessions/${id}`)
        .set(...bearer(tokenFor(userId)))
        .expect(204);
    }
    [old, ...recent] = ids;
    // One revocation made two hours ago.
    await a.dataSource.query(
      `UPDATE session_service.session_revocations SET revoked_at = now() - interval '2 hours' WHERE session_id = $1`,
      [old],
    );
  });

  afterAll(() => a.close());

  /** This spec's revocations (the feed also lists sessions the sweeper ended meanwhile). */
  const mine = (page: FeedPage) =>
    page.revocations.filter((r) => r.user_id === String(userId)).map((r) => r.session_id);

  const read = (query: Record<string, string | number>) =>
    request(http)
      .get(FEED)
      .query(query)
      .set(...bearer(serviceToken()));

  it('serves only the revocations made at or after since', async () => {
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const res = await read({ since });
    expect(res.status).toBe(200);
    const page = res.body as FeedPage;
    expect(mine(page).sort()).toEqual([...recent].sort());
    expect(page.has_more).toBe(false);

    const all = (await read({}).expect(200)).body as FeedPage;
    // Without since: the old one too (backdating it rewrote its row, so the order is not asserted).
    expect(mine(all).sort()).toEqual([old, ...recent].sort());
  });

  it('pages with since and after together', async () => {
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const seen: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = (await read({ since, limit: 1, ...(after && { after }) }).expect(200))
        .body as FeedPage;
      seen.push(...mine(page));
      after = page.next_cursor;
      if (!page.has_more) break;
    }
    expect(seen.sort()).toEqual([...recent].sort());
  });

  it('accepts an offset and serves nothing for a time still to come', async () => {
    const later = new Date(Date.now() + 3_600_000).toISOString().replace('Z', '+00:00');
    const page = (await read({ since: later }).expect(200)).body as FeedPage;
    expect(page.revocations).toEqual([]);
    expect(page.has_more).toBe(false);
  });

  it('answers 400 with a field violation for a since that is not an RFC 3339 date-time', async () => {
    const res = await read({ since: 'yesterday' });
    const problem = expectProblem(res, 400);
    expect(JSON.stringify(problem)).toContain('since');
  });
});
