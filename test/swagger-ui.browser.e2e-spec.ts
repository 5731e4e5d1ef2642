import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { type BrowserLog, launchChromium, recordBrowserLog, screenshot } from './support/browser';
import { insertSession, insertUser } from './support/factories';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken, tokenFor } from './support/tokens';

/**
 * Swagger UI in a real browser (Debian's chromium), served by the real app with
 * its helmet CSP over plain http under a host name that is not localhost (the
 * browser resolves it to 127.0.0.1), as a deployment behind a name serves it:
 * authorize with a bearer token, then try the user's session list for the
 * token's own user (200) and for another user (403 Problem), and the admin list
 * with nothing filled in (every session). Screenshots go to test-results/screenshots/.
 */
const ALICE = 2001;
const BOB = 2002;
const LIST_PATH = '/sessions/user/{user_id}/sessions';
const ADMIN_LIST_PATH = '/api/sessions/all';
/** Not localhost: browsers exempt only localhost from upgrade-insecure-requests. */
const HOST_NAME = 'sessions.example.test';

/**
 * While screenshotting an operation: leave out its documented responses (long)
 * and show the whole response body rather than a scrolled box.
 */
const TRIED_OPERATION_ONLY =
  '.responses-table:not(.live-responses-table) { display: none !important; } ' +
  '.live-responses-table .highlight-code pre { max-height: none !important; }';

/** Bounded waits for everything the browser does; the spec's own timeout is 30 s. */
const UI_TIMEOUT = 10_000;

