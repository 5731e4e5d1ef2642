import { isUuid } from '@session-service/auth';
import { ValidationFailedError } from '@session-service/problem';

/** Position in the admin list, ordered by last activity (newest first), then id. */
export interface ListPosition {
  /** `last_active_at` as PostgreSQL prints it: full microsecond precision. */
  lastActiveAt: string;
  id: string;
}

const PREFIX = 'k1.';
const PG_TIMESTAMPTZ =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?([+-])(\d{2})(?::(\d{2}))?(?::(\d{2}))?$/;

/** The timestamp PostgreSQL printed, or a forgery with impossible fields. */
function isPgTimestamp(text: string): boolean {
  const m = PG_TIMESTAMPTZ.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second, , , offsetHours, offsetMinutes] = m
    .slice(1)
    .map((part) => (part === undefined || part === '+' || part === '-' ? 0 : Number(part)));
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    year >= 1 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 15 &&
    offsetMinutes <= 59
  );
}

/** Opaque to clients: a versioned, URL-safe encoding of the last row of a page. */
export function encodeListCursor(position: ListPosition): string {
  return (
    PREFIX + Buffer.from(`${position.lastActiveAt}|${position.id}`, 'utf8').toString('base64url')
  );
}

/** Decodes a cursor, or fails with a 400 naming `cursor`. */
export function decodeListCursor(cursor: string): ListPosition {
  const invalid = () =>
    ValidationFailedError.forField(
      'cursor',
      'format',
      'cursor must be a next_cursor returned by this list',
      cursor,
    );
  if (!cursor.startsWith(PREFIX) || cursor.length > 200) throw invalid();
  const [lastActiveAt, id, ...rest] = Buffer.from(cursor.slice(PREFIX.length), 'base64url')
    .toString('utf8')
    .split('|');
  if (rest.length || !isPgTimestamp(lastActiveAt ?? '') || !isUuid(id)) throw invalid();
  if (encodeListCursor({ lastActiveAt, id }) !== cursor) throw invalid();
  return { lastActiveAt, id };
}
