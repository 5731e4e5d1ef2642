/**
 * How the JWT guard learns whether the session a token was issued for is still
 * active. The sessions library provides it; a host without it gets plain
 * stateless JWT checks.
 */
export interface SessionStateChecker {
  isActive(sessionId: string, userId: string): Promise<boolean>;
}

export const SESSION_STATE_CHECKER = Symbol('SESSION_STATE_CHECKER');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
