/**
 * The stable numeric `code` of every Problem the session service answers with,
 * named after the last segment of its `type` URI (`invalid-request` is
 * `INVALID_REQUEST`). Codes follow `302 SSS NN`: service 302, HTTP status,
 * sequence; they never change once published. A status the service has no
 * specific kind for answers the generic code `302SSS99`.
 *
 * ```ts
 * if (error instanceof SessionsProblemError && error.code === ProblemCodes.NOT_RESOURCE_OWNER) ...
 * ```
 */
export const ProblemCodes = {
  /** 400: a parameter or body field is invalid; `errors` names each one. */
  INVALID_REQUEST: 30240001,
  /** 400: the request body is not valid JSON. */
  MALFORMED_BODY: 30240002,
  /** 400: the request could not be parsed as HTTP. */
  MALFORMED_REQUEST: 30240003,
  /** 401: no bearer token, or the token was refused (or its session ended). */
  UNAUTHORIZED: 30240101,
  /** 403: the request is not allowed for this caller. */
  FORBIDDEN: 30240301,
  /** 403: the path names a user other than the token's own user. */
  NOT_RESOURCE_OWNER: 30240302,
  /** 403: the token lacks the role the operation requires. */
  ROLE_REQUIRED: 30240303,
  /** 404: the user does not exist. */
  USER_NOT_FOUND: 30240401,
  /** 404: no such session, or it is not the caller's. */
  SESSION_NOT_FOUND: 30240402,
  /** 404: no route matches the path. */
  ROUTE_NOT_FOUND: 30240403,
  /** 404: no such Shared Signals stream, or it is not the caller's. */
  STREAM_NOT_FOUND: 30240410,
  /** 404: no relying party with that `client_id`. */
  RELYING_PARTY_NOT_FOUND: 30240411,
  /** 405: the route exists, not with this method. */
  METHOD_NOT_ALLOWED: 30240501,
  /** 408: the request did not arrive within the service's time limit. */
  REQUEST_TIMEOUT: 30240801,
  /** 409: the request conflicts with the current state of the resource. */
  CONFLICT: 30240901,
  /** 409: touching a session that was revoked or has expired. */
  SESSION_NOT_ACTIVE: 30240902,
  /** 409: recording a sign-in whose `subject` is already mapped to another user. */
  SUBJECT_TAKEN: 30240903,
  /** 409: registering a relying party whose `client_id` is already registered. */
  RELYING_PARTY_EXISTS: 30240910,
  /** 413: the request body exceeds the limit. */
  PAYLOAD_TOO_LARGE: 30241301,
  /** 415: the body's charset or content encoding cannot be read. */
  UNSUPPORTED_MEDIA_TYPE: 30241501,
  /** 429: a rate limit was reached; wait `retry_after` seconds. */
  TOO_MANY_REQUESTS: 30242901,
  /** 431: the request headers are too large. */
  REQUEST_HEADER_FIELDS_TOO_LARGE: 30243101,
  /** 500: an unexpected error in the service; quote `request_id`. */
  INTERNAL_ERROR: 30250001,
  /** 503: PostgreSQL cannot be reached or does not answer in time; retry after `retry_after`. */
  DATABASE_UNAVAILABLE: 30250301,
  /** 503 (readiness): the database does not answer, or the instance is shutting down. */
  NOT_READY: 30250302,
  /** 503: a database statement ran past its time limit and was cancelled; retry after `retry_after`. */
  QUERY_TIMEOUT: 30250303,
  /** 503: too many full lists streaming at once; retry, or page with `limit`. */
  STREAMS_BUSY: 30250304,
} as const;

/** One of the {@link ProblemCodes}. */
export type ProblemCode = (typeof ProblemCodes)[keyof typeof ProblemCodes];
