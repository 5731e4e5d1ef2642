import request from 'supertest';
import type { App } from 'supertest/types';
import { CanonicalAmrNames1763800000000 } from '../libs/sessions/src/migrations/1763800000000-canonical-amr-names';
import { insertSession, insertUser } from './support/factories';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, bearer, serviceToken } from './support/tokens';

/**
 * One name per authentication method: sign-ins are stored under RFC 8176 names,
 * the admin list's filter accepts a method's aliases, and the migration rewrites
 * rows stored under an alias before.
 */
describe('authentication method names', () => {
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    t = await createTestApp();
    http = t.app.getHttpServer();
    await resetDatabase(t.dataSource);
  });

  afterAll(() => t.close());

  const signIn = (amr: string[], userId = 701) =>
    request(http)
      .post('/api/sessions')
      .set(...bearer(serviceToken()))
      .send({
        user_id: userId,
        username: `user${userId}`,
        amr,
        ip: '198.51.100.9',
        user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
      });

  const filtered = async (authMethod: string): Promise<string[]> => {
    const res = await request(http)
      .get('/api/sessions/all')
      .query({ auth_method: authMethod })
      .set(...bearer(adminToken()))
      .expect(200);
    return (res.body as { sessions: { session_id: string; auth_method: string }[] }).sessions.map(
      (s) => `${s.session_id}:${s.auth_method}`,
    );
  };

  it('stores a sign-in with `password` as `pwd`, and both filter spellings find it', async () => {
    const res = await signIn(['password', 'totp']).expect(201);
    const id = (res.body as { id: string }).id;
    expect(res.body).toMatchObject({ amr: 'pwd,otp' });

    const [row] = await t.dataSource.query<{ amr: string[] }[]>(
      'SELECT amr FROM session_service.sessions WHERE id = $1',
      [id],
    );
    expect(row.amr).toEqual(['pwd', 'otp']);

    expect(await filtered('pwd')).toContain(`${id}:pwd`);
    expect(await filtered('password')).toContain(`${id}:pwd`);
    expect(await filtered('pwd')).toEqual(await filtered('password'));

    const detail = await request(http)
      .get(`/api/sessions/${id}`)
      .set(...bearer(adminToken()))
      .expect(200);
    expect(detail.body).toMatchObject({ amr: ['pwd', 'otp'] });
  });

  it('finds sessions signed in as `pwd` and as `password` under either filter spelling', async () => {
    const a = ((await signIn(['pwd'], 702).expect(201)).body as { id: string }).id;
    const b = ((await signIn(['password'], 703).expect(201)).body as { id: string }).id;
    const c = ((await signIn(['webauthn'], 704).expect(201)).body as { id: string }).id;
    for (const spelling of ['pwd', 'password', 'passwd']) {
      const found = await filtered(spelling);
      expect(found).toEqual(expect.arrayContaining([`${a}:pwd`, `${b}:pwd`]));
      expect(found.some((s) => s.startsWith(c))).toBe(false);
    }
    expect(await filtered('passkey')).toEqual([`${c}:hwk`]);
  });

  it('names a method once when the sign-in gives two spellings of it', async () => {
    const res = await signIn(['password', 'pwd', 'otp']).expect(201);
    expect(res.body).toMatchObject({ amr: 'pwd,otp' });
  });

  it('keeps accepted names without an RFC 8176 equivalent as given, and still refuses unknown ones', async () => {
    const res = await signIn(['email', 'sms_otp']).expect(201);
    expect(res.body).toMatchObject({ amr: 'email,sms' });
    await signIn(['carrier-pigeon']).expect(400);
    await signIn(['Password']).expect(400);
  });

  it('migrates rows stored under an alias to the RFC 8176 name, keeping everything else', async () => {
    await insertUser(t.dataSource, 801);
    const old = await insertSession(t.dataSource, {
      userId: 801,
      amr: ['password', 'totp', 'pwd'],
    });
    const passkey = await insertSession(t.dataSource, { userId: 801, amr: ['passkey', 'email'] });
    const untouched = await insertSession(t.dataSource, { userId: 801, amr: ['saml', 'otp'] });
    const revoked = await insertSession(t.dataSource, {
      userId: 801,
      amr: ['webauthn'],
      revoked: true,
    });
    const snapshot = () =>
      t.dataSource.query<Record<string, unknown>[]>(
        `SELECT id, user_id, ip::text, user_agent, amr, created_at, last_active_at, expires_at,
                idle_expires_at, revoked_at FROM session_service.sessions WHERE user_id = 801 ORDER BY id`,
      );
    const before = await snapshot();
    expect(await filtered('pwd')).not.toContain(`${old}:pwd`);

    const runner = t.dataSource.createQueryRunner();
    try {
      await new CanonicalAmrNames1763800000000().up(runner);
    } finally {
      await runner.release();
    }

    const after = await snapshot();
    expect(after).toHaveLength(before.length);
    const amrOf = (id: string) => after.find((r) => r.id === id)?.amr;
    expect(amrOf(old)).toEqual(['pwd', 'otp']);
    expect(amrOf(passkey)).toEqual(['hwk', 'email']);
    expect(amrOf(untouched)).toEqual(['saml', 'otp']);
    expect(amrOf(revoked)).toEqual(['hwk']);
    // Only amr changed.
    const withoutAmr = (rows: Record<string, unknown>[]) =>
      rows.map(({ amr: _amr, ...rest }) => rest);
    expect(withoutAmr(after)).toEqual(withoutAmr(before));

    expect(await filtered('pwd')).toContain(`${old}:pwd`);
    expect(await filtered('password')).toContain(`${old}:pwd`);
    expect(await filtered('webauthn')).toContain(`${passkey}:hwk`);
  });

  it('is listed among the migrations that ran', async () => {
    const rows = await t.dataSource.query<{ name: string }[]>('SELECT name FROM migrations');
    expect(rows.map((r) => r.name)).toContain('CanonicalAmrNames1763800000000');
  });
});
