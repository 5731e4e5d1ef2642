import request from 'supertest';
import type { App } from 'supertest/types';
import { interpolate, PROBLEM_CATALOG, type ProblemDefinition } from '@session-service/problem';
import { insertSession, insertUser } from './support/factories';
import { expectProblem } from './support/schemas';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, bearer, serviceToken, tokenFor } from './support/tokens';

type Res = request.Response;
type Json = Record<string, unknown>;

const ALICE = 1001;
const BOB = 1002;
/** A user with a valid token but no row in `users`. */
const GHOST = 4242;
const LIST = (userId: number | string): string => `/sessions/user/${userId}/sessions`;

const definitions = Object.values(PROBLEM_CATALOG);

/** The catalog kind of a Problem, from its `type`. */
function kindOf(body: Json): ProblemDefinition {
  const slug = String(body.type).replace(/^\/problems\//, '');
  const definition = definitions.find((d) => d.slug === slug);
  if (!definition) throw new Error(`no catalog kind for ${String(body.type)}`);
  return definition;
}

/**
 * The detail is one of its kind's templates in `locale` filled with `i18n_args`,
 * which name exactly that template's placeholders; returns the template's variant.
 */
function expectTemplatedDetail(body: Json, locale: 'en' | 'zh-CN'): string {
  const definition = kindOf(body);
  const args = body.i18n_args as Record<string, string | number>;
  const variant = Object.entries(definition.details).find(
    ([, text]) => interpolate(text[locale], args) === body.detail,
  )?.[0];
  expect(variant, `a ${definition.slug} template rendering ${String(body.detail)}`).toBeDefined();
  const names = [...definition.details[variant!].en.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]);
  expect(Object.keys(args).sort()).toEqual([...new Set(names)].sort());
  return variant!;
}

/** Language headers every Problem carries. */
function expectLanguage(res: Res, locale: 'en' | 'zh-CN'): void {
  expect(res.headers['content-language']).toBe(locale);
  expect(String(res.headers.vary).split(/\s*,\s*/)).toContain('Accept-Language');
}

/** The members that must not depend on the language. */
const STABLE = ['type', 'status', 'code', 'instance', 'i18n_key', 'i18n_args', 'service'];

