import type { AddressInfo } from 'node:net';
import express from 'express';
import { adapterCases } from '../test/adapter-cases';
import { type GatewaySession, revocationGateMiddleware } from './express';

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
