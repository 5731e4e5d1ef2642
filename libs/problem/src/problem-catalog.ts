import { STATUS_CODES } from 'node:http';

/**
 * Every problem kind the service can answer with. `status`, `code` and `type`
 * are part of the public contract: clients branch on them, so they never change
 * once published. Codes follow `302 SSS NN`: service 302, HTTP status, sequence.
 */
export interface ProblemDefinition {
  readonly status: number;
  readonly code: number;
  /** Last segment of the `type` URI. */
  readonly slug: string;
  /** Same for every occurrence of the kind (RFC 9457 section 3.1.3). */
  readonly title: string;
  readonly i18nKey: string;
}

const define = (
  status: number,
  sequence: number,
  slug: string,
  title: string,
): ProblemDefinition => ({
  status,
  code: 302_000_00 + status * 100 + sequence,
  slug,
  title,
  i18nKey: `error.${slug.replace(/-/g, '_')}`,
});

export const PROBLEM_CATALOG = {
  invalidRequest: define(400, 1, 'invalid-request', 'Invalid Request Parameters'),
  malformedBody: define(400, 2, 'malformed-body', 'Malformed Request Body'),
  malformedRequest: define(400, 3, 'malformed-request', 'Malformed HTTP Request'),
  unauthorized: define(401, 1, 'unauthorized', 'Unauthorized'),
  forbidden: define(403, 1, 'forbidden', 'Forbidden'),
  notResourceOwner: define(403, 2, 'not-resource-owner', 'Access To Another User Denied'),
  roleRequired: define(403, 3, 'role-required', 'Insufficient Role'),
  userNotFound: define(404, 1, 'user-not-found', 'User Not Found'),
  sessionNotFound: define(404, 2, 'session-not-found', 'Session Not Found'),
  routeNotFound: define(404, 3, 'route-not-found', 'Route Not Found'),
  methodNotAllowed: define(405, 1, 'method-not-allowed', 'Method Not Allowed'),
  conflict: define(409, 1, 'conflict', 'Conflict'),
  sessionNotActive: define(409, 2, 'session-not-active', 'Session Not Active'),
  payloadTooLarge: define(413, 1, 'payload-too-large', 'Payload Too Large'),
  unsupportedMediaType: define(415, 1, 'unsupported-media-type', 'Unsupported Media Type'),
  tooManyRequests: define(429, 1, 'too-many-requests', 'Too Many Requests'),
  headersTooLarge: define(
    431,
    1,
    'request-header-fields-too-large',
    'Request Header Fields Too Large',
  ),
  internal: define(500, 1, 'internal-error', 'Internal Server Error'),
  databaseUnavailable: define(503, 1, 'database-unavailable', 'Service Unavailable'),
  notReady: define(503, 2, 'not-ready', 'Service Not Ready'),
} as const satisfies Record<string, ProblemDefinition>;

export type ProblemKind = keyof typeof PROBLEM_CATALOG;

/**
 * The catalog entry for an HTTP status raised by the framework. A status the
 * catalog has no kind for keeps its status, with a generic `http-<status>` kind.
 */
export function problemForStatus(status: number): ProblemDefinition {
  const known = Object.values(PROBLEM_CATALOG).find((p) => p.status === status);
  if (known) return known;
  if (status < 400 || status > 599) return PROBLEM_CATALOG.internal;
  return define(status, 99, `http-${status}`, STATUS_CODES[status] ?? 'Error');
}
