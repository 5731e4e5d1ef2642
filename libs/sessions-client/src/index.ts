/**
 * Typed HTTP client of the session service, for other services.
 *
 * Plain TypeScript on `openapi-fetch`: no NestJS. The types come from
 * `./schema.ts`, which `npm run client:generate` generates from the OpenAPI
 * document the service serves (`libs/sessions-client/openapi.json`); every
 * answer that is not 2xx is thrown as a {@link SessionsApiError} carrying the
 * RFC 9457 Problem.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { components, operations, paths } from './schema';

export type { components, operations, paths } from './schema';

type Schemas = components['schemas'];

export type SessionResponse = Schemas['dto.SessionResponse'];
export type SessionListResponse = Schemas['dto.SessionListResponse'];
export type PageInfo = Schemas['gitee_com_linmes_authms_base_dto.PageInfo'];
export type AdminSession = Schemas['AdminSession'];
export type AdminSessionListResponse = Schemas['AdminSessionListResponse'];
export type AdminSessionDetail = Schemas['AdminSessionDetail'];
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

export interface SessionsClientOptions {
  /** Root URL of the session service, e.g. `http://sessions.internal:3000`. */
  baseUrl: string;
  /** A fixed bearer token. */
  token?: string;
  /** Called before each request (e.g. to refresh a short-lived service token); wins over `token`. */
  getToken?: () => string | Promise<string>;
  /** A `fetch` implementation (default: the global one). */
  fetch?: (input: Request) => Promise<Response>;
}

/** Per-call options. */
export interface CallOptions {
  /** Bearer token for this call only, e.g. a user's own token. */
  token?: string;
  signal?: AbortSignal;
}

/** A non-2xx answer of the session service, with its parsed Problem. */
export class SessionsApiError extends Error {
  override readonly name = 'SessionsApiError';
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
  static fromResponse(response: Response, body: unknown): SessionsApiError {
    const problem: Problem =
      body && typeof body === 'object' && !Array.isArray(body)
        ? { ...(body as Problem) }
        : {
            title: response.statusText || undefined,
            detail: typeof body === 'string' && body ? body.slice(0, 500) : undefined,
          };
    problem.status ??= response.status;
    problem.request_id ??= response.headers.get('x-request-id') ?? undefined;
    problem.retry_after ??= parseRetryAfter(response.headers.get('retry-after'));
    return new SessionsApiError(problem, response);
  }

  /** The Problem's stable numeric business code, e.g. 30240302. */
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

/** `Retry-After` is delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
function parseRetryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

interface Answer<Data> {
  data?: Data;
  error?: unknown;
  response: Response;
}

async function body<Data>(pending: Promise<Answer<Data>>): Promise<Data> {
  const { data, error, response } = await pending;
  if (!response.ok) throw SessionsApiError.fromResponse(response, error);
  if (data === undefined) {
    throw new SessionsApiError(
      { status: response.status, title: 'Empty response', detail: 'expected a JSON body' },
      response,
    );
  }
  return data;
}

async function noBody(pending: Promise<Answer<unknown>>): Promise<void> {
  const { error, response } = await pending;
  if (!response.ok) throw SessionsApiError.fromResponse(response, error);
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
  /** `DELETE /api/users/{user_id}/sessions` (admin): ends every session of a user. */
  adminRevokeUserSessions(
    userId: UserId,
    query?: { reason?: string },
    options?: CallOptions,
  ): Promise<RevokeSessionsResponse>;
  /** The underlying openapi-fetch client, for routes without a method here (answers are not unwrapped). */
  readonly api: Client<paths>;
}

export function createSessionsClient(options: SessionsClientOptions): SessionsClient {
  const api = createClient<paths>({ baseUrl: options.baseUrl, fetch: options.fetch });

  const init = async (call: CallOptions = {}) => {
    const token = call.token ?? (options.getToken ? await options.getToken() : options.token);
    return {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
      ...(call.signal ? { signal: call.signal } : {}),
    };
  };

  return {
    api,
    listUserSessions: async (userId, query, call) =>
      body(
        api.GET('/sessions/user/{user_id}/sessions', {
          params: { path: { user_id: String(userId) }, query },
          ...(await init(call)),
        }),
      ),
    listAllSessions: async (query, call) =>
      body(api.GET('/api/sessions/all', { params: { query }, ...(await init(call)) })),
    recordSignIn: async (request, call) =>
      body(api.POST('/api/sessions', { body: request, ...(await init(call)) })),
    revokeSession: async (userId, sessionId, call) =>
      noBody(
        api.DELETE('/sessions/user/{user_id}/sessions/{session_id}', {
          params: { path: { user_id: String(userId), session_id: sessionId } },
          ...(await init(call)),
        }),
      ),
    revokeAllSessions: async (userId, query, call) =>
      body(
        api.DELETE('/sessions/user/{user_id}/sessions', {
          params: {
            path: { user_id: String(userId) },
            query:
              query?.keepCurrent === undefined
                ? {}
                : { keep_current: query.keepCurrent ? 'true' : 'false' },
          },
          ...(await init(call)),
        }),
      ),
    touch: async (sessionId, call) =>
      body(
        api.POST('/api/sessions/{session_id}/touch', {
          params: { path: { session_id: sessionId } },
          ...(await init(call)),
        }),
      ),
    sessionStatus: async (sessionId, call) =>
      body(
        api.GET('/api/sessions/{session_id}/status', {
          params: { path: { session_id: sessionId } },
          ...(await init(call)),
        }),
      ),
    revocations: async (query, call) =>
      body(api.GET('/api/sessions/revocations', { params: { query }, ...(await init(call)) })),
    getSession: async (sessionId, call) =>
      body(
        api.GET('/api/sessions/{session_id}', {
          params: { path: { session_id: sessionId } },
          ...(await init(call)),
        }),
      ),
    adminRevokeSession: async (sessionId, query, call) =>
      noBody(
        api.DELETE('/api/sessions/{session_id}', {
          params: { path: { session_id: sessionId }, query },
          ...(await init(call)),
        }),
      ),
    adminRevokeUserSessions: async (userId, query, call) =>
      body(
        api.DELETE('/api/users/{user_id}/sessions', {
          params: { path: { user_id: String(userId) }, query },
          ...(await init(call)),
        }),
      ),
  };
}
