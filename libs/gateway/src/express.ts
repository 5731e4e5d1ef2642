import type { IncomingHttpHeaders } from 'node:http';
import type { JWTPayload } from 'jose';
import { bearerChallenge, PROBLEM_CONTENT_TYPE } from './problem';
import type { RevocationGate } from './revocation-gate';

/** Where the middleware leaves the verified session: `res.locals.gatewaySession`. */
export interface GatewaySession {
  sessionId: string;
  claims: JWTPayload;
}

/*
 * The parts of Express that the middleware and the push handler use, declared
 * here rather than imported from `express` (an optional peer dependency), so
 * that this entry point's types compile in any host. Express's own request,
 * response and `next` (Express 4 or 5) have them all, and the handlers below
 * are Express `RequestHandler`s.
 */

/** What the handlers read of an Express request (`express.Request`). */
export interface GatewayRequest {
  headers: IncomingHttpHeaders;
  /** The body a body parser left, for the push handler: `express.text(...)` gives a string. */
  body?: unknown;
}

/** What the handlers use of an Express response (`express.Response`). */
export interface GatewayResponse {
  locals: Record<string, unknown>;
  setHeader(name: string, value: string): unknown;
  status(code: number): GatewayResponse;
  type(type: string): GatewayResponse;
  set(fields: Record<string, string>): unknown;
  send(body: string): unknown;
  end(body?: string): unknown;
}

/** An Express middleware or handler made by this module: `(req, res, next)`. */
export type GatewayHandler = (
  req: GatewayRequest,
  res: GatewayResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Express middleware: 401 `application/problem+json` for a missing, invalid or
 * revoked token, 503 (or 401) when revocations are not current and the gate
 * fails closed; otherwise `res.locals.gatewaySession` and `next()`.
 */
export function revocationGateMiddleware(gate: RevocationGate): GatewayHandler {
  return (req, res, next) => {
    gate.check(req.headers.authorization).then((decision) => {
      if (decision.allowed) {
        res.locals.gatewaySession = {
          sessionId: decision.sessionId,
          claims: decision.claims,
        } satisfies GatewaySession;
        next();
        return;
      }
      const { status } = decision.problem;
      if (status === 401) res.setHeader('www-authenticate', bearerChallenge(decision.reason));
      if (status === 503) res.setHeader('retry-after', '1');
      res.status(status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(decision.problem));
    }, next);
  };
}

/**
 * The RFC 8935 push endpoint as an Express handler: mount it with a raw text
 * body parser, e.g.
 * `app.post('/ssf/push', express.text({ type: 'application/secevent+jwt' }), revocationPushHandler(gate))`.
 */
export function revocationPushHandler(gate: RevocationGate): GatewayHandler {
  return (req, res, next) => {
    const body: unknown = req.body;
    gate
      .handlePush({
        body: typeof body === 'string' || Buffer.isBuffer(body) ? body : '',
        contentType: req.headers['content-type'],
        authorization: req.headers.authorization,
      })
      .then((answer) => {
        res.status(answer.status).set(answer.headers);
        res.end(answer.body);
      }, next);
  };
}
