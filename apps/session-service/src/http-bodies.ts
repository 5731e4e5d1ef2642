import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import { malformedBodyError, ProblemError, ValidationFailedError } from '@session-service/problem';

/** body-parser's default limit, which the API has always had: a larger body is a 413. */
export const BODY_LIMIT_BYTES = 100 * 1024;

/**
 * Deepest nesting of arrays and objects a body may have. The sign-in body
 * nests two levels; a bound keeps every later step (parsing, class-transformer,
 * class-validator, all recursive) far from the call stack's limit.
 */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether JSON text nests arrays and objects deeper than `max`: one pass over
 * the text, brackets inside strings not counted. Invalid JSON is left to the
 * parser, which reports it as such.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \\ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return false;
}

/** Characters of a refused `Content-Type` the 415 Problem repeats. */
const MEDIA_TYPE_SHOWN = 100;

/** The `charset` parameter of a `Content-Type`. */
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/** The 415 Problem for a body this service does not read, naming its `Content-Type`. */
function unsupportedMediaType(contentType: string | undefined): ProblemError {
  const mediaType = contentType?.trim().slice(0, MEDIA_TYPE_SHOWN) || 'none';
  return ProblemError.fromTemplate('unsupportedMediaType', 'media_type', { media_type: mediaType });
}

/** JSON whitespace (RFC 8259 section 2) before the first token. */
const FIRST_TOKEN = /^[ \t\n\r]*(.)/s;

/**
 * The error for a body that is not an object or an array: a JSON string,
 * number, boolean or null is valid JSON but no object (400 `type` naming
 * `body`, as for an array where an object is due); anything else is malformed.
 */
function scalarBodyError(text: string): Error {
  try {
    JSON.parse(text);
  } catch (error) {
    return malformedBodyError((error as Error).message);
  }
  return ValidationFailedError.forField('body', 'type', 'The body must be a JSON object');
}

/**
 * How request bodies are read:
 *
 * - `application/json`: an empty body is `{}`; otherwise the bytes must be
 *   UTF-8 (else a malformed body), and the text a JSON object or array (a
 *   bare string, number or literal is refused as a body that is not an
 *   object; text that is not JSON is a malformed body) nesting at most
 *   `MAX_JSON_DEPTH` levels (deeper: a 400 naming `body`).
 * - A body of any other media type (or of none; `application/json` with a
 *   charset other than UTF-8 included) is refused: 415 naming the
 *   `Content-Type` it came with. An empty body of any type is no body.
 *
 * Fastify reads a body only for methods that carry one, never for GET or HEAD.
 */
export function acceptBodies(fastify: FastifyInstance): void {
  for (const type of ['application/json', 'text/plain', 'application/x-www-form-urlencoded']) {
    if (fastify.hasContentTypeParser(type)) fastify.removeContentTypeParser(type);
  }
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT_BYTES },
    (request, body, done) => {
      const bytes = body as Buffer;
      if (bytes.length === 0) {
        done(null, {});
        return;
      }
      const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1].toLowerCase();
      if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
        done(unsupportedMediaType(request.headers['content-type']), undefined);
        return;
      }
      // JSON is UTF-8 (RFC 8259 section 8.1): bytes that are not are refused, never stored
      // with replacement characters in their place.
      if (!isUtf8(bytes)) {
        done(malformedBodyError('The body is not valid UTF-8'), undefined);
        return;
      }
      const text = bytes.toString('utf8');
      const first = FIRST_TOKEN.exec(text)?.[1];
      if (first !== '{' && first !== '[') {
        done(scalarBodyError(text), undefined);
        return;
      }
      if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {
        done(
          ValidationFailedError.forField(
            'body',
            'range',
            `The body must not nest arrays and objects more than ${MAX_JSON_DEPTH} levels deep`,
          ),
          undefined,
        );
        return;
      }
      try {
        done(null, JSON.parse(text));
      } catch (error) {
        done(malformedBodyError((error as Error).message), undefined);
      }
    },
  );
  fastify.addContentTypeParser('*', (request, _payload, done) => {
    const { headers } = request;
    const empty =
      headers['content-length'] === '0' ||
      (headers['content-length'] === undefined && headers['transfer-encoding'] === undefined);
    if (empty) {
      done(null, undefined);
      return;
    }
    done(unsupportedMediaType(headers['content-type']), undefined);
  });
}
