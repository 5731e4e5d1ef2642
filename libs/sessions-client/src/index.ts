/**
 * Typed HTTP client of the session service, for other services.
 *
 * Plain TypeScript on `openapi-fetch`: no NestJS. The types come from
 * `./schema.ts`, which `npm run client:generate` generates from the OpenAPI
 * document the service serves (`libs/sessions-client/openapi.json`). Every
 * answer that is not 2xx is thrown as a {@link SessionsProblemError} carrying
 * the RFC 9457 Problem; a call past its time limit rejects with a
 * {@link SessionsClientTimeoutError}, one that got no answer with a
 * {@link SessionsClientNetworkError}. Idempotent calls answered 503 or 429 are
 * retried as `Retry-After` says.
 */
import createClient, { type Client } from 'openapi-fetch';
import { SessionsClientTimeoutError, SessionsProblemError } from './errors';
import { resilientFetch, type RetryEvent, type RetryPolicy } from './resilient-fetch';
import type { components, operations, paths } from './schema';

export {
  SessionsApiError,
  SessionsClientError,
  SessionsClientNetworkError,
  SessionsClientTimeoutError,
  SessionsProblemError,
} from './errors';
export { type ProblemCode, ProblemCodes } from './problem-codes';
export { RETRIED_METHODS, RETRIED_STATUSES, type RetryEvent } from './resilient-fetch';
export type { components, operations, paths } from './schema';

type Schemas = components['schemas'];

export type SessionResponse = Schemas['dto.SessionResponse'];
export type SessionListResponse = Schemas['dto.SessionListResponse'];
export type PageInfo = Schemas['gitee_com_linmes_authms_base_dto.PageInfo'];
export type AdminSession = Schemas['AdminSession'];
export type AdminSessionListResponse = Schemas['AdminSessionListResponse'];
export type AdminSessionDetail = Schemas['AdminSessionDetail'];
export type AdminUser = Schemas['dto.AdminUser'];
export type UserSubject = Schemas['dto.UserSubject'];
export type CreateSessionRequest = Schemas['CreateSessionRequest'];
export type RevokeSessionsResponse = Schemas['dto.RevokeSessionsResponse'];
export type SessionStatusResponse = Schemas['dto.SessionStatusResponse'];
export type Revocation = Schemas['dto.Revocation'];
export type RevocationFeedResponse = Schemas['dto.RevocationFeedResponse'];
export type Problem = Schemas['dto.Problem'];
export type FieldViolation = Schemas['dto.FieldViolation'];

type Query<Operation extends keyof operations> = NonNullable<
  operations[Operation]['parameters']['query']
>;
export type UserSessionsQuery = Query<'UserSessionsController_list'>;
export type ListAllSessionsQuery = Query<'AdminSessionsController_listAll'>;
export type RevocationsQuery = Query<'RevocationFeedController_page'>;

/** A user id: a positive integer, as a number or a decimal string. */
export type UserId = number | string;

/** Default time limit of one call, retries and their waits included. */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Default number of retries of an idempotent call answered 503 or 429. */
export const DEFAULT_RETRIES = 2;
/** Default upper bound of one wait between retries (a longer `Retry-After` is cut to it). */
export const DEFAULT_MAX_RETRY_DELAY_MS = 5_000;
/** Default first back-off step when an answer has no `Retry-After` (then 2x, 4x..., with jitter). */
export const DEFAULT_RETRY_DELAY_MS = 200;

/** Extra request headers; `null` removes a default header for one call, `undefined` is ignored. */
export type RequestHeaders = Record<string, string | null | undefined>;

export interface SessionsClientOptions {
  /** Root URL of the session service, e.g. `http://sessions.internal:3000`. */
  baseUrl: string;
  /** A fixed bearer token. */
  token?: string;
  /** Called before each request (e.g. to refresh a short-lived service token); wins over `token`. */
  getToken?: () => string | Promise<string>;
  /** A `fetch` implementation (default: the global one). */
  fetch?: (input: Request) => Promise<Response>;
  /** Headers sent with every request (a per-call header of the same name wins). */
  headers?: RequestHeaders;
  /**
   * Time limit of one call in milliseconds, retries and their waits included
   * (default 10 000; `0`: none). Past it the call rejects with a SessionsClientTimeoutError.
   */
  timeoutMs?: number;
  /** Retries of an idempotent call (GET, HEAD, PUT, DELETE) answered 503 or 429 (default 2; `0`: none). */
  retries?: number;
  /** Upper bound of one wait between retries, also of a longer `Retry-After` (default 5 000). */
  maxRetryDelayMs?: number;
  /** First back-off step when the answer has no `Retry-After` (default 200; doubles, with jitter). */
  retryDelayMs?: number;
  /** Called before each wait for a retry, e.g. to log it. */
  onRetry?: (event: RetryEvent) => void;
}

