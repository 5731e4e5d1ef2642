import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { JWTPayload } from 'jose';
import { bearerChallenge, PROBLEM_CONTENT_TYPE } from './problem';
import type { RevocationGate } from './revocation-gate';
import { SET_CONTENT_TYPE } from './ssf';

export interface RevocationGatePluginOptions {
  gate: RevocationGate;
  /** Requests that skip the check (health probes, the push endpoint...). */
  skip?: (request: FastifyRequest) => boolean;
  /** Mounts the RFC 8935 push endpoint (POST) at this path. */
  pushPath?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified claims and session id, set by the revocation gate. */
    gatewaySession: { sessionId: string; claims: JWTPayload } | null;
  }
}

/**
 * Checks every request of the instance it is registered on (encapsulation is
 * lifted by fastify-plugin): 401 `application/problem+json` for a missing,
 * invalid or revoked token, 503 (or 401) when revocations are not current and
 * the gate fails closed.
 */
const plugin: FastifyPluginAsync<RevocationGatePluginOptions> = async (app, options) => {
  const { gate, skip, pushPath } = options;
  app.decorateRequest('gatewaySession', null);
  if (pushPath) {
    await app.register((push, _options, done) => {
      push.addContentTypeParser(SET_CONTENT_TYPE, { parseAs: 'string' }, (_req, body, done) =>
        done(null, body),
      );
      push.post(pushPath, async (request, reply) => {
        const answer = await gate.handlePush({
          body: typeof request.body === 'string' ? request.body : '',
          contentType: request.headers['content-type'],
          authorization: request.headers.authorization,
        });
        void reply.code(answer.status).headers(answer.headers);
        return reply.send(answer.body);
      });
      done();
    });
  }
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (pushPath && request.routeOptions.url === pushPath && request.method === 'POST') return;
    if (skip?.(request)) return;
    const decision = await gate.check(request.headers.authorization);
    if (decision.allowed) {
      request.gatewaySession = { sessionId: decision.sessionId, claims: decision.claims };
      return;
    }
    const { status } = decision.problem;
    if (status === 401) void reply.header('www-authenticate', bearerChallenge(decision.reason));
    if (status === 503) void reply.header('retry-after', '1');
    return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(decision.problem);
  });
};

export const revocationGatePlugin = fp(plugin, {
  fastify: '5.x',
  name: '@session-service/gateway',
});
export default revocationGatePlugin;
