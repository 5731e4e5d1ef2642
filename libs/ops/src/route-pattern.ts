import type { FastifyRequest } from 'fastify';

/**
 * The matched route's pattern (e.g. `/sessions/user/:user_id/sessions`), never
 * the raw path; undefined when no route matched (the not-found handler
 * answered, also for a 405).
 */
export function routePattern(request: FastifyRequest): string | undefined {
  return request.is404 ? undefined : request.routeOptions.url;
}