/** Per-call options. */
export interface CallOptions {
  /** Bearer token for this call only, e.g. a user's own token. */
  token?: string;
  /** Aborts the call: it then rejects with `signal.reason` and is not retried. */
  signal?: AbortSignal;
  /** Time limit of this call (default: the client's `timeoutMs`; `0`: none). */
  timeoutMs?: number;
  /** Retries of this call (default: the client's `retries`; POST is never retried). */
  retries?: number;
  /** Headers of this call only, e.g. `X-Request-Id` or `traceparent`. */
  headers?: RequestHeaders;
}

interface Answer<Data> {
  data?: Data;
  error?: unknown;
  response: Response;
}

async function body<Data>(pending: Promise<Answer<Data>>): Promise<Data> {
  const { data, error, response } = await pending;
  if (!response.ok) throw SessionsProblemError.fromResponse(response, error);
  if (data === undefined) {
    throw new SessionsProblemError(
      { status: response.status, title: 'Empty response', detail: 'expected a JSON body' },
      response,
    );
  }
  return data;
}

async function noBody(pending: Promise<Answer<unknown>>): Promise<void> {
  const { error, response } = await pending;
  if (!response.ok) throw SessionsProblemError.fromResponse(response, error);
}

export interface SessionsClient {
  /** `GET /sessions/user/{user_id}/sessions`: the user's active sessions (the token must be that user's). */
  listUserSessions(
    userId: UserId,
    query?: UserSessionsQuery,
    options?: CallOptions,
  ): Promise<SessionListResponse>;
  /** `GET /api/sessions/all` (admin): every active session; with `limit`, one page and `next_cursor`. */
  listAllSessions(
    query?: ListAllSessionsQuery,
    options?: CallOptions,
  ): Promise<AdminSessionListResponse>;
  /** `POST /api/sessions` (service or admin): records a sign-in, answers the new session. */
  recordSignIn(body: CreateSessionRequest, options?: CallOptions): Promise<SessionResponse>;
  /** `DELETE /sessions/user/{user_id}/sessions/{session_id}` (the user): ends one of their sessions. */
  revokeSession(userId: UserId, sessionId: string, options?: CallOptions): Promise<void>;
  /** `DELETE /sessions/user/{user_id}/sessions` (the user): ends all, or all but the calling token's session. */
  revokeAllSessions(
    userId: UserId,
    query?: { keepCurrent?: boolean },
    options?: CallOptions,
  ): Promise<RevokeSessionsResponse>;
  /** `POST /api/sessions/{session_id}/touch` (service or admin): records activity, slides the idle expiry. */
  touch(sessionId: string, options?: CallOptions): Promise<SessionResponse>;
  /** `GET /api/sessions/{session_id}/status` (service or admin): whether a session is active now. */
  sessionStatus(sessionId: string, options?: CallOptions): Promise<SessionStatusResponse>;
  /** `GET /api/sessions/revocations` (service or admin): revocations after a cursor, in commit order. */
  revocations(query?: RevocationsQuery, options?: CallOptions): Promise<RevocationFeedResponse>;
  /** `GET /api/sessions/{session_id}` (admin): one session in any status, with its revocation record. */
  getSession(sessionId: string, options?: CallOptions): Promise<AdminSessionDetail>;
  /** `DELETE /api/sessions/{session_id}` (admin). */
  adminRevokeSession(
    sessionId: string,
    query?: { reason?: string },
    options?: CallOptions,
  ): Promise<void>;
  /** `GET /api/users/{user_id}` (admin): the user, their identity provider subjects and active sessions count. */
  getUser(userId: UserId, options?: CallOptions): Promise<AdminUser>;
  /** `DELETE /api/users/{user_id}/sessions` (admin): ends every session of a user. */
  adminRevokeUserSessions(
    userId: UserId,
    query?: { reason?: string },
    options?: CallOptions,
  ): Promise<RevokeSessionsResponse>;
  /** The underlying openapi-fetch client, for routes without a method here (answers are not unwrapped). */
  readonly api: Client<paths>;
}

/** What each call hands openapi-fetch besides its parameters. */
interface CallInit {
  headers: RequestHeaders;
  signal: AbortSignal;
  fetch: (request: Request) => Promise<Response>;
}

