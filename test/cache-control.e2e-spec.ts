/**
 * Every answer of an authenticated route, success or Problem, carries
 * `Cache-Control: no-store` (RFC 9111 section 5.2.2.5, OWASP ASVS V8): session
 * lists hold IP addresses and user agents, and no cache along the way may keep
 * them. The routes are enumerated from the OpenAPI document the app serves, so
 * a route added later is covered without touching this spec.
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { insertSession, insertUser } from './support/factories';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { SERVICE_ROLE, tokenFor } from './support/tokens';

const ALICE = 4101;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The directives of `Cache-Control`. The SSE stream's come from Nest
 * (`private, no-cache, no-store, must-revalidate, max-age=0, no-transform`);
 * every other answer carries `no-store` alone.
 */
const directives = (answer: Answer): string[] =>
  String(answer.headers['cache-control'] ?? '')
    .split(',')
    .map((d) => d.trim().toLowerCase());

interface Operation {
  method: string;
  path: string;
}

describe('Cache-Control: no-store on every authenticated route', () => {
  let t: TestApp;
  let baseUrl: string;
  let operations: Operation[];
  let sessionId: string;

  /** Status and headers of one request; the body is not waited for (the SSE stream never ends). */
  const send = (method: string, path: string, headers: Record<string, string> = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const body = ['POST', 'PUT', 'PATCH'].includes(method) ? '{}' : undefined;
      const req = httpRequest(
        `${baseUrl}${path}`,
        {
          method,
          agent: false,
          headers: {
            ...headers,
            ...(body && { 'Content-Type': 'application/json', 'Content-Length': body.length }),
          },
        },
        (res) => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers });
          req.destroy();
        },
      );
      req.on('error', (error) => {
        if (!req.destroyed) reject(error);
      });
      req.end(body);
    });

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    const { port } = (t.app.getHttpServer() as { address(): AddressInfo }).address();
    baseUrl = `http://127.0.0.1:${port}`;
    await resetDatabase(t.dataSource);
    await insertUser(t.dataSource, ALICE, 'alice');
    sessionId = await insertSession(t.dataSource, { userId: ALICE });
    const document = (await (await fetch(`${baseUrl}/docs-json`)).json()) as {
      paths: Record<string, Partial<Record<string, { security?: unknown[] }>>>;
    };
    operations = Object.entries(document.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]?.security?.length).map((m) => ({
        method: m.toUpperCase(),
        path: path
          .replace('{user_id}', String(ALICE))
          .replace('{session_id}', sessionId)
          .replace('{tenant_id}', 'tnt_xyz789')
          .replace('{stream_id}', 'f5b1e4c2-6d3a-4b8e-9f10-2a7c3e5d8b41')
          .replace('{client_id}', 'crm-web'),
      })),
    );
    // DELETEs last, so that the reads still find the session.
    operations.sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
  });

  afterAll(() => t?.close());

  it('finds the authenticated operations in the OpenAPI document', () => {
    expect(operations.length).toBeGreaterThanOrEqual(12);
    expect(operations.every((o) => !o.path.includes('{'))).toBe(true);
  });

  it('answers each with no-store: without a token, with a refused one, and with a valid one', async () => {
    const valid = tokenFor(ALICE, { roles: ['admin', SERVICE_ROLE] });
    const seen: string[] = [];
    for (const { method, path } of operations) {
      for (const [name, headers] of [
        ['no token', {}],
        ['refused token', { Authorization: 'Bearer not.a.token' }],
        ['a forbidden token', { Authorization: `Bearer ${tokenFor(ALICE + 1)}` }],
        ['valid token', { Authorization: `Bearer ${valid}` }],
      ] as const) {
        const answer = await send(method, path, headers);
        seen.push(`${method} ${path} (${name}): ${answer.status}`);
        expect(answer.status, `${method} ${path} with ${name}`).toBeLessThan(500);
        expect(directives(answer), `${method} ${path} with ${name}`).toContain('no-store');
      }
    }
    // Both successes and Problems were checked.
    expect(seen.some((s) => / 2\d\d$/.test(s))).toBe(true);
    expect(seen.some((s) => / 40[13]$/.test(s))).toBe(true);
  });

  it('answers an authenticated route that does not exist for this method or id with no-store too', async () => {
    const valid = tokenFor(ALICE, { roles: ['admin'] });
    const missing = await send('GET', `/api/sessions/00000000-0000-4000-8000-000000000000`, {
      Authorization: `Bearer ${valid}`,
    });
    expect(missing.status).toBe(404);
    expect(missing.headers['cache-control']).toBe('no-store');
  });
});
