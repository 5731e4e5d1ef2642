import { insertSession, insertUser } from './support/factories';
import { type GatewayProcess, startGatewayProcess } from './support/gateway-process';
import { freePort } from './support/receivers';
import { resetDatabase, startTransmitterApp, type TestApp } from './support/test-app';
import {
  adminToken,
  SERVICE_ROLE,
  TEST_AUDIENCE,
  TEST_ISSUER,
  TEST_JWT_SECRET,
  tokenFor,
} from './support/tokens';

const RECEIVER_ROLE = 'ssf-receiver';

/**
 * The service and two gateway processes (Fastify with @session-service/gateway):
 * each follows its own SSF poll stream, and refuses a session's token once the
 * session is revoked through the API, without calling the service per request.
 */
describe('Gateways following the service over SSF (@session-service/gateway)', () => {
  let t: TestApp;
  let base: string;
  const gateways: GatewayProcess[] = [];
  const userId = 5101;
  let revokedBeforeStart: string;

  const revoke = async (sessionId: string) => {
    const response = await fetch(`${base}/api/sessions/${sessionId}?reason=e2e`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${adminToken()}` },
    });
    expect(response.status).toBe(204);
  };

  const get = (gateway: GatewayProcess, token: string) =>
    fetch(`${gateway.url}/protected`, { headers: { authorization: `Bearer ${token}` } });

  const sessionToken = (sessionId: string) =>
    tokenFor(userId, { claims: { session_id: sessionId } });

  beforeAll(async () => {
    ({ t, base } = await startTransmitterApp({
      SIGNALS_DELIVERY_INTERVAL_MS: '50',
    }));
    await resetDatabase(t.dataSource);
    await insertUser(t.dataSource, userId);
    // Revoked before any gateway exists: only the feed snapshot can tell them.
    revokedBeforeStart = await insertSession(t.dataSource, { userId });
    await revoke(revokedBeforeStart);
    for (const name of ['a', 'b']) {
      gateways.push(
        await startGatewayProcess({
          serviceUrl: base,
          ssfIssuer: base,
          receiverToken: tokenFor(7, { roles: [RECEIVER_ROLE], expiresIn: '1h' }),
          feedToken: tokenFor(2, { roles: [SERVICE_ROLE], expiresIn: '1h' }),
          jwtSecret: TEST_JWT_SECRET,
          jwtIssuer: TEST_ISSUER,
          jwtAudience: TEST_AUDIENCE,
          streamName: `e2e gateway ${name}`,
          pollIntervalMs: 100,
        }),
      );
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await t?.close();
  });

  it('refuses at once a session revoked before the gateways started (snapshot)', async () => {
    for (const gateway of gateways) {
      const response = await get(gateway, sessionToken(revokedBeforeStart));
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await response.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
    }
  });

  it('serves an active session at both gateways, then refuses it at both after a revocation through the API', async () => {
    const sessionId = await insertSession(t.dataSource, { userId });
    const token = sessionToken(sessionId);
    for (const gateway of gateways) {
      const response = await get(gateway, token);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ session: sessionId });
    }

    const revokedAt = performance.now();
    await revoke(sessionId);
    const delays = await Promise.all(
      gateways.map(async (gateway) => {
        for (;;) {
          const response = await get(gateway, token);
          await response.body?.cancel();
          if (response.status === 401) return performance.now() - revokedAt;
          expect(response.status).toBe(200);
          if (performance.now() - revokedAt > 10_000) throw new Error('still served after 10 s');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      }),
    );
    console.log(`revocation to first 401: ${delays.map((d) => `${d.toFixed(0)} ms`).join(', ')}`);
    // SIGNALS_DELIVERY_INTERVAL_MS 50 plus a 100 ms poll interval, with ample margin.
    for (const delay of delays) expect(delay).toBeLessThan(5_000);
  });

  it('each gateway has its own stream, reports itself current and counts its requests, not calls to the service', async () => {
    const streams = new Set<string>();
    for (const gateway of gateways) {
      const health = (await (await fetch(`${gateway.url}/gateway/health`)).json()) as {
        status: string;
        streamId: string;
      };
      expect(health.status).toBe('up');
      streams.add(health.streamId);
      const metrics = await (await fetch(`${gateway.url}/gateway/metrics`)).text();
      expect(metrics).toMatch(/session_gateway_requests_total\{result="session_revoked"\} [1-9]/);
      expect(metrics).toMatch(/session_gateway_revocations_total\{source="snapshot"\} [1-9]/);
      expect(metrics).toMatch(/session_gateway_sets_rejected_total\{reason="signature"\} 0/);
    }
    expect(streams.size).toBe(2);
  });

  it('a gateway with push delivery (RFC 8935) refuses a revoked session too', async () => {
    const port = await freePort();
    const push = await startGatewayProcess({
      serviceUrl: base,
      ssfIssuer: base,
      receiverToken: tokenFor(7, { roles: [RECEIVER_ROLE], expiresIn: '1h' }),
      feedToken: tokenFor(2, { roles: [SERVICE_ROLE], expiresIn: '1h' }),
      jwtSecret: TEST_JWT_SECRET,
      jwtIssuer: TEST_ISSUER,
      jwtAudience: TEST_AUDIENCE,
      streamName: 'e2e gateway push',
      push: { port, url: `http://127.0.0.1:${port}/ssf/push` },
    });
    try {
      const sessionId = await insertSession(t.dataSource, { userId });
      const token = sessionToken(sessionId);
      expect((await get(push, token)).status).toBe(200);
      const revokedAt = performance.now();
      await revoke(sessionId);
      for (;;) {
        const response = await get(push, token);
        await response.body?.cancel();
        if (response.status === 401) break;
        if (performance.now() - revokedAt > 10_000)
          throw new Error(`still served:\n${push.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      console.log(`push: revocation to first 401 ${(performance.now() - revokedAt).toFixed(0)} ms`);
      const metrics = await (await fetch(`${push.url}/gateway/metrics`)).text();
      expect(metrics).toMatch(/session_gateway_revocations_total\{source="stream"\} [1-9]/);
    } finally {
      await push.stop();
    }
  });
});
