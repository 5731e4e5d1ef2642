import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  createSessionsClient,
  type CreateSessionRequest,
  type Problem,
  ProblemCodes,
  type SessionsClientOptions,
  SessionsClientError,
  SessionsClientNetworkError,
  SessionsClientTimeoutError,
  SessionsProblemError,
} from './index';
import { resilientFetch, retryDelay, type RetryPolicy } from './resilient-fetch';

/**
 * The client against a real HTTP server on a loopback port: each request gets
 * the next answer of the queue (the last one repeats); `hang` never answers.
 */
interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
type Answer = ((res: ServerResponse) => void) | 'hang';

let server: Server;
let base: string;
let seen: Seen[];
let answers: Answer[];

beforeEach(async () => {
  seen = [];
  answers = [];
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const answer = answers.length > 1 ? answers.shift() : answers[0];
      if (answer === undefined) res.writeHead(500).end('no answer queued');
      else if (answer !== 'hang') answer(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}) =>
  (res: ServerResponse) =>
    res
      .writeHead(status, { 'content-type': 'application/json', ...headers })
      .end(JSON.stringify(body));
const problem = (status: number, body: Problem, headers: Record<string, string> = {}) =>
  json(status, { status, ...body }, { 'content-type': 'application/problem+json', ...headers });
const unavailable = (retryAfter?: string) =>
  problem(
    503,
    { code: ProblemCodes.DATABASE_UNAVAILABLE, title: 'Service Unavailable' },
    retryAfter === undefined ? {} : { 'retry-after': retryAfter },
  );
const sessions = json(200, { code: 0, items: [{ id: 's1' }], total: 1 });

const client = (options: Partial<SessionsClientOptions> = {}) =>
  createSessionsClient({ baseUrl: base, token: 'T', retryDelayMs: 10, ...options });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected the call to reject'),
    (e: unknown) => e,
  );
}

