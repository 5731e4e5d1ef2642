import { AsyncLocalStorage } from 'node:async_hooks';
import { randomFillSync, randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { isSpanContextValid, trace } from '@opentelemetry/api';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** Accept a caller's id only when it is short and safe to echo into headers and logs. */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** W3C Trace Context `traceparent`: version-traceid-parentid-flags. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** What ties a request to its logs and its Problem. */
export interface RequestContext {
  requestId: string;
  /** 32 hex digits: the caller's trace (from `traceparent`) or a new one. */
  traceId: string;
  /** 16 hex digits: this service's span within the trace (the active OpenTelemetry span's when tracing is on). */
  spanId: string;
}

/**
 * A request of either HTTP adapter: Node's own (Express extends it) or a
 * Fastify request, which wraps Node's as `raw`.
 */
export interface HttpRequest {
  headers: IncomingHttpHeaders;
  raw?: IncomingMessage;
}

type WithContext = { requestContext?: RequestContext };

/**
 * Random bytes for trace and span ids, drawn from a buffer refilled when used
 * up (as `randomUUID` caches its own): one call into the CSPRNG per 256
 * requests instead of two per request, which cost about 2 % of a short
 * request's CPU time.
 */
const randomPool = Buffer.alloc(24 * 256);
let randomOffset = randomPool.length;

function randomHex(bytes: number): string {
  if (randomOffset + bytes > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  const hex = randomPool.toString('hex', randomOffset, randomOffset + bytes);
  randomOffset += bytes;
  return hex;
}

/**
 * Reads `X-Request-Id` (or makes one) and W3C `traceparent` (or starts a
 * trace), stores them on the request and echoes the request id, so a Problem
 * and the logs can be correlated.
 */
export function requestIdMiddleware(
  req: IncomingMessage,
  res: ServerResponse,
  next: () => void,
): void {
  res.setHeader(REQUEST_ID_HEADER, requestContext(req).requestId);
  next();
}

export function requestContext(req: HttpRequest): RequestContext {
  // Kept on Node's request, so middleware and Fastify hooks see the same context.
  const carrier = (req.raw ?? req) as WithContext;
  if (carrier.requestContext) return carrier.requestContext;
  const incoming = req.headers['x-request-id'];
  const requestId =
    typeof incoming === 'string' && ACCEPTABLE_REQUEST_ID.test(incoming)
      ? incoming
      : `req_${randomUUID()}`;
  // With OpenTelemetry tracing on, the ids of the span the request runs in (which already
  // continues the caller's traceparent); without it, the caller's trace and an id of our own.
  const active = trace.getActiveSpan()?.spanContext();
  if (active && isSpanContextValid(active)) {
    carrier.requestContext = { requestId, traceId: active.traceId, spanId: active.spanId };
    return carrier.requestContext;
  }
  const parent = parseTraceparent(req.headers.traceparent);
  carrier.requestContext = {
    requestId,
    traceId: parent ?? randomHex(16),
    spanId: randomHex(8),
  };
  return carrier.requestContext;
}

export function ensureRequestId(req: HttpRequest): string {
  return requestContext(req).requestId;
}

/** The trace id of a valid `traceparent`; all-zero ids and version ff are invalid (W3C section 3.2). */
export function parseTraceparent(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return undefined;
  const [, version, traceId, parentId] = match;
  if (version === 'ff' || /^0+$/.test(traceId) || /^0+$/.test(parentId)) return undefined;
  return traceId;
}

/** The context of the request being served, for code that is not handed the request. */
const activeRequest = new AsyncLocalStorage<RequestContext>();

/**
 * The context of the request whose handling is running, as established by
 * `runInRequestContext` (the libraries' controllers do, through
 * `@ProblemResponses()`); undefined outside a request, e.g. in a timer.
 */
export function currentRequestContext(): RequestContext | undefined {
  return activeRequest.getStore();
}

/** Runs `fn`, and everything it starts, with `context` as the current request context. */
export function runInRequestContext<T>(context: RequestContext, fn: () => T): T {
  return activeRequest.run(context, fn);
}
