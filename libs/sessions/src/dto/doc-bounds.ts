/**
 * Bounds the OpenAPI document states for strings and numbers the service sends
 * or accepts. Each one is true of the code, not a wish: see the comment beside it.
 */

/** `Date.prototype.toISOString()` output: 24 characters, 27 with an expanded (±YYYYYY) year. */
export const ISO_DATE_TIME_MAX_LENGTH = 27;

/** A UUID in its canonical 8-4-4-4-12 form. */
export const UUID_LENGTH = 36;

/** A user id as a decimal string: a positive integer up to Number.MAX_SAFE_INTEGER (16 digits). */
export const USER_ID_STRING = {
  pattern: '^[1-9][0-9]{0,15}$',
  maxLength: 16,
} as const;

/** Textual IPv6 with an embedded IPv4 tail (`ffff:...:255.255.255.255`), the longest host address. */
export const IP_ADDRESS_MAX_LENGTH = 45;

/** Column lengths (varchar(n) counts characters, like JSON Schema's maxLength). */
export const COLUMN_LENGTH = {
  username: 255,
  tenantId: 128,
  deviceId: 128,
  deviceType: 32,
  geoip: 128,
  userAgent: 1024,
  revokedBy: 128,
  revokeReason: 256,
  subject: 255,
  issuer: 255,
} as const;

/** Feed and admin-list cursors: longer ones are refused (feed-cursor.ts, keyset-cursor.ts). */
export const FEED_CURSOR_MAX_LENGTH = 80;
export const LIST_CURSOR_MAX_LENGTH = 200;

/** A count or id carried as a JSON number: exact integers only. */
export const SAFE_INTEGER = { format: 'int64', maximum: Number.MAX_SAFE_INTEGER } as const;
