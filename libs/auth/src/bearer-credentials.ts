/**
 * How a request presents its bearer token, read strictly (RFC 6750 section 2.1,
 * RFC 9110 section 11.4): exactly one `Authorization` header, the `Bearer`
 * scheme (any case), one or more spaces, then one `b64token` and nothing else.
 */

/** `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="` */
const BEARER_CREDENTIALS = /^bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const BEARER_SCHEME = /^bearer(\s|$)/i;

/**
 * JWS header parameters listed in `crit` that the service understands
 * (RFC 7515 section 4.1.11): none, so a token that makes any extension
 * critical is refused.
 */
const UNDERSTOOD_CRITICAL_PARAMETERS: ReadonlySet<string> = new Set<string>();

export type BearerCredentials =
  /** No Authorization header, or one of another scheme (Basic, Token, ...). */
  | { kind: 'none' }
  /** More than one Authorization header: which one counts is ambiguous. */
  | { kind: 'ambiguous' }
  /** The Bearer scheme, but not one well-formed token (or a JWS with an unusable `crit`). */
  | { kind: 'malformed' }
  | { kind: 'token'; token: string };

/** The request members read here, the same on Express and Fastify requests. */
export interface CredentialsRequest {
  headers: Record<string, string | string[] | undefined>;
  /** Express: Node's request itself. */
  rawHeaders?: string[];
  /** Fastify: Node's request. */
  raw?: { rawHeaders?: string[] };
}

/**
 * Node keeps only the first of repeated `Authorization` headers in
 * `headers`; the raw header list still has all of them.
 */
function authorizationHeaderCount(request: CredentialsRequest): number {
  const raw = request.raw?.rawHeaders ?? request.rawHeaders;
  if (!raw) return request.headers.authorization === undefined ? 0 : 1;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 13 && raw[i].toLowerCase() === 'authorization') count++;
  }
  return count;
}

/**
 * Each request's credentials, read once: the JWT guard reads them before any
 * strategy runs, and passport-jwt's extractor reads them again. Kept on the
 * request itself: a process-wide WeakMap's table, rebuilt as requests come
 * and go, outlived young-generation collections under load.
 */
const CREDENTIALS = Symbol('bearerCredentials');

export function readBearerCredentials(request: CredentialsRequest): BearerCredentials {
  const carrier = request as CredentialsRequest & { [CREDENTIALS]?: BearerCredentials };
  return (carrier[CREDENTIALS] ??= readCredentialsOf(request));
}

function readCredentialsOf(request: CredentialsRequest): BearerCredentials {
  const count = authorizationHeaderCount(request);
  if (count > 1) return { kind: 'ambiguous' };
  const header = request.headers.authorization;
  if (count === 0 || typeof header !== 'string' || !BEARER_SCHEME.test(header)) {
    return { kind: 'none' };
  }
  const match = BEARER_CREDENTIALS.exec(header);
  if (!match || !criticalParametersUnderstood(match[1])) return { kind: 'malformed' };
  return { kind: 'token', token: match[1] };
}

/**
 * RFC 7515 section 4.1.11: a `crit` header must be a non-empty list of names
 * of parameters present in the header, and each must be understood; a
 * recipient that does not understand one must reject the JWS. A header that
 * is not readable JSON is left to the verifier, which refuses it.
 */
export function criticalParametersUnderstood(token: string): boolean {
  const dot = token.indexOf('.');
  const segment = dot < 0 ? token : token.slice(0, dot);
  if (segment.length > MAX_REMEMBERED_HEADER_LENGTH) return headerUnderstood(segment);
  let verdict = headerVerdicts.get(segment);
  if (verdict === undefined) {
    verdict = headerUnderstood(segment);
    if (headerVerdicts.size >= MAX_REMEMBERED_HEADERS) headerVerdicts.clear();
    headerVerdicts.set(segment, verdict);
  }
  return verdict;
}

/**
 * The verdicts on recently seen JWS header segments. An issuer signs every
 * token with the same header, so one entry usually serves every request; a
 * flood of distinct headers only empties the map now and then.
 */
const headerVerdicts = new Map<string, boolean>();
const MAX_REMEMBERED_HEADERS = 256;
const MAX_REMEMBERED_HEADER_LENGTH = 1024;

function headerUnderstood(segment: string): boolean {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return true;
  }
  if (typeof header !== 'object' || header === null || !('crit' in header)) return true;
  const crit = header.crit;
  return (
    Array.isArray(crit) &&
    crit.length > 0 &&
    crit.every(
      (name) =>
        typeof name === 'string' && UNDERSTOOD_CRITICAL_PARAMETERS.has(name) && name in header,
    )
  );
}

/** passport-jwt's extractor: the token of well-formed, unambiguous bearer credentials only. */
export function extractBearerToken(request: unknown): string | null {
  const credentials = readBearerCredentials(request as CredentialsRequest);
  return credentials.kind === 'token' ? credentials.token : null;
}