/** V8's full collection, as `node --expose-gc` gives it. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('time limit', () => {
  // Node's fetch holds a cloned request's link to the signal it follows only weakly
  // (nodejs/undici#4068): a collection during the call used to leave it hanging.
  it('holds when memory is collected during the call, and closes the connection', async () => {
    answers = ['hang'];
    const closed = new Promise<void>((resolve) =>
      server.once('request', (req: IncomingMessage) => req.socket.once('close', resolve)),
    );
    const pending = rejection(client({ timeoutMs: 300 }).listUserSessions(1001));
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    collectGarbage();
    expect(await pending).toBeInstanceOf(SessionsClientTimeoutError);
    // The request itself was aborted, not only the call given up on.
    await closed;
  });

  it('rejects a call the service does not answer with SessionsClientTimeoutError', async () => {
    answers = ['hang'];
    const started = performance.now();
    const error = await rejection(client({ timeoutMs: 200 }).listUserSessions(1001));
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(error).toBeInstanceOf(SessionsClientTimeoutError);
    expect(error).toBeInstanceOf(SessionsClientError);
    expect(error).toMatchObject({
      name: 'SessionsClientTimeoutError',
      timeoutMs: 200,
      method: 'GET',
      url: `${base}/sessions/user/1001/sessions`,
    });
    expect(seen).toHaveLength(1);
  });

  it('holds with a fetch that ignores the abort', async () => {
    const neverAnswers = () => new Promise<Response>(() => undefined);
    const error = await rejection(
      client({ timeoutMs: 200, fetch: neverAnswers }).listUserSessions(1001),
    );
    expect(error).toMatchObject({ name: 'SessionsClientTimeoutError', timeoutMs: 200 });
  });

  it('takes a per-call time limit over the client one', async () => {
    answers = ['hang'];
    const error = await rejection(
      client({ timeoutMs: 60_000 }).sessionStatus('s', { timeoutMs: 100 }),
    );
    expect(error).toMatchObject({ name: 'SessionsClientTimeoutError', timeoutMs: 100 });
  });

  it('has none with timeoutMs 0 or beyond what a timer can wait', async () => {
    answers = [sessions];
    await expect(client({ timeoutMs: 0 }).listUserSessions(1)).resolves.toMatchObject({ total: 1 });
    await expect(
      client().listUserSessions(1, {}, { timeoutMs: Number.POSITIVE_INFINITY }),
    ).resolves.toMatchObject({ total: 1 });
    await expect(client({ timeoutMs: 2 ** 40 }).listUserSessions(1)).resolves.toMatchObject({
      total: 1,
    });
  });

  it('also covers a body that stops half-way', async () => {
    answers = [(res) => res.writeHead(200, { 'content-type': 'application/json' }).write('{"co')];
    const error = await rejection(client({ timeoutMs: 200 }).listUserSessions(1));
    expect(error).toBeInstanceOf(SessionsClientTimeoutError);
  });

  it("rejects with the caller's own abort reason, not a timeout", async () => {
    answers = ['hang'];
    const controller = new AbortController();
    const pending = client().listUserSessions(1, {}, { signal: controller.signal });
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    controller.abort(new Error('user navigated away'));
    const error = await rejection(pending);
    expect(error).toEqual(new Error('user navigated away'));
    expect(error).not.toBeInstanceOf(SessionsClientError);
  });

  it('sends nothing when the signal is already aborted', async () => {
    answers = [sessions];
    const error = await rejection(
      client().listUserSessions(1, {}, { signal: AbortSignal.abort(new Error('gone')) }),
    );
    expect(error).toEqual(new Error('gone'));
    expect(seen).toHaveLength(0);
  });
});

describe('retries', () => {
  it('retries a GET answered 503 after Retry-After seconds, then succeeds', async () => {
    answers = [unavailable('1'), sessions];
    const started = performance.now();
    const list = await client().listUserSessions(1001);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
    expect(list.items?.map((s) => s.id)).toEqual(['s1']);
    expect(seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /sessions/user/1001/sessions',
      'GET /sessions/user/1001/sessions',
    ]);
    expect(seen[1].headers.authorization).toBe('Bearer T');
  });

  it('retries a 429 too, and reports each retry', async () => {
    answers = [
      problem(429, { code: ProblemCodes.TOO_MANY_REQUESTS }, { 'retry-after': '0' }),
      sessions,
    ];
    const onRetry = vi.fn();
    await client({ onRetry }).listUserSessions(1);
    expect(seen).toHaveLength(2);
    expect(onRetry).toHaveBeenCalledExactlyOnceWith({
      method: 'GET',
      url: `${base}/sessions/user/1/sessions`,
      attempt: 1,
      status: 429,
      delayMs: 0,
    });
  });

  it('gives up after `retries` retries with the last Problem', async () => {
    answers = [unavailable()];
    const error = await rejection(client({ retries: 3 }).sessionStatus('s'));
    expect(seen).toHaveLength(4);
    expect(error).toBeInstanceOf(SessionsProblemError);
    expect(error).toMatchObject({ status: 503, code: ProblemCodes.DATABASE_UNAVAILABLE });
  });

  it('retries twice by default, and not at all with retries: 0', async () => {
    answers = [problem(429, { code: ProblemCodes.TOO_MANY_REQUESTS }, { 'retry-after': '0' })];
    const error = await rejection(client().listAllSessions());
    expect(seen).toHaveLength(3);
    expect(error).toMatchObject({
      status: 429,
      code: ProblemCodes.TOO_MANY_REQUESTS,
      retryAfter: 0,
    });

    seen = [];
    await rejection(client().listAllSessions({}, { retries: 0 }));
    expect(seen).toHaveLength(1);
  });

  it('cuts a long Retry-After (seconds or an HTTP date) to maxRetryDelayMs', async () => {
    const inAnHour = new Date(Date.now() + 3_600_000).toUTCString();
    answers = [unavailable('3600'), unavailable(inAnHour), sessions];
    const started = performance.now();
    await client({ maxRetryDelayMs: 150 }).listUserSessions(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    expect(seen).toHaveLength(3);
  });

  it('does not start a retry whose wait would pass the time limit: the Problem comes back', async () => {
    answers = [unavailable('5'), sessions];
    const error = await rejection(client({ timeoutMs: 2_000 }).listUserSessions(1));
    expect(error).toBeInstanceOf(SessionsProblemError);
    expect(error).toMatchObject({ status: 503, retryAfter: 5 });
    expect(seen).toHaveLength(1);
  });

  it('never retries a POST', async () => {
    answers = [unavailable('0'), json(201, { id: 's1' })];
    const signIn: CreateSessionRequest = {
      user_id: 1,
      username: 'a',
      amr: ['pwd'],
      ip: '203.0.113.1',
      user_agent: 'UA',
    };
    await expect(client().recordSignIn(signIn)).rejects.toBeInstanceOf(SessionsProblemError);
    await expect(client().touch('s1')).resolves.toEqual({ id: 's1' });
    expect(seen.map((r) => r.method)).toEqual(['POST', 'POST']);
    expect(JSON.parse(seen[0].body)).toMatchObject({ username: 'a' });
  });

  it('retries a DELETE', async () => {
    answers = [unavailable('0'), (res) => res.writeHead(204).end()];
    await expect(client().revokeSession(1, 's1')).resolves.toBeUndefined();
    expect(seen.map((r) => r.method)).toEqual(['DELETE', 'DELETE']);
  });

  it('sends the body of a retried PUT again', async () => {
    answers = [unavailable('0'), json(200, {})];
    const fetch = resilientFetch((r) => globalThis.fetch(r), {
      retries: 2,
      maxRetryDelayMs: 1000,
      retryDelayMs: 10,
    });
    const response = await fetch(new Request(`${base}/x`, { method: 'PUT', body: '{"a":1}' }));
    expect(response.status).toBe(200);
    expect(seen.map((r) => `${r.method} ${r.body}`)).toEqual(['PUT {"a":1}', 'PUT {"a":1}']);
  });

  it("stops waiting for a retry at the caller's abort, and sends nothing more", async () => {
    answers = [unavailable('1'), sessions];
    const controller = new AbortController();
    const pending = client().listUserSessions(1, {}, { signal: controller.signal });
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    controller.abort(new Error('stop'));
    expect(await rejection(pending)).toEqual(new Error('stop'));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(seen).toHaveLength(1);
  });

  describe('retryDelay', () => {
    const policy: RetryPolicy = { retries: 5, maxRetryDelayMs: 5_000, retryDelayMs: 200 };
    const answer = (retryAfter?: string) =>
      new Response(null, {
        status: 503,
        headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter },
      });

    it('takes Retry-After in seconds or as an HTTP date', () => {
      expect(retryDelay(answer('2'), 0, policy)).toBe(2_000);
      const delay = retryDelay(answer(new Date(Date.now() + 4_000).toUTCString()), 0, policy);
      expect(delay).toBeGreaterThan(2_000);
      expect(delay).toBeLessThanOrEqual(4_000);
      expect(retryDelay(answer(new Date(Date.now() - 60_000).toUTCString()), 0, policy)).toBe(0);
    });

    it('backs off exponentially with full jitter without Retry-After, up to the cap', () => {
      const random = vi.spyOn(Math, 'random');
      try {
        random.mockReturnValue(0.999_999);
        expect([0, 1, 2, 3, 4, 5].map((n) => retryDelay(answer(), n, policy))).toEqual([
          199, 399, 799, 1_599, 3_199, 4_999,
        ]);
        random.mockReturnValue(0);
        expect(retryDelay(answer(), 3, policy)).toBe(0);
        expect(retryDelay(answer('junk'), 0, { ...policy, maxRetryDelayMs: 50 })).toBe(0);
      } finally {
        random.mockRestore();
      }
    });
  });
});

describe('network failures', () => {
  it('turns a refused connection into SessionsClientNetworkError with its cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));

    const error = await rejection(
      client({ baseUrl: `http://127.0.0.1:${port}` }).listAllSessions(),
    );
    expect(error).toBeInstanceOf(SessionsClientNetworkError);
    expect(error).toBeInstanceOf(SessionsClientError);
    expect(error).not.toBeInstanceOf(SessionsProblemError);
    expect(error).toMatchObject({
      name: 'SessionsClientNetworkError',
      code: 'ECONNREFUSED',
      method: 'GET',
      url: `http://127.0.0.1:${port}/api/sessions/all`,
    });
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('turns a connection reset before any answer into SessionsClientNetworkError', async () => {
    answers = [(res) => res.socket?.destroy()];
    const error = await rejection(client().listAllSessions());
    expect(error).toBeInstanceOf(SessionsClientNetworkError);
    expect((error as SessionsClientNetworkError).code).toEqual(expect.any(String));
    expect(seen).toHaveLength(1);
  });
});

describe('headers', () => {
  it('sends default headers and per-call headers (a per-call one wins)', async () => {
    answers = [sessions];
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await client({ headers: { 'User-Agent': 'devices/1.0', 'X-Tenant': 'acme' } }).listUserSessions(
      1,
      {},
      { headers: { 'X-Request-Id': 'req-123', traceparent, 'x-tenant': 'globex' } },
    );
    expect(seen[0].headers).toMatchObject({
      'user-agent': 'devices/1.0',
      'x-tenant': 'globex',
      'x-request-id': 'req-123',
      traceparent,
      authorization: 'Bearer T',
    });
  });

  it('leaves out a default header given as null, ignores undefined, and sends the same headers on a retry', async () => {
    answers = [unavailable('0'), sessions];
    await client({ headers: { 'X-Tenant': 'acme' } }).listUserSessions(
      1,
      {},
      { headers: { 'X-Tenant': null, 'X-Request-Id': 'req-9', 'X-Other': undefined } },
    );
    expect(seen).toHaveLength(2);
    for (const request of seen) {
      expect(request.headers['x-tenant']).toBeUndefined();
      expect(request.headers['x-request-id']).toBe('req-9');
      expect(request.headers).not.toHaveProperty('x-other');
    }
  });
});

describe('Problem answers', () => {
  it('reject with SessionsProblemError carrying the parsed Problem', async () => {
    const body: Problem = {
      type: 'https://sessions.example/problems/not-resource-owner',
      title: 'Access To Another User Denied',
      status: 403,
      detail: "The token's user may only access their own resources",
      code: ProblemCodes.NOT_RESOURCE_OWNER,
      request_id: 'req_7',
    };
    answers = [problem(403, body, { 'x-request-id': 'req_7' })];
    const error = await rejection(client().listUserSessions(1002));
    expect(error).toBeInstanceOf(SessionsProblemError);
    const p = error as SessionsProblemError;
    expect(p.problem).toEqual(body);
    expect(p).toMatchObject({
      name: 'SessionsProblemError',
      status: 403,
      code: 30240302,
      type: body.type,
      title: body.title,
      detail: body.detail,
      requestId: 'req_7',
      errors: [],
      retryAfter: undefined,
    });
    expect(p.code === ProblemCodes.NOT_RESOURCE_OWNER).toBe(true);
    expect(p.response.headers.get('content-type')).toBe('application/problem+json');
    expect(p.message).toBe(
      "403 Access To Another User Denied: The token's user may only access their own resources (code 30240302)",
    );
  });

  it('carries the field errors of a 400', async () => {
    answers = [
      problem(400, {
        code: ProblemCodes.INVALID_REQUEST,
        errors: [{ field: 'page_size', code: 'range', description: 'must be 1..100' }],
      }),
    ];
    const error = (await rejection(
      client().listUserSessions(1, { page_size: 0 }),
    )) as SessionsProblemError;
    expect(error.code).toBe(ProblemCodes.INVALID_REQUEST);
    expect(error.errors).toEqual([
      { field: 'page_size', code: 'range', description: 'must be 1..100' },
    ]);
    expect(seen[0].url).toBe('/sessions/user/1/sessions?page_size=0');
  });
});
