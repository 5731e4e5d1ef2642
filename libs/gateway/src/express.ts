import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { JWTPayload } from 'jose';
import { PROBLEM_CONTENT_TYPE } from './problem';
import type { RevocationGate } from './revocation-gate';

/** Where the middleware leaves the verified session: `res.locals.gatewaySession`. */
export interface GatewaySession {
  sessionId: string;
  claims: JWTPayload;
}

/**
 * Express middleware: 401 `application/problem+json` for a missing, invalid or
 * revoked token, 503 (or 401) when revocations are not current and the gate
 * fails closed; otherwise `res.locals.gatewaySession` and `next()`.
 */
export function revocationGateMiddleware(gate: RevocationGate): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
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
      if (status === 401) res.setHeader('www-authenticate', 'Bearer');
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
export function revocationPushHandler(gate: RevocationGate): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
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
