import request from 'supertest';
import type { App } from 'supertest/types';
import { FIELD_VIOLATION_CODES } from '@session-service/problem';
import { expectProblem } from './support/schemas';
import { createTestApp, type TestApp } from './support/test-app';
import { adminToken, bearer, serviceToken, tokenFor } from './support/tokens';

/**
 * Bad inputs through the real app: each 400 names the field with one of the
 * documented codes (docs/errors.md), never a validator's name, and carries the
 * refused value where the request had one.
 */
describe('field errors: documented codes only', () => {
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    t = await createTestApp({
      RATE_LIMIT_IP_PER_MINUTE: '100000',
      RATE_LIMIT_USER_PER_MINUTE: '100000',
    });
    http = t.app.getHttpServer();
  });

  afterAll(() => t.close());

  type Error = { field: string; code: string; description?: string; value?: unknown };
  const errorsOf = (res: request.Response): Error[] => {
    const body = expectProblem(res, 400);
    const errors = body.errors as Error[];
    for (const error of errors) expect(FIELD_VIOLATION_CODES).toContain(error.code);
    return errors;
  };

  it.each([
    ['ip=nope', 'ip', 'format', 'nope'], // isIpOrCidr
    ['active_since=yesterday', 'active_since', 'format', 'yesterday'], // isRfc3339
    ['limit=x', 'limit', 'type', 'x'],
    ['limit=0', 'limit', 'range', 0],
    ['limit=-5', 'limit', 'range', -5], // a negative integer is out of range, not "not an integer"
    ['limit=-0', 'limit', 'type', '-0'],
    ['device_type=spaceship', 'device_type', 'enum', 'spaceship'],
    ['cursor=k1.abc', 'cursor', 'required', 'k1.abc'], // a cursor needs limit
  ])('admin list ?%s: %s is %s', async (query, field, code, value) => {
    const res = await request(http)
      .get(`/api/sessions/all?${query}`)
      .set(...bearer(adminToken()));
    expect(errorsOf(res)).toEqual([{ field, code, description: expect.any(String), value }]);
  });

  it('user list: a negative page or page size names its bounds', async () => {
    const res = await request(http)
      .get('/sessions/user/1001/sessions?page=-1&page_size=-20')
      .set(...bearer(tokenFor(1001)));
    const byField = Object.fromEntries(errorsOf(res).map((e) => [e.field, e]));
    expect(byField.page).toEqual({
      field: 'page',
      code: 'range',
      description: 'page must be at least 1',
      value: -1,
    });
    expect(byField.page_size).toMatchObject({ code: 'range', value: -20 });
    expect(byField.page_size.description).toMatch(/^page_size must be between 1 and \d+$/);
  });

  it('user list: a page_size of letters is type, a path user id with a leading zero is format', async () => {
    const page = await request(http)
      .get('/sessions/user/1001/sessions?page_size=abc')
      .set(...bearer(tokenFor(1001)));
    expect(errorsOf(page)).toEqual([
      { field: 'page_size', code: 'type', description: expect.any(String), value: 'abc' },
    ]);
    const path = await request(http)
      .get('/sessions/user/01/sessions')
      .set(...bearer(tokenFor(1)));
    expect(errorsOf(path)).toEqual([
      { field: 'user_id', code: 'format', description: expect.any(String), value: '01' },
    ]);
  });

  it('sign-in body: custom and list rules map to documented codes', async () => {
    const res = await request(http)
      .post('/api/sessions')
      .set(...bearer(serviceToken()))
      .send({
        user_id: 'x',
        username: 'a\u0000b', // noNul
        amr: ['pwd', 'pwd'], // arrayUnique
        ip: '203.0.113.7',
        user_agent: 'u'.repeat(2000), // maxChars
        surprise: true, // not a member: dropped, not reported
      });
    const byField = Object.fromEntries(errorsOf(res).map((e) => [e.field, e]));
    expect(byField.user_id).toMatchObject({ code: 'type', value: 'x' });
    expect(byField.username).toMatchObject({ code: 'format', value: 'a\u0000b' });
    expect(byField.amr).toMatchObject({ code: 'format', value: ['pwd', 'pwd'] });
    expect(byField.user_agent.code).toBe('range');
    expect(byField.user_agent).not.toHaveProperty('value'); // longer than 256 characters
    expect(byField.surprise).toBeUndefined();
  });

  describe('a body of another media type than JSON', () => {
    const signIn = JSON.stringify({
      user_id: 1002,
      username: 'bea',
      amr: ['pwd'],
      ip: '203.0.113.7',
      user_agent: 'curl/8',
    });
    const post = (contentType: string | undefined, body: string) => {
      const req = request(http)
        .post('/api/sessions')
        .set(...bearer(serviceToken()));
      return contentType === undefined
        ? req.send(Buffer.from(body))
        : req.type(contentType).send(body);
    };

    it.each([
      ['text/plain', 'text/plain'],
      ['application/x-www-form-urlencoded', 'application/x-www-form-urlencoded'],
      ['application/json; charset=latin1', 'application/json; charset=latin1'],
      ['application/merge-patch+json', 'application/merge-patch+json'],
    ])('%s is 415 unsupported-media-type, naming it', async (contentType, shown) => {
      const body = expectProblem(await post(contentType, signIn), 415);
      expect(body).toMatchObject({
        type: '/problems/unsupported-media-type',
        code: 30241501,
        detail: `Request bodies are read as application/json only (this one: ${shown})`,
        i18n_key: 'error.unsupported_media_type',
        i18n_args: { media_type: shown },
      });
    });

    it('a body without a Content-Type is 415 too', async () => {
      const res = await post(undefined, signIn);
      expect(res.request.getHeader('content-type')).toBeUndefined();
      expect(expectProblem(res, 415).detail).toBe(
        'Request bodies are read as application/json only (this one: none)',
      );
    });

    it.each(['text/plain', 'application/json; charset=latin1'])(
      'an empty body of any type (%s) is no body: the fields are missing',
      async (contentType) => {
        const body = expectProblem(await post(contentType, ''), 400);
        expect(body.type).toBe('/problems/invalid-request');
        expect((body.errors as Error[]).map((e) => e.field)).toContain('user_id');
      },
    );

    it.each([
      ['a lone continuation byte', Buffer.from([0x80])],
      ['bytes of no character', Buffer.from([0xff, 0xfe])],
      ['an overlong encoding', Buffer.from([0xc0, 0xaf])],
      ['a surrogate encoded', Buffer.from([0xed, 0xa0, 0x80])],
      ['a sequence cut short', Buffer.from([0xe2, 0x82])],
    ])(
      'JSON whose bytes are not UTF-8 (%s) is a malformed body; nothing is recorded',
      async (_, bad) => {
        const userId = 1100 + (bad[0] % 50);
        const body = Buffer.concat([
          Buffer.from(`{"user_id":${userId},"username":"b`),
          bad,
          Buffer.from(`b","amr":["pwd"],"ip":"203.0.113.7","user_agent":"curl/8"}`),
        ]);
        const res = await request(http)
          .post('/api/sessions')
          .set(...bearer(serviceToken()))
          .type('application/json')
          // The bytes as they are: superagent would otherwise serialise the Buffer as JSON.
          .serialize((raw: Buffer) => raw as unknown as string)
          .send(body);
        expect(expectProblem(res, 400)).toMatchObject({
          type: '/problems/malformed-body',
          code: 30240002,
        });
        const stored = await t.dataSource.query<unknown[]>(
          'SELECT 1 FROM session_service.users WHERE id = $1',
          [userId],
        );
        expect(stored).toHaveLength(0);
      },
    );

    it('application/json with charset UTF-8 is read', async () => {
      await post('application/json; charset=UTF-8', signIn).expect(201);
      await post('application/json; charset=utf-8', signIn).expect(201);
    });
  });

  it('a missing member is required, a member of the wrong type is type', async () => {
    const signIn = await request(http)
      .post('/api/sessions')
      .set(...bearer(serviceToken()))
      .send({});
    expect(errorsOf(signIn)).toEqual(
      ['user_id', 'username', 'amr', 'ip', 'user_agent'].map((field) => ({
        field,
        code: 'required',
        description: `${field} is required`,
      })),
    );
    const limit = (body: Record<string, unknown>) =>
      request(http)
        .put('/api/users/1001/session-limit')
        .set(...bearer(adminToken()))
        .send(body);
    expect(errorsOf(await limit({ limit_policy: 'deny' }))).toEqual([
      {
        field: 'max_sessions',
        code: 'required',
        description: 'max_sessions is required (null: no limit of their own)',
      },
    ]);
    expect(errorsOf(await limit({ max_sessions: 'x' }))).toEqual([
      {
        field: 'max_sessions',
        code: 'type',
        description: 'max_sessions must be an integer or null',
        value: 'x',
      },
    ]);
  });

  it('sign-in body: a lifetime out of bounds is range, with the refused value', async () => {
    const res = await request(http)
      .post('/api/sessions')
      .set(...bearer(serviceToken()))
      .send({
        user_id: 1001,
        username: 'ann',
        amr: ['pwd'],
        ip: '203.0.113.7',
        user_agent: 'curl/8',
        ttl_seconds: 5,
        idle_timeout_seconds: 10 ** 9,
      });
    const byField = Object.fromEntries(errorsOf(res).map((e) => [e.field, e]));
    expect(byField.ttl_seconds).toMatchObject({ code: 'range', value: 5 });
    expect(byField.idle_timeout_seconds).toMatchObject({ code: 'range', value: 10 ** 9 });
  });
});
