import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AdminSessionListResponse,
  createSessionsClient,
  type Problem,
  type RevocationFeedResponse,
  type RevokeSessionsResponse,
  type SessionListResponse,
  type SessionResponse,
  SessionsApiError,
  type SessionStatusResponse,
} from './index';

const BASE = 'http://sessions.test:3000';

interface Recorded {
  method: string;
  url: URL;
  authorization: string | null;
  body: unknown;
}

/** A fake `fetch` answering each request with the next canned response, recording what was asked. */
function fakeFetch(...responses: (() => Response)[]) {
  const requests: Recorded[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    const text = await request.text();
    requests.push({
      method: request.method,
      url: new URL(request.url),
      authorization: request.headers.get('authorization'),
      body: text ? JSON.parse(text) : undefined,
    });
    const next = responses.shift();
    if (!next) throw new Error(`unexpected request ${request.method} ${request.url}`);
    return next();
  };
  return { fetch, requests };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });
const problem =
  (status: number, body: Problem, headers: Record<string, string> = {}) =>
  () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/problem+json', ...headers },
    });

async function caught(promise: Promise<unknown>): Promise<SessionsApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SessionsApiError);
  return error as SessionsApiError;
}

describe('createSessionsClient', () => {
  it('sends each operation to its route with the bearer token, query and body', async () => {
    const { fetch, requests } = fakeFetch(
      json(200, { items: [] }),
      json(200, { sessions: [], total: 0, next_cursor: null }),
      json(201, { id: 's1' }),
      () => new Response(null, { status: 204 }),
      json(200, { revoked: 2 }),
      json(200, { id: 's1' }),
      json(200, { session_id: 's1', active: true }),
      json(200, { revocations: [], next_cursor: 'c', has_more: false }),
    );
    const client = createSessionsClient({ baseUrl: `${BASE}/`, token: 'T', fetch });
    await client.listUserSessions(1001, { page: 2, page_size: 5 });
    await client.listAllSessions({ limit: 10, ip: '203.0.113.0/24' });
    await client.recordSignIn({
      user_id: 1001,
      username: 'alice',
      amr: ['pwd'],
      ip: '203.0.113.7',
      user_agent: 'UA',
    });
    await expect(client.revokeSession('1001', 's1')).resolves.toBeUndefined();
    await client.revokeAllSessions(1001, { keepCurrent: true });
    await client.touch('s1');
    await client.sessionStatus('s1');
    await client.revocations({ after: 'c0', limit: 50 });

    expect(requests.map((r) => `${r.method} ${r.url.pathname}${r.url.search}`)).toEqual([
      'GET /sessions/user/1001/sessions?page=2&page_size=5',
      'GET /api/sessions/all?limit=10&ip=203.0.113.0%2F24',
      'POST /api/sessions',
      'DELETE /sessions/user/1001/sessions/s1',
      'DELETE /sessions/user/1001/sessions?keep_current=true',
      'POST /api/sessions/s1/touch',
      'GET /api/sessions/s1/status',
      'GET /api/sessions/revocations?after=c0&limit=50',
    ]);
    expect(requests.every((r) => r.url.origin === BASE)).toBe(true);
    expect(new Set(requests.map((r) => r.authorization))).toEqual(new Set(['Bearer T']));
    expect(requests[2].body).toMatchObject({ user_id: 1001, username: 'alice', amr: ['pwd'] });
  });

  it('asks getToken before every request, and a per-call token wins', async () => {
    let n = 0;
    const { fetch, requests } = fakeFetch(
      json(200, { revoked: 0 }),
      json(200, { revoked: 0 }),
      json(200, { revoked: 0 }),
    );
    const client = createSessionsClient({
      baseUrl: BASE,
      token: 'ignored',
      getToken: () => Promise.resolve(`t${++n}`),
      fetch,
    });
    await client.revokeAllSessions(1);
    await client.revokeAllSessions(1, { keepCurrent: false });
    await client.revokeAllSessions(1, {}, { token: 'mine' });
    expect(requests.map((r) => r.authorization)).toEqual(['Bearer t1', 'Bearer t2', 'Bearer mine']);
    expect(requests[1].url.search).toBe('?keep_current=false');
    expect(requests[0].url.search).toBe('');
  });

  it('sends no Authorization header without a token', async () => {
    const { fetch, requests } = fakeFetch(json(200, { items: [] }));
    await createSessionsClient({ baseUrl: BASE, fetch }).listUserSessions(1);
    expect(requests[0].authorization).toBeNull();
  });

  it('throws a SessionsApiError carrying the Problem of a 4xx', async () => {
    const body: Problem = {
      type: '/problems/invalid-request',
      title: 'Invalid Request Parameters',
      status: 400,
      detail: 'page_size must be between 1 and 100',
      code: 30240001,
      request_id: 'req_1',
      errors: [{ field: 'page_size', code: 'range', description: 'must be 1..100' }],
    };
    const { fetch } = fakeFetch(problem(400, body));
    const error = await caught(
      createSessionsClient({ baseUrl: BASE, fetch }).listUserSessions(1, { page_size: 0 }),
    );
    expect(error.status).toBe(400);
    expect(error.problem).toEqual(body);
    expect(error).toMatchObject({ code: 30240001, type: '/problems/invalid-request' });
    expect(error.requestId).toBe('req_1');
    expect(error.errors.map((e) => e.field)).toEqual(['page_size']);
    expect(error.message).toBe(
      '400 Invalid Request Parameters: page_size must be between 1 and 100 (code 30240001)',
    );
    expect(error.response.status).toBe(400);
    expect(error.name).toBe('SessionsProblemError');
  });

  it('exposes retry_after of a 503, and falls back to the Retry-After header', async () => {
    const { fetch } = fakeFetch(
      problem(503, { status: 503, code: 30250301, retry_after: 5 }, { 'retry-after': '5' }),
      problem(429, { status: 429, code: 30242901 }, { 'retry-after': '17' }),
      problem(503, { status: 503 }, { 'retry-after': new Date(Date.now() + 30_000).toUTCString() }),
    );
    const client = createSessionsClient({ baseUrl: BASE, fetch, retries: 0 });
    expect((await caught(client.sessionStatus('s'))).retryAfter).toBe(5);
    const limited = await caught(client.sessionStatus('s'));
    expect(limited).toMatchObject({ status: 429, code: 30242901, retryAfter: 17 });
    const dated = (await caught(client.sessionStatus('s'))).retryAfter;
    expect(dated).toBeGreaterThanOrEqual(28);
    expect(dated).toBeLessThanOrEqual(30);
  });

  it('makes a Problem from an answer that is not one (a proxy page, an empty body)', async () => {
    const { fetch } = fakeFetch(
      () =>
        new Response('<html>Bad gateway</html>', {
          status: 502,
          statusText: 'Bad Gateway',
          headers: { 'content-type': 'text/html', 'x-request-id': 'req_9' },
        }),
      () => new Response(null, { status: 404, statusText: 'Not Found' }),
    );
    const client = createSessionsClient({ baseUrl: BASE, fetch });
    const gateway = await caught(client.touch('s'));
    expect(gateway.problem).toEqual({
      status: 502,
      title: 'Bad Gateway',
      detail: '<html>Bad gateway</html>',
      request_id: 'req_9',
    });
    const notFound = await caught(client.revokeSession(1, 's'));
    expect(notFound.problem).toEqual({ status: 404, title: 'Not Found' });
    expect(notFound.errors).toEqual([]);
  });

  it('refuses a 2xx without the JSON body the operation promises', async () => {
    const { fetch } = fakeFetch(() => new Response(null, { status: 200 }));
    const error = await caught(createSessionsClient({ baseUrl: BASE, fetch }).touch('s'));
    expect(error.problem.title).toBe('Empty response');
  });

  it('types each method with the generated schema', () => {
    const client = createSessionsClient({ baseUrl: BASE });
    expectTypeOf(client.listUserSessions).returns.resolves.toEqualTypeOf<SessionListResponse>();
    expectTypeOf(client.listAllSessions).returns.resolves.toEqualTypeOf<AdminSessionListResponse>();
    expectTypeOf(client.recordSignIn).returns.resolves.toEqualTypeOf<SessionResponse>();
    expectTypeOf(client.revokeSession).returns.resolves.toBeVoid();
    expectTypeOf(client.revokeAllSessions).returns.resolves.toEqualTypeOf<RevokeSessionsResponse>();
    expectTypeOf(client.touch).returns.resolves.toEqualTypeOf<SessionResponse>();
    expectTypeOf(client.sessionStatus).returns.resolves.toEqualTypeOf<SessionStatusResponse>();
    expectTypeOf(client.revocations).returns.resolves.toEqualTypeOf<RevocationFeedResponse>();
    // Optional, as seed 001 documents every member of dto.SessionResponse.
    expectTypeOf<SessionResponse['user_id']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Problem['code']>().toEqualTypeOf<number | undefined>();
  });

  it('depends on openapi-fetch only (no NestJS), so any service can use it', () => {
    const sources = readdirSync(__dirname).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'),
    );
    const imports = sources.flatMap((f) =>
      [...readFileSync(join(__dirname, f), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]),
    );
    expect(new Set(imports.filter((i) => !i.startsWith('./')))).toEqual(new Set(['openapi-fetch']));
  });
});
