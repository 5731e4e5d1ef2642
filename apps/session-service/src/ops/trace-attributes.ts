import { context } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { routePattern } from '@session-service/ops';
import type { FastifyInstance } from 'fastify';

/**
 * Adds to the HTTP server span of each traced request its route pattern
 * (`http.route`) and the authenticated caller's user id (`enduser.id`; never
 * the token). Nothing happens for requests that are not traced.
 */
export function recordTraceAttributes(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, _reply, payload, done) => {
    const rpc = getRPCMetadata(context.active());
    if (rpc?.type === RPCType.HTTP && rpc.span.isRecording()) {
      const route = routePattern(request);
      if (route) {
        rpc.route = route;
        rpc.span.setAttribute('http.route', route);
      }
      const userId = (request as { user?: { userId?: unknown } }).user?.userId;
      if (typeof userId === 'string') rpc.span.setAttribute('enduser.id', userId);
    }
    done(null, payload);
  });
}
