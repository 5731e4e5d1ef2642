import { isUtf8 } from 'node:buffer';

/**
 * A body error as body-parser reports it (an http-errors shape): the Problem
 * filter answers `entity.parse.failed` with its malformed-body Problem.
 */
export function malformedBodyError(message: string): Error {
  return Object.assign(new SyntaxError(message), {
    status: 400,
    statusCode: 400,
    expose: true,
    type: 'entity.parse.failed',
  });
}

/**
 * Refuses a body whose bytes are not UTF-8 (JSON is UTF-8, RFC 8259 section
 * 8.1), where the request kept them (`rawBody`: a Nest application created
 * with `rawBody: true`). Express's and Fastify's own parsers decode such bytes
 * to U+FFFD before any route sees the body; the raw bytes still tell.
 */
export function assertUtf8RawBody(request: unknown): void {
  const raw = (request as { rawBody?: unknown } | null)?.rawBody;
  if (Buffer.isBuffer(raw) && !isUtf8(raw)) throw malformedBodyError('The body is not valid UTF-8');
}