describe('Swagger UI in chromium (/docs)', () => {
  let t: TestApp;
  /** What the browser loads: http, under HOST_NAME. */
  let baseUrl: string;
  /** The same server for this process's own fetches (Node cannot resolve HOST_NAME). */
  let serverUrl: string;
  let browser: Browser | undefined;
  let launchError: Error | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let log: BrowserLog;
  let operation: Locator;
  const aliceSessions: string[] = [];
  let bobSession: string;
  const aliceToken = tokenFor(ALICE);

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    const { port } = (t.app.getHttpServer() as { address(): AddressInfo }).address();
    baseUrl = `http://${HOST_NAME}:${port}`;
    serverUrl = `http://127.0.0.1:${port}`;

    await resetDatabase(t.dataSource);
    await insertUser(t.dataSource, ALICE, 'alice');
    await insertUser(t.dataSource, BOB, 'bob');
    for (let i = 1; i <= 3; i++)
      aliceSessions.push(
        await insertSession(t.dataSource, { userId: ALICE, lastActiveOffset: -60 * i }),
      );
    bobSession = await insertSession(t.dataSource, { userId: BOB });

    try {
      browser = await launchChromium([`--host-resolver-rules=MAP ${HOST_NAME} 127.0.0.1`]);
    } catch (error) {
      // Reported by every test (as failed, never skipped): see beforeEach.
      launchError = error as Error;
      return;
    }
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    context.setDefaultTimeout(UI_TIMEOUT);
    page = await context.newPage();
    log = recordBrowserLog(page);
  });

  beforeEach(() => {
    if (launchError) throw launchError;
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
  });

  /**
   * What the browser reported as a problem, less Chromium's notice that it
   * ignores Cross-Origin-Opener-Policy on an http origin other than localhost
   * (the header only takes effect in a secure context; nothing fails).
   */
  const problems = (): string[] =>
    log
      .problems()
      .filter(
        (line) => !/^error: The Cross-Origin-Opener-Policy header has been ignored\b/.test(line),
      );

  /** Fails with what the browser said, so a CSP refusal shows up verbatim in the report. */
  const withBrowserLog = async <T>(step: string, action: () => Promise<T>): Promise<T> => {
    try {
      return await action();
    } catch (error) {
      const said = log.lines.length ? log.lines.join('\n  ') : '(nothing)';
      throw new Error(`${step} failed: ${(error as Error).message}\nBrowser console:\n  ${said}`, {
        cause: error,
      });
    }
  };

  /** Swagger UI's DOM id of an operation: `operations-<tag>-<operationId>`, spaces as `_`. */
  const operationDomId = async (path: string, method: string): Promise<string> => {
    const res = await fetch(`${serverUrl}/docs-json`);
    const doc = (await res.json()) as {
      paths: Record<string, Record<string, { operationId: string; tags: string[] }>>;
    };
    const op = doc.paths[path]?.[method];
    if (!op) throw new Error(`${method.toUpperCase()} ${path} is not in /docs-json`);
    const slug = (s: string) => s.replace(/\s/g, '_');
    return `operations-${slug(op.tags[0])}-${slug(op.operationId)}`;
  };

  /** Fills user_id, executes, and waits until the request's answer is rendered. */
  const execute = async (userId: number, status: number) => {
    const input = operation.locator('tr[data-param-name="user_id"] input[placeholder="user_id"]');
    await input.fill(String(userId));
    const answered = page.waitForResponse(
      (res) => new URL(res.url()).pathname === `/sessions/user/${userId}/sessions`,
      { timeout: UI_TIMEOUT },
    );
    await operation.locator('.btn.execute').click();
    expect((await answered).status()).toBe(status);
    const live = operation.locator('.responses-wrapper .live-responses-table .response');
    await expect
      .poll(() => live.locator('.response-col_status').innerText(), { timeout: UI_TIMEOUT })
      .toBe(String(status));
    const description = live.locator('.response-col_description');
    return {
      body: await description.locator('.highlight-code pre').innerText(),
      headers: await description.locator('h5:text-is("Response headers") + pre').innerText(),
      requestUrl: new URL(await operation.locator('.request-url pre').innerText()),
      curl: await operation.locator('.curl-command').innerText(),
    };
  };

  it('loads /docs over http under a host name, with the helmet CSP and no console error', async () => {
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const res = await page.goto(`${baseUrl}/docs`, { timeout: UI_TIMEOUT });
    expect(res?.status()).toBe(200);
    const csp = res?.headers()['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    // Over http the browser must not be told to fetch the assets over https.
    expect(csp).not.toContain('upgrade-insecure-requests');
    operation = page.locator(`#${await operationDomId(LIST_PATH, 'get')}`);
    await withBrowserLog('Rendering Swagger UI', async () => {
      await page
        .locator('.swagger-ui .info .title')
        .filter({ hasText: 'Session service' })
        .waitFor();
      await operation.waitFor();
    });
    await screenshot(page, '01-docs-loaded');
    expect(problems()).toEqual([]);
    // Every script, style and the document itself came over http from this host.
    expect(requested.length).toBeGreaterThan(3);
    for (const url of requested.filter((u) => !u.startsWith('data:'))) {
      expect(new URL(url).origin).toBe(baseUrl);
    }
  });

  /** Applies `token` through the Authorize dialog, logging out a token applied before. */
  const authorize = async (token: string, screenshotName?: string) => {
    await page.locator('.scheme-container .btn.authorize').click();
    const dialog = page.locator('.dialog-ux .modal-ux');
    await dialog.waitFor();
    const logout = dialog.locator('.auth-btn-wrapper button', { hasText: 'Logout' });
    if (await logout.count()) await logout.click();
    await dialog.locator('input[aria-label="auth-bearer-value"]').fill(token);
    await dialog.locator('.auth-btn-wrapper .btn.modal-btn.authorize').click();
    // Once applied, the dialog offers Logout instead of Authorize.
    await logout.waitFor();
    if (screenshotName) await screenshot(page, screenshotName);
    await dialog.locator('.btn-done').click();
    await dialog.waitFor({ state: 'detached' });
  };

  it('authorizes with a bearer token through the Authorize dialog', async () => {
    await withBrowserLog('Authorizing', () => authorize(aliceToken, '02-authorized'));
    await expect
      .poll(() => page.locator('.scheme-container .btn.authorize').getAttribute('class'))
      .toContain('locked');
  });

  it("lists the caller's own sessions: 200 with the seeded ids", async () => {
    const result = await withBrowserLog('Trying GET (own user)', async () => {
      await operation.locator('.opblock-summary-control').click();
      await operation.locator('.try-out__btn').click();
      return execute(ALICE, 200);
    });
    await screenshot(operation, '03-own-sessions-200', TRIED_OPERATION_ONLY);

    expect(result.requestUrl.origin).toBe(baseUrl);
    expect(result.requestUrl.pathname).toBe(`/sessions/user/${ALICE}/sessions`);
    expect(result.curl).toContain(`Authorization: Bearer ${aliceToken}`);
    expect(result.headers).toMatch(/content-type: application\/json/i);
    const body = JSON.parse(result.body);
    expect(body.code).toBe(0);
    expect(body.total).toBe(3);
    expect(body.items.map((s: { id: string }) => s.id)).toEqual(aliceSessions);
    for (const id of aliceSessions) expect(result.body).toContain(id);
    expect(result.body).not.toContain(bobSession);
    expect(problems()).toEqual([]);
  });

  it("refuses another user's sessions: 403 Problem rendered", async () => {
    const result = await withBrowserLog('Trying GET (other user)', () => execute(BOB, 403));
    await screenshot(operation, '04-other-user-403', TRIED_OPERATION_ONLY);

    expect(result.requestUrl.origin).toBe(baseUrl);
    expect(result.requestUrl.pathname).toBe(`/sessions/user/${BOB}/sessions`);
    expect(result.curl).toContain(`Authorization: Bearer ${aliceToken}`);
    expect(result.headers).toMatch(/content-type: application\/problem\+json/i);
    const problem = JSON.parse(result.body);
    expect(problem).toMatchObject({
      status: 403,
      code: 30240302,
      type: expect.stringMatching(/\/problems\/not-resource-owner$/),
    });
    expect(result.body).not.toContain(bobSession);
    // The browser logs the failed fetch of a 4xx as a console error; nothing else may appear.
    expect(
      problems().filter(
        (line) =>
          !/^error: Failed to load resource: the server responded with a status of 403\b/.test(
            line,
          ),
      ),
    ).toEqual([]);
  });

  it('lists every session from the admin list with nothing filled in: no example is sent', async () => {
    await withBrowserLog('Authorizing as admin', () => authorize(adminToken()));
    const admin = page.locator(`#${await operationDomId(ADMIN_LIST_PATH, 'get')}`);
    const result = await withBrowserLog('Trying GET /api/sessions/all', async () => {
      await admin.locator('.opblock-summary-control').click();
      await admin.locator('.try-out__btn').click();
      // Optional filters start empty: Try it out would send whatever they held.
      const inputs = admin.locator('.parameters input[type="text"]');
      expect(await inputs.count()).toBeGreaterThan(0);
      for (const value of await inputs.evaluateAll((els) =>
        els.map((el) => (el as unknown as { value: string }).value),
      )) {
        expect(value).toBe('');
      }
      const answered = page.waitForResponse(
        (res) => new URL(res.url()).pathname === ADMIN_LIST_PATH,
        { timeout: UI_TIMEOUT },
      );
      await admin.locator('.btn.execute').click();
      const response = await answered;
      expect(response.status()).toBe(200);
      return { url: new URL(response.url()), body: (await response.json()) as { total: number } };
    });
    await screenshot(admin, '05-admin-list-200', TRIED_OPERATION_ONLY);
    expect(result.url.origin).toBe(baseUrl);
    expect(result.url.search).toBe('');
    expect(result.body.total).toBe(aliceSessions.length + 1);
  });
});
