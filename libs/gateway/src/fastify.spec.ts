import Fastify from 'fastify';
import { adapterCases } from '../test/adapter-cases';
import { revocationGatePlugin } from './fastify';

adapterCases('Fastify', async (gate) => {
  const app = Fastify();
  await app.register(revocationGatePlugin, { gate });
  app.get('/protected', (request) => ({ session: request.gatewaySession?.sessionId }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, close: () => app.close() };
});
