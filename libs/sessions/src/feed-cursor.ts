import { ValidationFailedError } from '@session-service/problem';
import type { FeedPosition } from './sessions.repository';

/** The start of the feed: before every revocation still retained. */
export const FEED_START: FeedPosition = { xid: '0', id: '0' };

const PREFIX = 'v1.';
const NUMBER = /^(0|[1-9][0-9]{0,19})$/;
const MAX_XID8 = 18446744073709551615n;
const MAX_BIGINT = 9223372036854775807n;

/** Opaque to clients: a versioned, URL-safe encoding of the feed position. */
export function encodeFeedCursor(position: FeedPosition): string {
  return PREFIX + Buffer.from(`${position.xid}:${position.id}`, 'utf8').toString('base64url');
}

/** Decodes a cursor, or fails with a 400 naming `field`. */
export function decodeFeedCursor(cursor: string | undefined, field = 'after'): FeedPosition {
  if (cursor === undefined || cursor === '') return FEED_START;
  const invalid = () =>
    ValidationFailedError.forField(
      field,
      'format',
      `${field} must be a cursor returned by this feed`,
      cursor,
    );
  if (!cursor.startsWith(PREFIX) || cursor.length > 80) throw invalid();
  const [xid, id, ...rest] = Buffer.from(cursor.slice(PREFIX.length), 'base64url')
    .toString('utf8')
    .split(':');
  if (rest.length || !NUMBER.test(xid ?? '') || !NUMBER.test(id ?? '')) throw invalid();
  // xid8 is an unsigned 64-bit number, the row id a signed one.
  if (BigInt(xid) > MAX_XID8 || BigInt(id) > MAX_BIGINT) throw invalid();
  // base64url decoding skips stray characters: accept only the exact encoding.
  if (encodeFeedCursor({ xid, id }) !== cursor) throw invalid();
  return { xid, id };
}
