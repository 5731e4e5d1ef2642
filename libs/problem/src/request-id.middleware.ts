import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** Accept a caller's id only when it is short and safe to echo into headers and logs. */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

type WithRequestId = Request & { requestId?: string };

/**
 * Reads `X-Request-Id` or makes one, stores it on the request and echoes it in
 * the response header, so a Problem and the logs can be correlated.
 */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  res.setHeader(REQUEST_ID_HEADER, ensureRequestId(req));
  next();
}

export function ensureRequestId(req: Request): string {
  const carrier = req as WithRequestId;
  if (carrier.requestId) return carrier.requestId;
  const incoming = req.headers['x-request-id'];
  const id =
    typeof incoming === 'string' && ACCEPTABLE_REQUEST_ID.test(incoming)
      ? incoming
      : `req_${randomUUID()}`;
  carrier.requestId = id;
  return id;
}
