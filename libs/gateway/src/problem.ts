/** RFC 9457 media type of every error answer the adapters send. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An RFC 9457 Problem, with the session service's `code` extension. */
export interface GatewayProblem {
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The session service's numeric code of the same kind (`302 SSS NN`), on 401s. */
  code?: number;
}

/** Why a request was refused (kept out of the answer, counted in the metrics). */
export type RefusalReason = 'token_missing' | 'token_invalid' | 'session_revoked' | 'stale';

/**
 * Problem kinds: the 401 is the session service's own `unauthorized` kind (same
 * slug and code); the 503 is the gateway's, answered when it fails closed.
 */
const KINDS = {
  401: { slug: 'unauthorized', title: 'Unauthorized', code: 302_401_01 },
  503: { slug: 'revocations-not-current', title: 'Revocations Not Current', code: undefined },
} as const;

const STATUS_PHRASES = { 401: 'Unauthorized', 503: 'Service Unavailable' } as const;

/**
 * The `WWW-Authenticate` challenge of a 401 (RFC 6750 section 3): a token that was
 * presented and refused is an `invalid_token`; no token, or revocations that are
 * not current (a fail-closed 401), get the bare challenge.
 */
export function bearerChallenge(reason: RefusalReason): string {
  return reason === 'token_invalid' || reason === 'session_revoked'
    ? 'Bearer error="invalid_token"'
    : 'Bearer';
}

/**
 * The Problem for a refusal. As the session service does, a 401 never says which
 * check failed (missing, malformed, expired, wrongly signed or revoked): the
 * detail only distinguishes "no token" from "a token that was refused".
 * `typeBase` (for example `https://sessions.example.com/problems/`) makes `type`
 * a resolvable URI; without it `type` is `about:blank` (RFC 9457 section 4.2.1).
 */
export function refusalProblem(
  reason: RefusalReason,
  status: 401 | 503,
  typeBase?: string,
): GatewayProblem {
  const kind = KINDS[status];
  const detail =
    status === 503
      ? 'Revocations cannot be confirmed right now; retry shortly'
      : reason === 'token_missing'
        ? 'A bearer token is required'
        : 'A valid bearer token is required';
  return {
    type: typeBase ? `${typeBase}${kind.slug}` : 'about:blank',
    // With about:blank the title is the status's own phrase (RFC 9457 section 4.2.1).
    title: typeBase ? kind.title : STATUS_PHRASES[status],
    status,
    detail,
    ...(kind.code !== undefined && { code: kind.code }),
  };
}