describe('Problems in English and Chinese', () => {
  let t: TestApp;
  let http: App;
  let revokedSessionId: string;

  beforeAll(async () => {
    t = await createTestApp();
    http = t.app.getHttpServer();
    await resetDatabase(t.dataSource);
    await insertUser(t.dataSource, ALICE, 'alice');
    await insertUser(t.dataSource, BOB, 'bob');
    await insertSession(t.dataSource, { userId: ALICE });
    revokedSessionId = await insertSession(t.dataSource, { userId: ALICE, revoked: true });
  });

  afterAll(() => t?.close());

  /** The unauthenticated admin list: a 401 Problem whose detail is a template. */
  const unauthenticated = (acceptLanguage?: string) => {
    const req = request(http).get('/api/sessions/all');
    if (acceptLanguage !== undefined) req.set('Accept-Language', acceptLanguage);
    return req;
  };

  describe('choosing the language from Accept-Language', () => {
    it('answers English without the header', async () => {
      const res: Res = await unauthenticated();
      const body = expectProblem(res, 401);
      expectLanguage(res, 'en');
      expect(body).toMatchObject({
        title: 'Unauthorized',
        detail: 'A bearer token is required',
        i18n_key: 'error.unauthorized',
        i18n_args: {},
      });
    });

    it.each([
      ['zh-CN', 'zh-CN'],
      ['zh', 'zh-CN'],
      ['zh-Hans', 'zh-CN'],
      ['zh-SG', 'zh-CN'],
      ['zh-Hans-CN, en;q=0.1', 'zh-CN'],
      ['fr;q=1, zh-CN;q=0.8', 'zh-CN'],
      ['en;q=0.4, zh;q=0.6', 'zh-CN'],
      ['zh;q=0.5, en;q=0.9', 'en'],
      ['en-GB', 'en'],
      ['zh-TW', 'en'],
      ['fr, de;q=0.5', 'en'],
      ['*', 'en'],
      ['en;q=0.5, *', 'zh-CN'],
      ['zh;q=0, *', 'en'],
      ['en;q=0, zh', 'zh-CN'],
      ['', 'en'],
      ['!!!,;;q=banana', 'en'],
      ['zh;q=7', 'en'],
      ['x'.repeat(4000), 'en'],
    ] as const)('Accept-Language %j -> %s', async (header, locale) => {
      const res: Res = await unauthenticated(header);
      const body = expectProblem(res, 401);
      expectLanguage(res, locale);
      expect(body.title).toBe(PROBLEM_CATALOG.unauthorized.titles[locale]);
      expect(body.detail).toBe(
        locale === 'en' ? 'A bearer token is required' : '需要提供 Bearer 令牌',
      );
      expect(res.headers['www-authenticate']).toBe('Bearer realm="session-service"');
    });
  });

  describe('the same error in both languages', () => {
    /** Sends the request twice, in English and in Chinese, and compares the two Problems. */
    async function both(
      send: (acceptLanguage: string) => request.Test,
      status: number,
    ): Promise<{ en: Json; zh: Json; enRes: Res; zhRes: Res }> {
      const enRes: Res = await send('en');
      const zhRes: Res = await send('zh-CN;q=0.9, en;q=0.5');
      const en = expectProblem(enRes, status);
      const zh = expectProblem(zhRes, status);
      expectLanguage(enRes, 'en');
      expectLanguage(zhRes, 'zh-CN');
      for (const member of STABLE) expect(zh[member], member).toEqual(en[member]);
      expect(zhRes.headers['www-authenticate']).toBe(enRes.headers['www-authenticate']);
      expect(zh.title).toBe(kindOf(en).titles['zh-CN']);
      expect(en.title).toBe(kindOf(en).titles.en);
      expect(zh.title).not.toBe(en.title);
      return { en, zh, enRes, zhRes };
    }

    it('401 for a refused token', async () => {
      const { en, zh } = await both(
        (lang) =>
          request(http)
            .get(LIST(ALICE))
            .set('Authorization', 'Bearer not.a.token')
            .set('Accept-Language', lang),
        401,
      );
      expect(en).toMatchObject({ code: 30240101, detail: 'The bearer token was not accepted' });
      expect(zh.detail).toBe('Bearer 令牌未被接受');
      expect(expectTemplatedDetail(en, 'en')).toBe('token_rejected');
      expect(expectTemplatedDetail(zh, 'zh-CN')).toBe('token_rejected');
    });

    it("403 for another user's sessions", async () => {
      const { en, zh } = await both(
        (lang) =>
          request(http)
            .get(LIST(BOB))
            .set(...bearer(tokenFor(ALICE)))
            .set('Accept-Language', lang),
        403,
      );
      expect(en).toMatchObject({
        type: '/problems/not-resource-owner',
        code: 30240302,
        detail: "The token's user may only access their own resources",
        i18n_args: {},
      });
      expect(zh.detail).toBe('令牌所属用户只能访问自己的资源');
    });

    it('403 for a missing role, with the role as an argument', async () => {
      const { en, zh } = await both(
        (lang) =>
          request(http)
            .get('/api/sessions/all')
            .set(...bearer(tokenFor(ALICE)))
            .set('Accept-Language', lang),
        403,
      );
      expect(en).toMatchObject({ type: '/problems/role-required', code: 30240303 });
      expect(en.detail).toBe('This operation requires the admin role');
      expect(en.i18n_args).toEqual({ role: 'admin' });
      expect(zh.detail).toBe('此操作需要 admin 角色');
      expectTemplatedDetail(en, 'en');
      expectTemplatedDetail(zh, 'zh-CN');
    });

    it('404 for a user that does not exist, with user_id as an argument', async () => {
      const { en, zh } = await both(
        (lang) =>
          request(http)
            .get(LIST(GHOST))
            .set(...bearer(tokenFor(GHOST)))
            .set('Accept-Language', lang),
        404,
      );
      expect(en).toMatchObject({
        type: '/problems/user-not-found',
        code: 30240401,
        title: 'User Not Found',
        detail: `User ${GHOST} does not exist`,
        i18n_key: 'error.user_not_found',
        i18n_args: { user_id: String(GHOST) },
      });
      expect(zh).toMatchObject({ title: '用户不存在', detail: `用户 ${GHOST} 不存在` });
      expect(expectTemplatedDetail(en, 'en')).toBe('default');
      expect(expectTemplatedDetail(zh, 'zh-CN')).toBe('default');
    });

    it('404 for an admin naming an unknown user', async () => {
      const { zh } = await both(
        (lang) =>
          request(http)
            .delete(`/api/users/${GHOST}/sessions`)
            .set(...bearer(adminToken()))
            .set('Accept-Language', lang),
        404,
      );
      expect(zh).toMatchObject({ detail: `用户 ${GHOST} 不存在`, i18n_args: { user_id: '4242' } });
    });

    it('400 for invalid parameters: the title is translated, the validation text is not', async () => {
      const { en, zh } = await both(
        (lang) =>
          request(http)
            .get(`${LIST(ALICE)}?page_size=0`)
            .set(...bearer(tokenFor(ALICE)))
            .set('Accept-Language', lang),
        400,
      );
      expect(en).toMatchObject({
        type: '/problems/invalid-request',
        code: 30240001,
        detail: 'page_size must be between 1 and 100',
        i18n_args: {},
      });
      expect(zh).toMatchObject({ title: '请求参数无效', detail: en.detail });
      expect(zh.errors).toEqual(en.errors);
      expect(en.errors).toEqual([
        {
          field: 'page_size',
          code: 'range',
          description: 'page_size must be between 1 and 100',
          value: 0,
        },
      ]);
    });

    it('409 for touching a revoked session, with session_id and status', async () => {
      const { en, zh } = await both(
        (lang) =>
          request(http)
            .post(`/api/sessions/${revokedSessionId}/touch`)
            .set(...bearer(serviceToken()))
            .set('Accept-Language', lang),
        409,
      );
      expect(en).toMatchObject({
        type: '/problems/session-not-active',
        code: 30240902,
        detail: `Session ${revokedSessionId} is revoked`,
        i18n_args: { session_id: revokedSessionId, status: 'revoked' },
      });
      expect(zh.detail).toBe(`会话 ${revokedSessionId} 的状态为 revoked`);
      expectTemplatedDetail(zh, 'zh-CN');
    });

    it('404 for an unknown route and 405 for a wrong method, with their arguments', async () => {
      const route = await both(
        (lang) => request(http).get('/no/such/route?x=1').set('Accept-Language', lang),
        404,
      );
      expect(route.en).toMatchObject({
        detail: 'No route matches GET /no/such/route',
        i18n_args: { method: 'GET', path: '/no/such/route' },
      });
      expect(route.zh.detail).toBe('没有与 GET /no/such/route 匹配的路由');

      const method = await both(
        (lang) =>
          request(http)
            .patch(LIST(ALICE))
            .set(...bearer(tokenFor(ALICE)))
            .set('Accept-Language', lang),
        405,
      );
      expect(method.enRes.headers.allow).toBe(method.zhRes.headers.allow);
      expect(method.en.i18n_args).toMatchObject({ method: 'PATCH', path: LIST(ALICE) });
      expectTemplatedDetail(method.en, 'en');
      expectTemplatedDetail(method.zh, 'zh-CN');
      expect(method.zh.detail).toContain('不允许使用 PATCH 方法');
    });

    it('400 for a malformed JSON body', async () => {
      const { zh } = await both(
        (lang) =>
          request(http)
            .post('/api/sessions')
            .set(...bearer(serviceToken()))
            .set('Content-Type', 'application/json')
            .set('Accept-Language', lang)
            .send('{"user_id":'),
        400,
      );
      expect(zh).toMatchObject({
        type: '/problems/malformed-body',
        detail: '请求体不是有效的 JSON',
      });
    });
  });

  describe('the problem pages', () => {
    it.each(definitions.map((d) => [d.slug, d] as const))(
      'GET /problems/%s answers its HTML page',
      async (slug, d) => {
        const res: Res = await request(http).get(`/problems/${slug}`).expect(200);
        expect(res.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
        expectLanguage(res, 'en');
        expect(res.text).toContain('<html lang="en">');
        expect(res.text).toContain(`<h1>${d.title.replace(/'/g, '&#39;')}</h1>`);
        expect(res.text).toContain(`<dd id="status">${d.status}</dd>`);
        expect(res.text).toContain(`<dd id="code">${d.code}</dd>`);
        expect(res.text).toContain(`<code>/problems/${slug}</code>`);
        expect(res.text).not.toMatch(/<script/i);
      },
    );

    it.each(definitions.map((d) => [d.slug, d] as const))(
      'GET /problems/%s in Chinese',
      async (slug, d) => {
        const res: Res = await request(http)
          .get(`/problems/${slug}`)
          .set('Accept-Language', 'zh-Hans, en;q=0.5')
          .expect(200);
        expectLanguage(res, 'zh-CN');
        expect(res.text).toContain('<html lang="zh-CN">');
        expect(res.text).toContain(`<h1>${d.titles['zh-CN']}</h1>`);
        expect(res.text).toContain(`<dd id="code">${d.code}</dd>`);
      },
    );

    it('resolves the type of a real Problem', async () => {
      const problem = expectProblem(await request(http).get(LIST(GHOST)), 401);
      const page: Res = await request(http).get(String(problem.type)).expect(200);
      expect(page.text).toContain('<dd id="code">30240101</dd>');
    });

    it('GET /problems lists every kind, linked', async () => {
      for (const [lang, locale] of [
        ['', 'en'],
        ['zh-CN', 'zh-CN'],
      ] as const) {
        const res: Res = await request(http)
          .get('/problems')
          .set('Accept-Language', lang)
          .expect(200);
        expect(res.headers['content-type']).toMatch(/^text\/html/);
        expectLanguage(res, locale);
        const links = [...res.text.matchAll(/<a href="([^"]+)">/g)].map((m) => m[1]);
        expect(links.sort()).toEqual(definitions.map((d) => `/problems/${d.slug}`).sort());
        for (const d of definitions) {
          expect(res.text).toContain(`<td>${d.code}</td><td>${d.status}</td>`);
        }
      }
    });

    it('serves the pages under the Content-Security-Policy, without authentication', async () => {
      const res: Res = await request(http).get('/problems/unauthorized').expect(200);
      expect(res.headers['content-security-policy']).toMatch(/script-src 'self'/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['www-authenticate']).toBeUndefined();
    });

    it('documents the generic kind of an uncatalogued status', async () => {
      const res: Res = await request(http).get('/problems/http-502').expect(200);
      expect(res.text).toContain('<dd id="code">30250299</dd>');
    });

    it.each(['nope', 'USER-NOT-FOUND', 'http-404', 'http-299', '%3Cscript%3E'])(
      'answers the unknown slug %j with a 404 Problem',
      async (slug) => {
        const res: Res = await request(http).get(`/problems/${slug}`).set('Accept-Language', 'zh');
        const body = expectProblem(res, 404);
        expectLanguage(res, 'zh-CN');
        expect(body).toMatchObject({
          type: '/problems/route-not-found',
          code: 30240403,
          title: '路由不存在',
          i18n_args: { method: 'GET', path: `/problems/${slug}` },
        });
        expectTemplatedDetail(body, 'zh-CN');
        expect(res.text).not.toContain('<script>');
      },
    );

    it('is not part of the OpenAPI document', async () => {
      const doc: Res = await request(http).get('/docs-json').expect(200);
      const paths = Object.keys((doc.body as { paths: Json }).paths);
      expect(paths.filter((p) => p.startsWith('/problems'))).toEqual([]);
    });
  });
});

describe('Problems under rate limits', () => {
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    t = await createTestApp({ RATE_LIMIT_IP_PER_MINUTE: '3' });
    http = t.app.getHttpServer();
  });

  afterAll(() => t?.close());

  it('never limits the problem pages', async () => {
    for (let i = 0; i < 6; i++) {
      await request(http).get('/problems').expect(200);
      await request(http).get('/problems/too-many-requests').expect(200);
    }
  });

  it('writes the 429 in Chinese, with retry_after as an argument', async () => {
    for (let i = 0; i < 3; i++) expectProblem(await request(http).get(LIST(ALICE)), 401);
    const res: Res = await request(http).get(LIST(ALICE)).set('Accept-Language', 'zh-CN');
    const body = expectProblem(res, 429);
    expectLanguage(res, 'zh-CN');
    const retryAfter = Number(res.headers['retry-after']);
    expect(body).toMatchObject({
      type: '/problems/too-many-requests',
      code: 30242901,
      title: '请求过多',
      retry_after: retryAfter,
      i18n_args: { retry_after: retryAfter },
      detail: `来自此客户端地址的请求过多，请在 ${retryAfter} 秒后重试`,
    });
    expect(expectTemplatedDetail(body, 'zh-CN')).toBe('client_address');
    // The pages still answer while the client is limited.
    await request(http).get('/problems/too-many-requests').expect(200);
  });
});
