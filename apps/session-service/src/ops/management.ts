import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/app-config.token';

/** The routes of the management listener: scraping and the orchestrator's probes. */
export const MANAGEMENT_ROUTES: ReadonlySet<string> = new Set([
  '/metrics',
  '/health/live',
  '/health/ready',
]);

/** Marks a request that came in on the management listener. */
const VIA_MANAGEMENT = Symbol('viaManagementListener');

/** The management listener of each app whose MANAGEMENT_PORT differs from PORT (not yet listening). */
const managementServers = new WeakMap<object, Server>();

/** Whether `/metrics` and the probes get a listener of their own (MANAGEMENT_PORT other than PORT). */
export function hasSeparateManagement(config: AppConfig): boolean {
  return config.managementPort !== config.port;
}

/**
 * With a separate management port (as Keycloak's 9000): one more HTTP server
 * that hands its requests to the same Fastify instance, so metrics, logs,
 * Problems and security headers are the API's; a hook answers 404 (the
 * route-not-found Problem) for the management routes on the API listener and
 * for every other route on the management listener. Call before the app is
 * ready; `listenManagement` starts listening, and closing the app closes it.
 */
export function separateManagement(
  app: NestFastifyApplication,
  setup: (server: Server) => void,
): void {
  const config = app.get<AppConfig>(APP_CONFIG);
  if (!hasSeparateManagement(config)) return;
  const fastify = app.getHttpAdapter().getInstance();
  const server = createServer((req, res) => {
    (req as IncomingMessage & { [VIA_MANAGEMENT]?: true })[VIA_MANAGEMENT] = true;
    fastify.server.emit('request', req, res);
  });
  setup(server);
  managementServers.set(app, server);
  fastify.addHook('onRequest', (request, reply, done) => {
    // No route matched: the not-found handler answers on either listener.
    if (request.is404) return done();
    const viaManagement = (request.raw as { [VIA_MANAGEMENT]?: true })[VIA_MANAGEMENT] === true;
    const managementRoute = MANAGEMENT_ROUTES.has(request.routeOptions.url ?? '');
    if (viaManagement !== managementRoute) {
      // A 404 Problem, even for a document's path (`/docs` on the management listener).
      void reply.header('Cache-Control', 'no-store');
      reply.callNotFound();
      return;
    }
    done();
  });
  fastify.addHook('onClose', (_instance, done) => {
    if (!server.listening) return done();
    server.close(() => done());
    server.closeAllConnections();
  });
}

/**
 * Starts the management listener on MANAGEMENT_PORT (same HOST as the API);
 * undefined when the management routes are served on the API listener.
 */
export async function listenManagement(
  app: NestFastifyApplication,
): Promise<AddressInfo | undefined> {
  const server = managementServers.get(app);
  if (!server) return undefined;
  const config = app.get<AppConfig>(APP_CONFIG);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.managementPort, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}
