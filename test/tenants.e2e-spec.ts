import request from 'supertest';
import type { App } from 'supertest/types';
import type { DataSource } from 'typeorm';
import { insertSession, insertUser } from './support/factories';
import { expectProblem } from './support/schemas';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, bearer, serviceToken, tokenFor } from './support/tokens';

/** Tenants and users' own limits outlive resetDatabase: each spec empties them. */
async function resetTenants(dataSource: DataSource): Promise<void> {
  await resetDatabase(dataSource);
  await dataSource.query('TRUNCATE session_service.tenants, session_service.user_session_limits');
}

const signIn = (overrides: Record<string, unknown> = {}) => ({
  user_id: 701,
  username: 'tess',
  amr: ['pwd'],
  ip: '198.51.100.9',
  user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
  ...overrides,
});

const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;

describe('tenants', () => {
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    t = await createTestApp({
      SESSION_MAX_ABSOLUTE_TTL_SECONDS: '86400',
      SESSION_MAX_IDLE_TIMEOUT_SECONDS: '7200',
    });
    http = t.app.getHttpServer();
  });

  beforeEach(() => resetTenants(t.dataSource));

  afterAll(async () => {
    await resetTenants(t.dataSource);
    await t.close();
  });

  const admin = () => bearer(adminToken());
  const create = (body: Record<string, unknown>) =>
    request(http)
      .post('/api/tenants')
      .set(...admin())
      .send(body);
  const patch = (id: string, body: Record<string, unknown>) =>
    request(http)
      .patch(`/api/tenants/${encodeURIComponent(id)}`)
      .set(...admin())
      .send(body);
  const get = (id: string) =>
    request(http)
      .get(`/api/tenants/${encodeURIComponent(id)}`)
      .set(...admin());
  const record = (body: Record<string, unknown>) =>
    request(http)
      .post('/api/sessions')
      .set(...bearer(serviceToken()))
      .send(body);

  describe('CRUD', () => {
    it('creates a tenant with the service defaults where the request leaves them out', async () => {
      const res = await create({ tenant_id: 'tnt_a', idle_timeout_seconds: 900 }).expect(201);
      expect(res.body).toEqual({
        tenant_id: 'tnt_a',
        absolute_ttl_seconds: 43200,
        min_absolute_ttl_seconds: 60,
        max_absolute_ttl_seconds: 86400,
        idle_timeout_seconds: 900,
        min_idle_timeout_seconds: 60,
        max_idle_timeout_seconds: 7200,
        max_sessions: null,
        limit_policy: 'evict-oldest',
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        updated_at: res.body.created_at,
      });
      expect((await get('tnt_a').expect(200)).body).toEqual(res.body);
    });

    it('409 tenant-exists for an id that exists, and keeps the first', async () => {
      await create({ tenant_id: 'tnt_a', max_sessions: 3 }).expect(201);
      const body = expectProblem(await create({ tenant_id: 'tnt_a', max_sessions: 9 }), 409);
      expect(body.type).toMatch(/\/problems\/tenant-exists$/);
      expect(body.code).toBe(30240904);
      expect((await get('tnt_a')).body.max_sessions).toBe(3);
    });

    it('404 tenant-not-found on read, change and delete of an unknown tenant', async () => {
      for (const res of [
        await get('nope'),
        await patch('nope', { max_sessions: 2 }),
        await request(http)
          .delete('/api/tenants/nope')
          .set(...admin()),
      ]) {
        const body = expectProblem(res, 404);
        expect(body.type).toMatch(/\/problems\/tenant-not-found$/);
        expect(body.i18n_args).toEqual({ tenant_id: 'nope' });
      }
    });

    it('changes only the settings a PATCH gives and moves updated_at', async () => {
      const created = (await create({ tenant_id: 'tnt_a', max_sessions: 4 }).expect(201)).body;
      const res = await patch('tnt_a', {
        limit_policy: 'deny',
        max_idle_timeout_seconds: 3600,
      }).expect(200);
      expect(res.body).toMatchObject({
        max_sessions: 4,
        limit_policy: 'deny',
        max_idle_timeout_seconds: 3600,
        idle_timeout_seconds: 1800,
        created_at: created.created_at,
      });
      expect(Date.parse(res.body.updated_at)).toBeGreaterThanOrEqual(
        Date.parse(created.updated_at),
      );
      const cleared = await patch('tnt_a', { max_sessions: null }).expect(200);
      expect(cleared.body.max_sessions).toBeNull();
    });

    it('deletes a tenant (204); its sessions keep their tenant_id', async () => {
      await create({ tenant_id: 'tnt_a' }).expect(201);
      const session = (await record(signIn({ tenant_id: 'tnt_a' })).expect(201)).body;
      await request(http)
        .delete('/api/tenants/tnt_a')
        .set(...admin())
        .expect(204);
      await get('tnt_a').expect(404);
      const detail = await request(http)
        .get(`/api/sessions/${session.id}`)
        .set(...admin())
        .expect(200);
      expect(detail.body.tenant_id).toBe('tnt_a');
    });

    it('is for admins only', async () => {
      expectProblem(
        await request(http)
          .get('/api/tenants')
          .set(...bearer(tokenFor(701))),
        403,
      );
      expectProblem(
        await request(http)
          .post('/api/tenants')
          .set(...bearer(serviceToken()))
          .send({ tenant_id: 'x' }),
        403,
      );
      expectProblem(await request(http).get('/api/tenants/x'), 401);
    });
  });

  describe('validation', () => {
    const fieldsOf = (body: Record<string, unknown>) =>
      (body.errors as { field: string }[]).map((e) => e.field);

    it('400 names a default outside its own bounds', async () => {
      const body = expectProblem(
        await create({
          tenant_id: 'tnt_a',
          idle_timeout_seconds: 5000,
          max_idle_timeout_seconds: 3600,
        }),
        400,
      );
      expect(fieldsOf(body)).toEqual(['idle_timeout_seconds']);
    });

    it('400 names a bound outside the service bounds, and min above max', async () => {
      const body = expectProblem(
        await create({
          tenant_id: 'tnt_a',
          max_absolute_ttl_seconds: 86401,
          min_idle_timeout_seconds: 30,
        }),
        400,
      );
      expect(fieldsOf(body).sort()).toEqual([
        'max_absolute_ttl_seconds',
        'min_idle_timeout_seconds',
      ]);
      const crossed = expectProblem(
        await create({
          tenant_id: 'tnt_a',
          min_absolute_ttl_seconds: 7200,
          max_absolute_ttl_seconds: 3600,
          absolute_ttl_seconds: 3600,
        }),
        400,
      );
      expect(fieldsOf(crossed)).toContain('min_absolute_ttl_seconds');
    });

    it('400 for bad types, limits and policies, and a missing or too long tenant_id', async () => {
      const body = expectProblem(
        await create({
          tenant_id: 'x'.repeat(129),
          max_sessions: 0,
          limit_policy: 'drop',
          absolute_ttl_seconds: '3600',
        }),
        400,
      );
      expect(fieldsOf(body).sort()).toEqual([
        'absolute_ttl_seconds',
        'limit_policy',
        'max_sessions',
        'tenant_id',
      ]);
      expect(fieldsOf(expectProblem(await create({}), 400))).toEqual(['tenant_id']);
      expect(fieldsOf(expectProblem(await get('x'.repeat(129)), 400))).toEqual(['tenant_id']);
    });

    it.each([
      ['absolute_ttl_seconds', '3600'],
      ['min_absolute_ttl_seconds', true],
      ['max_absolute_ttl_seconds', [60]],
      ['idle_timeout_seconds', '900'],
      ['min_idle_timeout_seconds', {}],
      ['max_idle_timeout_seconds', 1.5],
      ['absolute_ttl_seconds', null],
      ['max_idle_timeout_seconds', null],
    ])(
      '400 names %s of the wrong type (%j) as not an integer, not as out of range',
      async (field, value) => {
        const body = expectProblem(await create({ tenant_id: 'tnt_types', [field]: value }), 400);
        expect(body.errors).toEqual([
          expect.objectContaining({
            field,
            code: 'type',
            description: `${field} must be an integer`,
          }),
        ]);
      },
    );

    it.each(['   ', ' tnt_a', 'tnt_a ', '\ttnt_a', 'tnt_a\n'])(
      '400 names a blank tenant_id, or one with white space around it: %j',
      async (tenantId) => {
        const body = expectProblem(await create({ tenant_id: tenantId }), 400);
        expect(body.errors).toEqual([
          {
            field: 'tenant_id',
            code: 'format',
            description: 'tenant_id must not be blank or begin or end with white space',
            value: tenantId,
          },
        ]);
      },
    );

    it('keeps white space inside a tenant_id', async () => {
      await create({ tenant_id: 'tnt a b' }).expect(201);
    });

    it('400 naming limit_policy when it is null, at creation and in a PATCH', async () => {
      const created = expectProblem(await create({ tenant_id: 'tnt_n', limit_policy: null }), 400);
      expect(fieldsOf(created)).toEqual(['limit_policy']);
      expect((await get('tnt_n')).status).toBe(404);
      await create({ tenant_id: 'tnt_p', limit_policy: 'deny' }).expect(201);
      const patched = expectProblem(await patch('tnt_p', { limit_policy: null }), 400);
      expect(fieldsOf(patched)).toEqual(['limit_policy']);
      expect((await get('tnt_p')).body.limit_policy).toBe('deny');
    });

    it('400 naming a lifetime that is null in a PATCH as not an integer, changing nothing', async () => {
      await create({ tenant_id: 'tnt_null', idle_timeout_seconds: 900 }).expect(201);
      const body = expectProblem(await patch('tnt_null', { idle_timeout_seconds: null }), 400);
      expect(body.errors).toEqual([
        expect.objectContaining({ field: 'idle_timeout_seconds', code: 'type' }),
      ]);
      expect((await get('tnt_null')).body.idle_timeout_seconds).toBe(900);
    });

    it('400 for a PATCH that would leave the settings inconsistent, changing nothing', async () => {
      await create({ tenant_id: 'tnt_a' }).expect(201);
      const body = expectProblem(await patch('tnt_a', { max_idle_timeout_seconds: 600 }), 400);
      expect(fieldsOf(body)).toEqual(['max_idle_timeout_seconds']);
      expect((await get('tnt_a')).body.max_idle_timeout_seconds).toBe(7200);
    });
  });

  describe('paging', () => {
    it('pages through every tenant by id with an opaque cursor', async () => {
      const ids = Array.from({ length: 7 }, (_, i) => `tnt_${String(i).padStart(2, '0')}`);
      for (const id of [...ids].reverse()) await create({ tenant_id: id }).expect(201);
      const seen: string[] = [];
      let cursor: string | null | undefined;
      let pages = 0;
      do {
        const res = await request(http)
          .get('/api/tenants')
          .query({ limit: 3, ...(cursor ? { cursor } : {}) })
          .set(...admin())
          .expect(200);
        seen.push(...res.body.tenants.map((x: { tenant_id: string }) => x.tenant_id));
        cursor = res.body.next_cursor;
        pages++;
      } while (cursor);
      expect(seen).toEqual(ids);
      expect(pages).toBe(3);
    });

    it('400 for a forged cursor or a bad limit', async () => {
      // t1.AA and t1.YQA decode to ids holding U+0000, which PostgreSQL cannot compare.
      for (const query of [
        { cursor: 'abc' },
        { cursor: 't1.AA' },
        { cursor: 't1.YQA' },
        { limit: 0 },
        { limit: 1001 },
      ]) {
        expectProblem(
          await request(http)
            .get('/api/tenants')
            .query(query)
            .set(...admin()),
          400,
        );
      }
    });
  });

  describe('sign-in takes its tenant’s policy', () => {
    it('uses the tenant’s lifetimes when the sign-in names none', async () => {
      await create({ tenant_id: 'tnt_a', absolute_ttl_seconds: 7200, idle_timeout_seconds: 600 });
      const res = await record(signIn({ tenant_id: 'tnt_a' })).expect(201);
      expect(seconds(res.body.created_at, res.body.expires_at)).toBe(7200);
      expect(seconds(res.body.created_at, res.body.idle_expires_at)).toBe(600);
      const other = await record(signIn({ tenant_id: 'tnt_none' })).expect(201);
      expect(seconds(other.body.created_at, other.body.expires_at)).toBe(43200);
      expect(seconds(other.body.created_at, other.body.idle_expires_at)).toBe(1800);
    });

    it('holds a sign-in’s own lifetimes to the tenant’s bounds', async () => {
      await create({
        tenant_id: 'tnt_a',
        max_idle_timeout_seconds: 900,
        idle_timeout_seconds: 600,
      });
      const body = expectProblem(
        await record(signIn({ tenant_id: 'tnt_a', idle_timeout_seconds: 1200 })),
        400,
      );
      expect(body.errors).toEqual([
        expect.objectContaining({ field: 'idle_timeout_seconds', code: 'range' }),
      ]);
      // Within the service's bounds, so another tenant (or none) accepts it.
      await record(signIn({ tenant_id: 'tnt_b', idle_timeout_seconds: 1200 })).expect(201);
    });

    it('sees a change made through this instance at once', async () => {
      await record(signIn({ tenant_id: 'tnt_a' })).expect(201);
      await create({ tenant_id: 'tnt_a', idle_timeout_seconds: 300 }).expect(201);
      const res = await record(signIn({ tenant_id: 'tnt_a' })).expect(201);
      expect(seconds(res.body.created_at, res.body.idle_expires_at)).toBe(300);
    });

    it('applies a changed idle timeout to the tenant’s existing sessions on touch', async () => {
      await create({ tenant_id: 'tnt_a', idle_timeout_seconds: 600 }).expect(201);
      await insertUser(t.dataSource, 702);
      const mine = await insertSession(t.dataSource, {
        userId: 702,
        tenantId: 'tnt_a',
        idleTimeoutSeconds: 600,
      });
      const others = await insertSession(t.dataSource, {
        userId: 702,
        tenantId: 'tnt_other',
        idleTimeoutSeconds: 600,
      });
      await patch('tnt_a', { idle_timeout_seconds: 120 }).expect(200);
      const touch = (id: string) =>
        request(http)
          .post(`/api/sessions/${id}/touch`)
          .set(...bearer(serviceToken()))
          .expect(200);
      const touched = (await touch(mine)).body;
      expect(seconds(touched.last_active_at, touched.idle_expires_at)).toBe(120);
      const untouched = (await touch(others)).body;
      expect(seconds(untouched.last_active_at, untouched.idle_expires_at)).toBe(600);
      const detail = await request(http)
        .get(`/api/sessions/${mine}`)
        .set(...admin())
        .expect(200);
      expect(detail.body.idle_timeout_seconds).toBe(120);
    });
  });

  describe('UNKNOWN_TENANT=reject', () => {
    let strict: TestApp;

    beforeAll(async () => {
      strict = await createTestApp({ UNKNOWN_TENANT: 'reject' });
    });

    afterAll(() => strict.close());

    const post = (body: Record<string, unknown>) =>
      request(strict.app.getHttpServer())
        .post('/api/sessions')
        .set(...bearer(serviceToken()))
        .send(body);

    it('400 naming tenant_id for a tenant that does not exist, nothing recorded', async () => {
      const body = expectProblem(await post(signIn({ tenant_id: 'tnt_ghost' })), 400);
      expect(body.errors).toEqual([
        expect.objectContaining({ field: 'tenant_id', code: 'enum', value: 'tnt_ghost' }),
      ]);
      const [{ n }] = await t.dataSource.query(
        'SELECT count(*)::int AS n FROM session_service.sessions',
      );
      expect(n).toBe(0);
    });

    it('records sign-ins of an existing tenant, and those naming none', async () => {
      await request(strict.app.getHttpServer())
        .post('/api/tenants')
        .set(...admin())
        .send({ tenant_id: 'tnt_real' })
        .expect(201);
      await post(signIn({ tenant_id: 'tnt_real' })).expect(201);
      await post(signIn()).expect(201);
    });
  });
});
