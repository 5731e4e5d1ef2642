/**
 * A request whose body stalls is cut: `HTTP_REQUEST_TIMEOUT_MS` bounds the time
 * to receive a whole request (Node's `requestTimeout`), answered with a 408
 * Problem; `HTTP_CONNECTION_TIMEOUT_MS` closes a socket that sees no traffic
 * while a request is in flight. Neither cuts a Server-Sent Events stream, whose
 * request was received at once and whose answer may be quiet for long.
 */
import { request as httpRequest } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { createTestApp, type TestApp } from './support/test-app';
import { serviceToken } from './support/tokens';
import { sleep } from './support/wait';

const SHORT_MS = 600;

interface Cut {
  /** What the server wrote before closing the socket. */
  received: string;
  /** Milliseconds from the first byte sent to the socket's close. */
  afterMs: number;
}

async function listening(overrides: NodeJS.ProcessEnv): Promise<{ t: TestApp; port: number }> {
  const t = await createTestApp({ REVOCATION_FEED_POLL_MS: '100', ...overrides });
  await t.app.listen(0, '127.0.0.1');
  const { port } = (t.app.getHttpServer() as { address(): AddressInfo }).address();
  return { t, port };
}

/** Sends `text` (then `drip()` every 100 ms, if given) and waits up to `limitMs` for the server to close. */
const stall = (port: number, text: string, limitMs: number, drip?: () => string) =>
  new Promise<Cut>((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let received = '';
    const started = Date.now();
    const dripping = drip && setInterval(() => socket.write(drip()), 100);
    const limit = setTimeout(() => {
      if (dripping) clearInterval(dripping);
      socket.destroy();
      reject(new Error(`still open after ${limitMs} ms; received ${JSON.stringify(received)}`));
    }, limitMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(limit);
      if (dripping) clearInterval(dripping);
      resolve({ received, afterMs: Date.now() - started });
    });
    socket.write(text);
  });

/** A sign-in announcing 1000 bytes of body and sending 10. */
const partialPost = () =>
  [
    'POST /api/sessions HTTP/1.1',
    'Host: localhost',
    `Authorization: Bearer ${serviceToken()}`,
    'Content-Type: application/json',
    'Content-Length: 1000',
    '',
    '{"user_id"',
  ].join('\r\n');

/** Opens the revocation stream and reports, after `quietMs`, whether it is still open. */
async function staysOpen(
  port: number,
  quietMs: number,
): Promise<{ status: number; open: boolean }> {
  let closed = false;
  let status = 0;
  const req = httpRequest(
    `http://127.0.0.1:${port}/api/sessions/revocations/stream`,
    {
      agent: false,
      headers: { Authorization: `Bearer ${serviceToken()}`, Accept: 'text/event-stream' },
    },
    (res) => {
      status = res.statusCode ?? 0;
      res.on('data', () => undefined);
      res.on('close', () => (closed = true));
    },
  );
  req.on('error', () => (closed = true));
  req.end();
  await sleep(quietMs);
  req.destroy();
  return { status, open: !closed };
}

describe('HTTP_REQUEST_TIMEOUT_MS: the whole request must arrive in time', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    ({ t, port } = await listening({
      HTTP_REQUEST_TIMEOUT_MS: String(SHORT_MS),
      HTTP_CONNECTION_TIMEOUT_MS: '60000',
    }));
  });

  afterAll(() => t?.close());

  it('answers a request whose body stops after 10 of 1000 bytes with a 408 Problem, then closes', async () => {
    const cut = await stall(port, partialPost(), 5_000);
    expect(cut.afterMs).toBeGreaterThanOrEqual(SHORT_MS - 50);
    expect(cut.afterMs).toBeLessThan(SHORT_MS + 1_500);
    expect(cut.received).toMatch(/^HTTP\/1\.1 408 /);
    expect(cut.received).toMatch(/\r\ncontent-type: application\/problem\+json/i);
    expect(cut.received).toMatch(/\r\ncache-control: no-store/i);
    expect(cut.received).toMatch(/\r\nconnection: close/i);
    const body = JSON.parse(cut.received.split('\r\n\r\n')[1]) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 408, code: 30240801, type: '/problems/request-timeout' });
  });

  it('cuts 50 such connections at once', async () => {
    const cuts = await Promise.all(
      Array.from({ length: 50 }, () => stall(port, partialPost(), 6_000)),
    );
    for (const cut of cuts) expect(cut.received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('cuts a body that trickles in a byte every 100 ms past the limit', async () => {
    const cut = await stall(port, partialPost(), 5_000, () => ' ');
    expect(cut.received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('cuts a request whose headers never end', async () => {
    const cut = await stall(port, 'GET /health/live HTTP/1.1\r\nHost: localhost\r\n', 5_000);
    expect(cut.afterMs).toBeLessThan(SHORT_MS + 1_500);
    expect(cut.received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('still answers a complete request', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/health/live`);
    expect(res.status).toBe(200);
  });

  it('keeps a quiet revocation stream open well past the limit', async () => {
    expect(await staysOpen(port, 4 * SHORT_MS)).toEqual({ status: 200, open: true });
  });

  it('refuses a value below the minimum at start-up', async () => {
    await expect(createTestApp({ HTTP_REQUEST_TIMEOUT_MS: '10' })).rejects.toThrow(
      /HTTP_REQUEST_TIMEOUT_MS/,
    );
  });
});

describe('HTTP_CONNECTION_TIMEOUT_MS: a socket with a request in flight must not go quiet', () => {
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    ({ t, port } = await listening({
      HTTP_REQUEST_TIMEOUT_MS: '600000',
      HTTP_CONNECTION_TIMEOUT_MS: String(SHORT_MS),
    }));
  });

  afterAll(() => t?.close());

  it('closes the socket of a stalled body after that much silence', async () => {
    const cut = await stall(port, partialPost(), 5_000);
    expect(cut.afterMs).toBeGreaterThanOrEqual(SHORT_MS - 50);
    expect(cut.afterMs).toBeLessThan(SHORT_MS + 1_500);
  });

  it('keeps a quiet revocation stream open (Nest turns the socket timeout off for SSE)', async () => {
    expect(await staysOpen(port, 4 * SHORT_MS)).toEqual({ status: 200, open: true });
  });
});