export function createSessionsClient(options: SessionsClientOptions): SessionsClient {
  // Looked up at each request, so a global fetch installed later (e.g. a test's) is used.
  const baseFetch = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const policy = (call: CallOptions, deadline?: number): RetryPolicy => ({
    retries: call.retries ?? options.retries ?? DEFAULT_RETRIES,
    maxRetryDelayMs: options.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS,
    retryDelayMs: options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS,
    deadline,
    onRetry: options.onRetry,
  });
  // Calls through `api` are retried too; their time limit is the signal they pass.
  const api = createClient<paths>({
    baseUrl: options.baseUrl,
    headers: options.headers,
    fetch: resilientFetch(baseFetch, policy({})),
  });

  /** Runs one call with its token, headers, time limit and retries. */
  const send = async <T>(
    call: CallOptions | undefined,
    run: (init: CallInit) => Promise<T>,
  ): Promise<T> => {
    const { signal: callerSignal, timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS } =
      call ?? {};
    callerSignal?.throwIfAborted();
    // Past 2^31 - 1 ms a timer would fire at once: such a limit is none.
    const limited = timeoutMs > 0 && timeoutMs <= 2_147_483_647;
    const timeout = new AbortController();
    let current: Request | undefined;
    const timer = limited
      ? setTimeout(() => {
          const { method = '?', url = options.baseUrl } = current ?? {};
          timeout.abort(new SessionsClientTimeoutError(timeoutMs, method, url));
        }, timeoutMs)
      : undefined;
    const signal = callerSignal ? AbortSignal.any([callerSignal, timeout.signal]) : timeout.signal;
    const fetch = resilientFetch(
      baseFetch,
      policy(call ?? {}, limited ? Date.now() + timeoutMs : undefined),
    );
    try {
      const token = call?.token ?? (options.getToken ? await options.getToken() : options.token);
      return await run({
        headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...call?.headers },
        signal,
        fetch: (request) => {
          current = request;
          return fetch(request);
        },
      });
    } catch (error) {
      // Whatever an abort interrupted (the request, a wait between retries, reading the body),
      // the call rejects with the caller's reason, or with the SessionsClientTimeoutError.
      if (callerSignal?.aborted) throw callerSignal.reason;
      if (timeout.signal.aborted) throw timeout.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    api,
    listUserSessions: (userId, query, call) =>
      send(call, (init) =>
        body(
          api.GET('/sessions/user/{user_id}/sessions', {
            params: { path: { user_id: String(userId) }, query },
            ...init,
          }),
        ),
      ),
    listAllSessions: (query, call) =>
      send(call, (init) => body(api.GET('/api/sessions/all', { params: { query }, ...init }))),
    recordSignIn: (request, call) =>
      send(call, (init) => body(api.POST('/api/sessions', { body: request, ...init }))),
    revokeSession: (userId, sessionId, call) =>
      send(call, (init) =>
        noBody(
          api.DELETE('/sessions/user/{user_id}/sessions/{session_id}', {
            params: { path: { user_id: String(userId), session_id: sessionId } },
            ...init,
          }),
        ),
      ),
    revokeAllSessions: (userId, query, call) =>
      send(call, (init) =>
        body(
          api.DELETE('/sessions/user/{user_id}/sessions', {
            params: {
              path: { user_id: String(userId) },
              query:
                query?.keepCurrent === undefined
                  ? {}
                  : { keep_current: query.keepCurrent ? 'true' : 'false' },
            },
            ...init,
          }),
        ),
      ),
    touch: (sessionId, call) =>
      send(call, (init) =>
        body(
          api.POST('/api/sessions/{session_id}/touch', {
            params: { path: { session_id: sessionId } },
            ...init,
          }),
        ),
      ),
    sessionStatus: (sessionId, call) =>
      send(call, (init) =>
        body(
          api.GET('/api/sessions/{session_id}/status', {
            params: { path: { session_id: sessionId } },
            ...init,
          }),
        ),
      ),
    revocations: (query, call) =>
      send(call, (init) =>
        body(api.GET('/api/sessions/revocations', { params: { query }, ...init })),
      ),
    getSession: (sessionId, call) =>
      send(call, (init) =>
        body(
          api.GET('/api/sessions/{session_id}', {
            params: { path: { session_id: sessionId } },
            ...init,
          }),
        ),
      ),
    adminRevokeSession: (sessionId, query, call) =>
      send(call, (init) =>
        noBody(
          api.DELETE('/api/sessions/{session_id}', {
            params: { path: { session_id: sessionId }, query },
            ...init,
          }),
        ),
      ),
    getUser: (userId, call) =>
      send(call, (init) =>
        body(
          api.GET('/api/users/{user_id}', {
            params: { path: { user_id: String(userId) } },
            ...init,
          }),
        ),
      ),
    adminRevokeUserSessions: (userId, query, call) =>
      send(call, (init) =>
        body(
          api.DELETE('/api/users/{user_id}/sessions', {
            params: { path: { user_id: String(userId) }, query },
            ...init,
          }),
        ),
      ),
  };
}
