/**
 * A gateway as a host would write one: a Fastify app protecting `GET /protected`
 * with `@session-service/gateway`, following the session service's SSF stream.
 * Run as a process of its own by test/support/gateway-process.ts (and the
 * revocation-delay benchmark); configured through its environment.
 */
import Fastify from 'fastify';
import { RevocationGate } from '@session-service/gateway';
import { revocationGatePlugin } from '@session-service/gateway/fastify';

async function main(): Promise<void> {
  const env = process.env;
  const gate = new RevocationGate({
    token: {
      secret: env.GATEWAY_JWT_SECRET,
      issuer: env.GATEWAY_JWT_ISSUER,
      audience: env.GATEWAY_JWT_AUDIENCE,
    },
    ssf: {
      issuer: env.GATEWAY_SSF_ISSUER as string,
      bearerToken: env.GATEWAY_RECEIVER_TOKEN as string,
      streamName: env.GATEWAY_STREAM_NAME,
      delivery: env.GATEWAY_PUSH_URL ? 'push' : 'poll',
      ...(env.GATEWAY_PUSH_URL && { push: { endpointUrl: env.GATEWAY_PUSH_URL } }),
      ...(env.GATEWAY_POLL_INTERVAL_MS && { pollIntervalMs: Number(env.GATEWAY_POLL_INTERVAL_MS) }),
    },
    snapshot: {
      serviceUrl: env.GATEWAY_SERVICE_URL as string,
      bearerToken: env.GATEWAY_FEED_TOKEN as string,
    },
    maxTokenLifetimeSeconds: Number(env.GATEWAY_MAX_TOKEN_LIFETIME_SECONDS ?? 900),
    onError: (error) => process.stderr.write(`gateway: ${error.message}\n`),
  });
  const app = Fastify();
  await app.register(revocationGatePlugin, {
    gate,
    skip: (request) => request.url === '/gateway/metrics' || request.url === '/gateway/health',
    ...(env.GATEWAY_PUSH_URL && { pushPath: new URL(env.GATEWAY_PUSH_URL).pathname }),
  });
  app.get('/protected', (request) => ({ session: request.gatewaySession?.sessionId }));
  app.get('/gateway/metrics', (_request, reply) =>
    reply.type('text/plain; version=0.0.4').send(gate.prometheus()),
  );
  app.get('/gateway/health', (_request, reply) => {
    const health = gate.health();
    return reply.code(health.status === 'up' ? 200 : 503).send(health);
  });
  const port = Number(env.GATEWAY_PORT ?? 0);
  const url = await app.listen({ port, host: '127.0.0.1' });
  await gate.start();
  process.stdout.write(`Gateway ready on ${url}\n`);
  const stop = () => {
    void app
      .close()
      .then(() => gate.stop())
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`gateway failed: ${String(error)}\n`);
  process.exit(1);
});
