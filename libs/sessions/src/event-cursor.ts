import { createHash } from 'node:crypto';
import { ValidationFailedError } from '@session-service/problem';

/** Position in the audit trail, newest first: an event's time (microseconds since the epoch) and id. */
export interface EventPosition {
  /** `occurred_at` in whole microseconds since 1970-01-01T00:00:00Z, as a decimal string. */
  micros: string;
  id: string;
}

const PREFIX = 'e1.';
/** Longest cursor `encodeEventCursor` writes (two 19-digit numbers and the check): longer ones are refused. */
export const EVENT_CURSOR_MAX_LENGTH = 80;
const MICROS = /^-?(0|[1-9][0-9]{0,17})$/;
const ID = /^[1-9][0-9]{0,18}$/;
const MAX_BIGINT = 9223372036854775807n;

/**
 * A short digest of the position: a cursor with any character changed names
 * no position at all (a 400) rather than silently another one.
 */
function check(micros: string, id: string): string {
  return createHash('sha256').update(`${micros}:${id}`).digest('base64url').slice(0, 8);
}

/** Opaque to clients: a versioned, URL-safe encoding of the last event of a page. */
export function encodeEventCursor(position: EventPosition): string {
  const { micros, id } = position;
  return PREFIX + Buffer.from(`${micros}:${id}:${check(micros, id)}`, 'utf8').toString('base64url');
}

/** Decodes a cursor, or fails with a 400 naming `cursor`. */
export function decodeEventCursor(cursor: string): EventPosition {
  const invalid = () =>
    ValidationFailedError.forField(
      'cursor',
      'format',
      'cursor must be a next_cursor returned by this list',
      cursor,
    );
  if (!cursor.startsWith(PREFIX) || cursor.length > EVENT_CURSOR_MAX_LENGTH) throw invalid();
  const [micros, id, digest, ...rest] = Buffer.from(cursor.slice(PREFIX.length), 'base64url')
    .toString('utf8')
    .split(':');
  if (rest.length || !MICROS.test(micros ?? '') || !ID.test(id ?? '')) throw invalid();
  if (BigInt(id) > MAX_BIGINT || digest !== check(micros, id)) throw invalid();
  // base64url decoding skips stray characters: accept only the exact encoding.
  if (encodeEventCursor({ micros, id }) !== cursor) throw invalid();
  return { micros, id };
}
