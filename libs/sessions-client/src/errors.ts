/**
 * What a call of the sessions client can reject with, besides the caller's own
 * abort (which rejects with the caller's `signal.reason`, as `fetch` does):
 *
 * - {@link SessionsProblemError}: the service answered, with a status that is not 2xx;
 * - {@link SessionsClientTimeoutError}: no complete answer within the call's time limit;
 * - {@link SessionsClientNetworkError}: no answer at all (connection refused or reset,
 *   DNS failure, TLS failure).
 *
 * All three extend {@link SessionsClientError}.
 */
import type { components } from './schema';

type Problem = components['schemas']['dto.Problem'];
type FieldViolation = components['schemas']['dto.FieldViolation'];

/** Base class of the errors the sessions client throws. */
export class SessionsClientError extends Error {
  override readonly name: string = 'SessionsClientError';
}

/** A non-2xx answer of the session service, with its parsed RFC 9457 Problem. */
export class SessionsProblemError extends SessionsClientError {
  override readonly name: string = 'SessionsProblemError';
  readonly status: number;

  constructor(
    /** The Problem body; when the body was not a Problem, one made from the status. */
    readonly problem: Problem,
    readonly response: Response,
  ) {
    const title = problem.title ?? (response.statusText || 'HTTP error');
    const detail = problem.detail ? `: ${problem.detail}` : '';
    const code = problem.code === undefined ? '' : ` (code ${problem.code})`;
    super(`${response.status} ${title}${detail}${code}`);
    this.status = response.status;
  }

  /** Builds the error from a response and the body openapi-fetch read (parsed JSON or text). */
  static fromResponse(response: Response, body: unknown): SessionsProblemError {
    const problem: Problem =
      body && typeof body === 'object' && !Array.isArray(body)
        ? { ...(body as Problem) }
        : {
            title: response.statusText || undefined,
            detail: typeof body === 'string' && body ? body.slice(0, 500) : undefined,
          };
    problem.status ??= response.status;
    problem.request_id ??= response.headers.get('x-request-id') ?? undefined;
    problem.retry_after ??= parseRetryAfterSeconds(response.headers.get('retry-after'));
    return new SessionsProblemError(problem, response);
  }

  /** The Problem's stable numeric business code, e.g. 30240302 (see `ProblemCodes`). */
  get code(): number | undefined {
    return this.problem.code;
  }
  get type(): string | undefined {
    return this.problem.type;
  }
  get title(): string | undefined {
    return this.problem.title;
  }
  get detail(): string | undefined {
    return this.problem.detail;
  }
  get requestId(): string | undefined {
    return this.problem.request_id;
  }
  /** Field-level violations of a 400. */
  get errors(): FieldViolation[] {
    return this.problem.errors ?? [];
  }
  /** Seconds to wait before retrying (429, 503): the Problem's `retry_after` or the `Retry-After` header. */
  get retryAfter(): number | undefined {
    return this.problem.retry_after;
  }
}

/**
 * The name this error had in 0.1: the same class, so `instanceof SessionsApiError` keeps working.
 * @deprecated Use {@link SessionsProblemError}.
 */
export const SessionsApiError = SessionsProblemError;
/** @deprecated Use {@link SessionsProblemError}. */
export type SessionsApiError = SessionsProblemError;

/** The call did not get a complete answer within its time limit (`timeoutMs`). */
export class SessionsClientTimeoutError extends SessionsClientError {
  override readonly name: string = 'SessionsClientTimeoutError';

  constructor(
    readonly timeoutMs: number,
    readonly method: string,
    readonly url: string,
  ) {
    super(`${method} ${url} timed out after ${timeoutMs} ms`);
  }
}

/**
 * The request got no answer: the connection was refused or reset, the host name
 * did not resolve, TLS failed. `cause` is what `fetch` threw.
 */
export class SessionsClientNetworkError extends SessionsClientError {
  override readonly name: string = 'SessionsClientNetworkError';

  constructor(
    readonly method: string,
    readonly url: string,
    cause: unknown,
  ) {
    const code = systemErrorCode(cause);
    super(`${method} ${url} failed: ${code ?? describe(cause)}`, { cause });
  }

  /** The system error code found in the cause chain, e.g. `ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`. */
  get code(): string | undefined {
    return systemErrorCode(this.cause);
  }
}

function systemErrorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const { code, cause, errors } = e as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string') return code;
    // Connecting to every address of a name fails with an AggregateError of each attempt.
    e = cause ?? (Array.isArray(errors) ? (errors[0] as unknown) : undefined);
  }
  return undefined;
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : '';
  return cause ? `${message} (${cause})` : message;
}

/** `Retry-After` is delay-seconds or an HTTP date (RFC 9110 §10.2.3); in milliseconds from now. */
export function parseRetryAfterMs(header: string | null, now = Date.now()): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function parseRetryAfterSeconds(header: string | null): number | undefined {
  const ms = parseRetryAfterMs(header);
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}
