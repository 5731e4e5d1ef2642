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
    title: kind.title,
    status,
    detail,
    ...(kind.code !== undefined && { code: kind.code }),
  };
}
