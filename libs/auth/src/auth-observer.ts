/**
 * Why a bearer token was refused: `expired` (or not yet valid), `signature`
 * (wrong signature or an algorithm not allowed), `unknown_kid` (no key for the
 * token's `kid`), `claims` (issuer, audience, `exp`, `iat`, subject),
 * `malformed` (not a JWT, or not one bearer token), `session` (the session the
 * token names is revoked or expired).
 */
export type VerifyFailureReason =
  'expired' | 'signature' | 'unknown_kid' | 'claims' | 'malformed' | 'session';

/**
 * What the auth library reports, for metrics or anything else a host wants;
 * every method is optional and none receives a token. Provide it under
 * `AUTH_OBSERVER` (e.g. `MetricsModule`'s `AuthMetrics` of
 * `@session-service/ops`); without it nothing is reported.
 */
export interface AuthObserver {
  /** A JWKS was fetched: its endpoint, the number of keys, how long it took. */
  jwksFetched?(event: { uri: string; keys: number; durationMs: number }): void;
  /** A JWKS (or OIDC discovery) fetch failed. */
  jwksFailed?(event: { uri: string; durationMs: number; error: string }): void;
  /** A key appeared in the JWKS (or was seen in the first fetch). */
  keyAdded?(event: { kid: string; alg?: string }): void;
  /** A key seen in the previous fetch is gone from the JWKS. */
  keyDropped?(event: { kid: string; alg?: string }): void;
  /** A presented bearer token was refused, and why. */
  verifyFailed?(reason: VerifyFailureReason): void;
}

/** Injection token of the optional `AuthObserver`. */
export const AUTH_OBSERVER = Symbol('AUTH_OBSERVER');

/**
 * Calls an observer's method if it has one (the auth library's, the sessions
 * library's), never letting the observer break the request.
 */
export function notify<O extends object, K extends keyof O>(
  observer: O | undefined,
  method: K,
  ...args: O[K] extends ((...a: infer P) => unknown) | undefined ? P : never
): void {
  const fn = observer?.[method] as ((...a: unknown[]) => void) | undefined;
  if (typeof fn !== 'function') return;
  try {
    fn.apply(observer, args);
  } catch {
    // An observer's failure is its own; the request goes on.
  }
}
