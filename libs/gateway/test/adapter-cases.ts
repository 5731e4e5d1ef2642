import { randomUUID } from 'node:crypto';
import { RevocationGate } from '../src/revocation-gate';
import { accessToken, eventually, gateOptions } from './gate-fixtures';
import { TestTransmitter } from './test-transmitter';

/** A host application under test: started on an ephemeral port, serving `GET /protected`. */
export interface Host {
  url: string;
  close: () => Promise<void>;
}

/**
 * The same cases for every adapter, through real HTTP: 401 Problems for a
 * missing, forged or revoked token, 200 otherwise, 503 when failing closed,
 * and no call to the session service per request.
 */
export function adapterCases(name: string, startHost: (gate: RevocationGate) => Promise<Host>) {
  describe(`${name} adapter`, () => {
    let transmitter: TestTransmitter;
    let gate: RevocationGate;
    let host: Host;

    beforeAll(async () => {
      transmitter = await new TestTransmitter().start();
      gate = new RevocationGate(gateOptions(transmitter, { maxStalenessMs: 500 }));
      await gate.start();
      host = await startHost(gate);
    });

    afterAll(async () => {
      await host?.close();
      await gate?.stop();
      await transmitter?.stop();
    });

    const get = (token?: string) =>
      fetch(`${host.url}/protected`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });

    it('answers 401 application/problem+json without a token or with a forged one', async () => {
      for (const token of [undefined, 'not-a-jwt', `${await accessToken()}x`]) {
        const response = await get(token);
        expect(response.status).toBe(401);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        // RFC 6750 section 3: a token presented and refused is an invalid_token.
        expect(response.headers.get('www-authenticate')).toBe(
          token === undefined ? 'Bearer' : 'Bearer error="invalid_token"',
        );
        expect(await response.json()).toMatchObject({
          type: 'about:blank',
          title: 'Unauthorized',
          status: 401,
          code: 30240101,
        });
      }
    });

    it('serves a valid token, then answers 401 once its session is revoked, without calling the service', async () => {
      const sessionId = randomUUID();
      const token = await accessToken(sessionId);
      const ok = await get(token);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ session: sessionId });
      const feedReads = transmitter.feedRequests.length;

      await transmitter.revoke(sessionId);
      await eventually(async () => (await get(token)).status === 401);
      const refused = await get(token);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      expect(await refused.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
      expect(transmitter.feedRequests.length).toBe(feedReads);
    });

    it('fails closed with a 503 Problem when revocations are no longer current', async () => {
      const token = await accessToken();
      transmitter.down = true;
      try {
        await eventually(() => !gate.isCurrent());
        const response = await get(token);
        expect(response.status).toBe(503);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(await response.json()).toMatchObject({ status: 503 });
      } finally {
        transmitter.down = false;
      }
      await eventually(() => gate.isCurrent());
      expect((await get(token)).status).toBe(200);
    });
  });
}
