/** What a verified bearer token says about its caller. */
export interface AuthenticatedUser {
  /** Positive integer user id, as a canonical decimal string (JWT `sub`). */
  userId: string;
  roles: string[];
  /** Session the token was issued for (the `sessionClaim`, `session_id` by default), when present. */
  sessionId?: string;
  /**
   * When the token expires (`exp`, seconds since the epoch): a response that
   * outlives the request, such as the revocation stream, ends then.
   */
  expiresAt?: number;
}

/** Positive integers that survive a JSON round trip exactly (no leading zeros, no sign). */
const CANONICAL_USER_ID = /^[1-9][0-9]{0,15}$/;

/** Parses a user id in its canonical decimal form, or returns undefined. */
export function parseUserId(value: unknown): string | undefined {
  if (typeof value === 'number') value = Number.isSafeInteger(value) ? String(value) : undefined;
  if (typeof value !== 'string' || !CANONICAL_USER_ID.test(value)) return undefined;
  return Number.isSafeInteger(Number(value)) ? value : undefined;
}

/** What `parseUserId` accepts, as an OpenAPI schema: `CANONICAL_USER_ID`, at most 16 digits. */
export const USER_ID_PARAM_SCHEMA = { pattern: CANONICAL_USER_ID.source, maxLength: 16 } as const;

export const USER_ID_RULE = `a positive integer up to ${Number.MAX_SAFE_INTEGER}, without sign or leading zeros`;
