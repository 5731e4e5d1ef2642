import type { AddressInfo } from 'node:net';
import express from 'express';
import { adapterCases } from '../test/adapter-cases';
import { AUDIENCE, ISSUER, SECRET } from '../test/gate-fixtures';
import { type GatewaySession, revocationGateMiddleware, revocationPushHandler } from './express';
import { RevocationGate } from './revocation-gate';

adapterCases('Express', async (gate) => {
  const app = express();
  app.use(revocationGateMiddleware(gate));
  app.get('/protected', (_req, res) => {
    res.json({ session: (res.locals.gatewaySession as GatewaySession).sessionId });
  });
  const server = await new Promise<ReturnType<typeof app.listen>>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
});

describe('Express push handler', () => {
  const authorization = 'Bearer push-spec-secret';
  let server: ReturnType<ReturnType<typeof express>['listen']>;
  let url: string;

  beforeAll(async () => {
    // Never started: the handler's answers before any SET key is known.
    const gate = new RevocationGate({
      token: { secret: SECRET, issuer: ISSUER, audience: AUDIENCE },
      ssf: {
        issuer: 'http://127.0.0.1:9',
        bearerToken: 'receiver',
        delivery: 'push',
        push: { endpointUrl: 'http://127.0.0.1:9/ssf/push', authorization },
      },
      maxTokenLifetimeSeconds: 600,
    });
    const app = express();
    // As the README mounts it: a raw text body parser, then the handler.
    app.post(
      '/ssf/push',
      express.text({ type: 'application/secevent+jwt' }),
      revocationPushHandler(gate),
    );
    server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ssf/push`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const push = (headers: Record<string, string>) =>
    fetch(url, { method: 'POST', headers, body: 'a.b.c' });

  it('answers 401 with a JSON error for a wrong Authorization', async () => {
    const response = await push({
      authorization: 'Bearer wrong',
      'content-type': 'application/secevent+jwt',
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({
      err: 'authentication_failed',
      description: 'bad Authorization',
    });
  });

  it('answers 503 with Retry-After and no body while it knows no SET key', async () => {
    const response = await push({ authorization, 'content-type': 'application/secevent+jwt' });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await response.text()).toBe('');
  });
});
