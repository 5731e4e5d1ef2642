import { requestContext } from '@session-service/problem';
import pino, {
  type DestinationStream,
  type Level,
  type LevelWithSilent,
  type Logger,
  type LoggerOptions,
} from 'pino';
import type { OnResponseHooks } from './response-hooks';
import { routePattern } from './route-pattern';

/**
 * A URL's query string: after a path (`/...`) up to the next whitespace,
 * quote or fragment. Values of any parameter can be credentials (an
 * `access_token` a client put there by mistake), so the whole query goes.
 */
const QUERY_STRING = /(\/[^\s?#"'<>]*)\?[^\s#"'<>]*/g;

export const REDACTED_QUERY = '?[redacted]';

/** `text` with the query string of every URL in it replaced by `?[redacted]`. */
export function redactQueryStrings(text: string): string {
  return text.includes('?') ? text.replace(QUERY_STRING, `$1${REDACTED_QUERY}`) : text;
}

/**
 * A copy of a log argument with every string in it (up to a few levels deep,
 * including an error's message and stack) passed through `redactQueryStrings`;
 * the original is never changed. Values without a `?` are returned as they are.
 */
function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactQueryStrings(value);
  if (typeof value !== 'object' || value === null || depth > 4) return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1));
  // An error keeps its class (pino serializes it as an error); message and stack are not enumerable.
  const copy = (
    value instanceof Error
      ? Object.assign(Object.create(Object.getPrototypeOf(value) as object) as Error, value, {
          message: value.message,
          stack: value.stack,
        })
      : { ...value }
  ) as Record<string, unknown>;
  for (const [key, item] of Object.entries(copy)) copy[key] = redactValue(item, depth + 1);
  return copy;
}

/** The settings of a logger made by `createRedactingLogger`. */
export interface RedactingLoggerSettings {
  /** pino level; default `info`. */
  level?: LevelWithSilent;
  /** Fields on every line (e.g. `{ service: 'auth-service' }`); default pino's own (`pid`, `hostname`). */
  base?: Record<string, unknown> | null;
}

/** The pino hook that redacts the query string of every URL in every argument of a log call. */
export const redactingLogMethod: NonNullable<NonNullable<LoggerOptions['hooks']>['logMethod']> =
  function logMethod(args, method) {
    method.apply(this, args.map((arg) => redactValue(arg)) as Parameters<typeof method>);
  };

/**
 * A pino logger whose every line goes through one hook that redacts the
 * query strings of URLs, in the message and in every field (the Problem
 * filter's error line names the request's URL, and a framework message may
 * too); `Authorization`, cookies and `Set-Cookie` of a logged `req`/`res` are
 * `[redacted]`. Written to `destination`, or standard output.
 */
export function createRedactingLogger(
  settings: RedactingLoggerSettings = {},
  destination?: DestinationStream,
): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    ...(settings.base !== undefined && { base: settings.base }),
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
    hooks: { logMethod: redactingLogMethod },
  };
  return destination ? pino(options, destination) : pino(options);
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
export function logRequests(fastify: OnResponseHooks, logger: Logger): void {
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
