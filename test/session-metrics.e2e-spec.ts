import request from 'supertest';
import type { App } from 'supertest/types';
import { SessionsSweeper } from '@session-service/sessions';
import { insertSession, insertUser } from './support/factories';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, bearer, serviceToken, tokenFor } from './support/tokens';
import { pollUntil } from './support/wait';

/** The value of one series in the Prometheus text (0 when it is absent). */
function series(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

describe('Session metrics: sign-ins recorded, sessions ended by reason, the feed lag', () => {
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    t = await createTestApp({ SESSION_SWEEP_INTERVAL_MS: '0' });
    http = t.app.getHttpServer();
    await resetDatabase(t.dataSource);
  });

  afterAll(() => t.close());

  const metrics = async () => (await request(http).get('/metrics').expect(200)).text;
  const signIn = async (userId: number): Promise<string> => {
    const res = await request(http)
      .post('/api/sessions')
      .set(...bearer(serviceToken()))
      .send({
        user_id: userId,
        username: `user${userId}`,
        amr: ['pwd'],
        ip: '198.51.100.7',
        user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
      })
      .expect(201);
    return (res.body as { id: string }).id;
  };

  it('counts each event once, by reason, and never names a user or a session', async () => {
    const before = await metrics();
    // Every reason has a series from the start, so a rate over it never lacks one.
    for (const reason of ['user', 'admin', 'service', 'policy', 'expired']) {
      expect(before).toMatch(
        new RegExp(`^sessions_revoked_total\\{reason="${reason}"\\} \\d+$`, 'm'),
      );
    }

    const own = await signIn(7101);
    const other = await signIn(7101);
    const third = await signIn(7102);
    await request(http)
      .delete(`/sessions/user/7101/sessions/${own}`)
      .set(...bearer(tokenFor(7101)))
      .expect(204);
    // Revoking it again changes nothing, and counts nothing.
    await request(http)
      .delete(`/sessions/user/7101/sessions/${own}`)
      .set(...bearer(tokenFor(7101)))
      .expect(204);
    await request(http)
      .delete(`/api/sessions/${other}`)
      .set(...bearer(adminToken()))
      .expect(204);
    await request(http)
      .delete('/sessions/user/7102/sessions')
      .set(...bearer(tokenFor(7102)))
      .expect(200, { revoked: 1 });
    await insertUser(t.dataSource, 7103);
    await insertSession(t.dataSource, { userId: 7103, idleExpiresOffset: -5 });
    await insertSession(t.dataSource, { userId: 7103, expiresOffset: -5, idleExpiresOffset: -5 });
    expect((await t.app.get(SessionsSweeper).sweep()).expired).toBe(2);
    // The feed releases a row once every older write transaction on the server has ended.
    await pollUntil(
      async () =>
        (
          await t.dataSource.query<{ n: number }[]>(
            `SELECT count(*)::int AS n FROM session_service.session_revocations
              WHERE xid < pg_snapshot_xmin(pg_current_snapshot())`,
          )
        )[0].n,
      (n) => n === 5,
      10_000,
      'the five revocations released by the feed',
    );
    await request(http)
      .get('/api/sessions/revocations')
      .set(...bearer(serviceToken()))
      .expect(200);

    const after = await metrics();
    const delta = (name: string) => series(after, name) - series(before, name);
    expect(delta('sessions_recorded_total')).toBe(3);
    expect(delta('sessions_revoked_total{reason="user"}')).toBe(2);
    expect(delta('sessions_revoked_total{reason="admin"}')).toBe(1);
    expect(delta('sessions_revoked_total{reason="service"}')).toBe(0);
    expect(delta('sessions_revoked_total{reason="expired"}')).toBe(2);
    expect(delta('sessions_revoked_total{reason="policy"}')).toBe(0);
    // The three revocations and the two expiries reached a feed reader, each observed once.
    expect(delta('revocation_feed_lag_seconds_count')).toBe(5);
    expect(delta('revocation_feed_lag_seconds_sum')).toBeGreaterThanOrEqual(0);
    for (const id of [own, other, third]) expect(after).not.toContain(id);
    // No label names a user (a sample's value may hold the same digits by chance, e.g. a byte count).
    expect(after).not.toMatch(/="[^"]*\b710[123]\b[^"]*"/);
  });
});
