import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { launchChromium } from './support/browser';
import { insertSession, insertUser } from './support/factories';
import { freePort } from './support/receivers';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { tokenFor } from './support/tokens';

/**
 * CORS_ORIGINS: a "your devices" page served from another origin calls the API
 * from a real browser (Debian's chromium), under host names that are not
 * localhost. The listed origin reads the user's sessions and the answer's
 * headers; a page of another origin is refused by the browser. The raw
 * headers are checked too, with the service's CORS off for comparison.
 */
const USER = 2101;
const API_HOST = 'sessions.example.test';
const PAGE_HOST = 'devices.example.test';
const OTHER_HOST = 'elsewhere.example.test';

interface PageResult {
  ok: boolean;
  status?: number;
  total?: number;
  requestId?: string | null;
  problemType?: string;
  error?: string;
}

describe('CORS for pages of other origins (CORS_ORIGINS)', () => {
  let t: TestApp;
  let pages: Server;
  let pagePort: number;
  let apiUrl: string;
  let browser: Browser | undefined;
  let launchError: Error | undefined;
  const token = tokenFor(USER);

  beforeAll(async () => {
    // The page's origin must be known before the service starts: its port first.
    pagePort = await freePort();
    pages = createServer((_req, res) => {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>devices</title>');
    });
    await new Promise<void>((resolve) => pages.listen(pagePort, '127.0.0.1', resolve));
    t = await createTestApp({ CORS_ORIGINS: `http://${PAGE_HOST}:${pagePort}` });
    await t.app.listen(0, '127.0.0.1');
    const { port } = (t.app.getHttpServer() as { address(): AddressInfo }).address();
    apiUrl = `http://${API_HOST}:${port}`;
    await resetDatabase(t.dataSource);
    await insertUser(t.dataSource, USER, 'grace');
    await insertSession(t.dataSource, { userId: USER });
    await insertSession(t.dataSource, { userId: USER, lastActiveOffset: -60 });
    try {
      browser = await launchChromium([
        `--host-resolver-rules=MAP ${API_HOST} 127.0.0.1, MAP ${PAGE_HOST} 127.0.0.1, MAP ${OTHER_HOST} 127.0.0.1`,
      ]);
    } catch (error) {
      launchError = error as Error;
    }
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await new Promise((resolve) => pages?.close(resolve));
  });

  /** Opens a page of `host` and calls the API from it with the user's bearer token. */
  async function callFromPage(host: string, path: string, bearer?: string): Promise<PageResult> {
    if (launchError) throw launchError;
    const page = await browser!.newPage();
    try {
      await page.goto(`http://${host}:${pagePort}/`);
      return await page.evaluate(
        async ({ url, bearer }) => {
          try {
            const res = await fetch(url, {
              headers: bearer ? { Authorization: `Bearer ${bearer}` } : {},
            });
            const body = (await res.json()) as { total?: number; type?: string };
            return {
              ok: true,
              status: res.status,
              total: body.total,
              problemType: body.type,
              requestId: res.headers.get('X-Request-Id'),
            };
          } catch (error) {
            return { ok: false, error: String(error) };
          }
        },
        { url: `${apiUrl}${path}`, bearer },
      );
    } finally {
      await page.close();
    }
  }

  it("lets the listed origin's page read the user's sessions and the request id", async () => {
    const result = await callFromPage(PAGE_HOST, `/sessions/user/${USER}/sessions`, token);
    expect(result).toMatchObject({ ok: true, status: 200, total: 2 });
    expect(result.requestId).toMatch(/^req_/);
  });

  it('lets it read a refusal as a Problem too', async () => {
    const result = await callFromPage(PAGE_HOST, `/sessions/user/${USER}/sessions`);
    expect(result).toMatchObject({ ok: true, status: 401, problemType: '/problems/unauthorized' });
  });

  it('leaves a page of any other origin unable to read the answer', async () => {
    const result = await callFromPage(OTHER_HOST, `/sessions/user/${USER}/sessions`, token);
    expect(result).toMatchObject({ ok: false });
    expect(result.error).toMatch(/Failed to fetch/);
  });

  describe('the headers', () => {
    const origin = () => `http://${PAGE_HOST}:${pagePort}`;

    it('answers a preflight of the listed origin with what it may send', async () => {
      const res = await request(t.app.getHttpServer())
        .options(`/sessions/user/${USER}/sessions`)
        .set('Origin', origin())
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'authorization');
      expect(res.status).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(origin());
      expect(res.headers['access-control-allow-headers']).toBe('authorization');
      expect(res.headers['access-control-allow-methods']).toContain('DELETE');
      expect(res.headers['access-control-max-age']).toBe('600');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('names no origin for another one, and exposes the headers a client reads', async () => {
      const other = await request(t.app.getHttpServer())
        .get(`/sessions/user/${USER}/sessions`)
        .set('Origin', `http://${OTHER_HOST}:${pagePort}`)
        .set('Authorization', `Bearer ${token}`);
      expect(other.status).toBe(200);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      expect(other.headers.vary).toMatch(/Origin/);
      const listed = await request(t.app.getHttpServer())
        .get(`/sessions/user/${USER}/sessions`)
        .set('Origin', origin());
      expect(listed.status).toBe(401);
      expect(listed.headers['access-control-allow-origin']).toBe(origin());
      expect(listed.headers['access-control-expose-headers']?.split(', ')).toEqual(
        expect.arrayContaining(['X-Request-Id', 'WWW-Authenticate', 'Retry-After', 'RateLimit']),
      );
    });

    it('sends no CORS headers when CORS_ORIGINS is not set', async () => {
      const plain = await createTestApp();
      try {
        const res = await request(plain.app.getHttpServer())
          .get(`/sessions/user/${USER}/sessions`)
          .set('Origin', origin())
          .set('Authorization', `Bearer ${token}`);
        expect(res.status).toBe(200);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
        // An OPTIONS request stays a 405 Problem naming the methods allowed.
        const options = await request(plain.app.getHttpServer()).options(
          `/sessions/user/${USER}/sessions`,
        );
        expect(options.status).toBe(405);
        expect(options.headers['content-type']).toMatch(/^application\/problem\+json/);
      } finally {
        await plain.close();
      }
    });
  });
});
