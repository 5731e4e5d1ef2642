import { requestContext } from '@app/problem';
import type { FastifyInstance } from 'fastify';
import pino, { type Level, type Logger } from 'pino';
import type { AppConfig } from '../config/app.config';
import { routePattern } from './route-pattern';

/** Injection token of the root logger. */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/**
 * The service's one pino logger: Nest's log (through nestjs-pino) and the
 * request log write to it.
 */
export function createRootLogger(config: AppConfig): Logger {
  return pino({
    level: config.logLevel,
    base: { service: config.serviceName },
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
  });
}

function levelOf(status: number): Level {
  return status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
}

/**
 * One JSON line per request when it has been answered: route, status,
 * duration, request and trace ids. Credentials never reach the log: no
 * header is logged, and the URL is logged without its query string.
 *
 * A Fastify `onResponse` hook that writes through the root logger directly:
 * no child logger per request, and nothing is built for a line the level
 * leaves out (the benchmark runs with `LOG_LEVEL=silent`).
 */
export function logRequests(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const level = levelOf(status);
    if (logger.isLevelEnabled(level)) {
      const context = requestContext(request);
      const route = routePattern(request);
      logger[level](
        {
          req: { method: request.method, url: request.url.split('?')[0] },
          res: { status },
          responseTime: Math.round(reply.elapsedTime),
          request_id: context.requestId,
          trace_id: context.traceId,
          span_id: context.spanId,
          ...(route && { route }),
        },
        status >= 500 ? 'request errored' : 'request completed',
      );
    }
    done();
  });
}
