import type { FastifyInstance } from 'fastify';

/**
 * The public documents, which any cache may keep: Swagger UI and the OpenAPI
 * document (`/docs`, `/docs-json`), and the problem pages (`/problems`).
 */
const CACHEABLE = /^\/(docs|docs-json|problems)(\/|$)/;

/**
 * `Cache-Control: no-store` (RFC 9111 section 5.2.2.5) on every answer but the
 * public documents (not the Problems answered on their paths): the API's
 * answers, successes and Problems alike, including the Server-Sent Events
 * stream (Nest writes the reply's headers into it), so no browser or
 * intermediary cache keeps a session list with its IP addresses and user
 * agents. Set when the request arrives, so a route added later, or a Problem
 * answered by a guard, cannot miss it (OWASP ASVS V8).
 */
export function forbidCaching(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const path = request.url.split('?', 1)[0];
    // A path that matches no route is a 404 Problem, not a document.
    if (request.is404 || !CACHEABLE.test(path)) void reply.header('Cache-Control', 'no-store');
    done();
  });
}
