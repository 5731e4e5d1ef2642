/**
 * A token someone puts in a query string never reaches the log: the service
 * logs what a real instance logs (request lines, the Problem filter's error
 * lines) to a captured destination, and no line carries a query-string value,
 * whether the request ended in 5xx or 4xx.
 */
import { Controller, Get } from '@nestjs/common';
import { Writable } from 'node:stream';
import request from 'supertest';
import type { App } from 'supertest/types';
import { createTestApp, type TestApp } from './support/test-app';
import { tokenFor } from './support/tokens';
import { sleep } from './support/wait';

@Controller('log-redaction-probe')
class FailingController {
  @Get()
  fail(): never {
    throw new Error('the handler failed');
  }
}

describe('Query strings are redacted in every log line', () => {
  let t: TestApp;
  let http: App;
  const lines: string[] = [];
  const token = tokenFor(101);
  const secret = 'query-secret-value-4711';

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    t = await createTestApp(
      { LOG_LEVEL: 'info' },
      { controllers: [FailingController], logDestination: destination },
    );
    http = t.app.getHttpServer();
  });

  afterAll(() => t?.close());

  /** The lines logged for one request, found by its request id (waiting a little for the write). */
  async function linesOf(requestId: string): Promise<string[]> {
    for (let i = 0; i < 50; i++) {
      const found = lines.filter((l) => l.includes(requestId));
      if (found.length) return found;
      await sleep(20);
    }
    throw new Error(`no log line for ${requestId}`);
  }

  const expectClean = (logged: string[]) => {
    const all = lines.join('\n');
    expect(all).not.toContain(token);
    expect(all).not.toContain(token.split('.')[2]);
    expect(all).not.toContain(secret);
    for (const line of logged) {
      expect(line).not.toContain(token);
      expect(line).not.toContain(secret);
    }
  };

  it('a request ending in 500: neither the request line nor the filter error line has the query', async () => {
    const res = await request(http).get(
      `/log-redaction-probe?access_token=${token}&note=${secret}`,
    );
    expect(res.status).toBe(500);
    const requestId = String(res.headers['x-request-id']);
    const logged = await linesOf(requestId);
    // The filter's error line carries no request id: it is found by its message.
    await sleep(50);
    const errorLines = lines.filter((l) => l.includes('/log-redaction-probe') && l.includes('500'));
    expect(errorLines.length).toBeGreaterThanOrEqual(2);
    expect(errorLines.some((l) => l.includes('"context":"Problem"'))).toBe(true);
    expectClean([...logged, ...errorLines]);
    expect(errorLines.join('\n')).toContain('/log-redaction-probe?[redacted] -> 500');
  });

  it.each([
    [
      '401 (no Authorization header)',
      `/sessions/user/101/sessions?access_token=${token}&x=${secret}`,
      401,
    ],
    ['404 (unknown route)', `/no-such-route?access_token=${token}&x=${secret}`, 404],
    [
      '400 (bad query parameter)',
      `/sessions/user/101/sessions?page=zero&access_token=${token}&x=${secret}`,
      400,
    ],
  ])('a request ending in %s', async (_name, path, status) => {
    const call = request(http).get(path);
    if (status === 400) call.set('Authorization', `Bearer ${tokenFor(101)}`);
    const res = await call;
    expect(res.status).toBe(status);
    expectClean(await linesOf(String(res.headers['x-request-id'])));
  });

  it('keeps the path of the request in the line', () => {
    expect(lines.some((l) => l.includes('/log-redaction-probe'))).toBe(true);
  });
});
