import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError } from '@session-service/problem';
import type { ShutdownState } from './shutdown-state';

/** How often connections that became idle are closed while the server closes, ms. */
const IDLE_SWEEP_MS = 100;

type Answer = (request: FastifyRequest, reply: FastifyReply, exception: ProblemError) => void;

/**
 * The HTTP side of shutdown, so no client can hold it hostage. Once the
 * drain time has passed and the listener closes:
 * - a request still arriving on a kept-alive connection is answered with a
 *   503 Problem (`not-ready`, Retry-After, `Connection: close`) by `answer`;
 * - a request whose body is still arriving (a client that stopped sending)
 *   is cut at once;
 * - connections are closed as soon as they are idle, so a response that
 *   ends (a revocation stream ended by the sessions module) frees its socket;
 * - requests still in flight get `state.graceMs` more, then every
 *   connection left is closed.
 */
export function closeGracefully(
  fastify: FastifyInstance,
  state: ShutdownState,
  answer: Answer,
): void {
  const inFlight = new Set<IncomingMessage>();
  fastify.addHook('onRequest', (request, reply, done) => {
    if (state.isClosing) {
      reply.header('Connection', 'close');
      answer(request, reply, ProblemError.fromTemplate('notReady', 'shutting_down'));
      return;
    }
    const raw = request.raw;
    inFlight.add(raw);
    reply.raw.once('close', () => inFlight.delete(raw));
    done();
  });
  fastify.addHook('preClose', (done) => {
    for (const request of inFlight) if (!request.complete) request.socket.destroy();
    const server = fastify.server;
    const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
    const cut = setTimeout(() => server.closeAllConnections(), state.graceMs);
    sweep.unref();
    cut.unref();
    server.once('close', () => {
      clearInterval(sweep);
      clearTimeout(cut);
    });
    done();
  });
}
