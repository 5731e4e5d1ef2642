import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestContext } from '@app/problem';
import type { Request } from 'express';
import type { Options } from 'pino-http';
import type { AppConfig } from '../config/app.config';
import { routePattern } from './route-pattern';

/**
 * One JSON line per request: route, status, duration, request and trace ids.
 * Credentials never reach the log: `Authorization` and cookies are redacted,
 * and the URL is logged without its query string.
 */
export function pinoHttpOptions(config: AppConfig): Options {
  return {
    level: config.logLevel,
    base: { service: config.serviceName },
    genReqId: (req: IncomingMessage) => requestContext(req as Request).requestId,
    customProps: (req: IncomingMessage) => {
      const context = requestContext(req as Request);
      const route = routePattern(req);
      return {
        request_id: context.requestId,
        trace_id: context.traceId,
        span_id: context.spanId,
        ...(route && { route }),
      };
    },
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
      error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    serializers: {
      req: (req: { method: string; url: string }) => ({
        method: req.method,
        url: req.url.split('?')[0],
      }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
  };
}
