/**
 * Recognises failures that mean "the database cannot be reached right now"
 * (connection refused, dropped, pool acquire timeout, no answer within the
 * client-side query deadline, server shutting down), as
 * opposed to a bug in a query. Those answer 503 with Retry-After, not 500.
 */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
]);

/**
 * SQLSTATE classes 08 (connection exception), 53 (insufficient resources), 57P
 * (operator intervention), plus 55P03 (lock not available). 57014 (a statement
 * cancelled by `statement_timeout`) is not among them: the database answered,
 * the statement took too long (see isStatementTimeout).
 */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P|55P03$)/;

/** SQLSTATE 57014 query_canceled: here, a statement cancelled by `statement_timeout`. */
const QUERY_CANCELED = '57014';

/**
 * Whether the error is a statement PostgreSQL cancelled because it ran past
 * `statement_timeout`: the database is reachable, this request's work was too
 * slow (a large write, a lock held elsewhere). Never an outage.
 */
export function isStatementTimeout(error: unknown, depth = 0): boolean {
  if (depth > 3 || typeof error !== 'object' || error === null) return false;
  const candidate = error as { code?: unknown; driverError?: unknown; cause?: unknown };
  if (candidate.code === QUERY_CANCELED) return true;
  return (
    isStatementTimeout(candidate.driverError, depth + 1) ||
    isStatementTimeout(candidate.cause, depth + 1)
  );
}

const UNAVAILABLE_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated',
  // node-postgres' client-side deadline (query_timeout): no answer in time.
  'Query read timeout',
  'connection timeout',
  'Client has encountered a connection error',
  'Cannot use a pool after calling end on the pool',
];

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 3 || typeof error !== 'object' || error === null) return false;
  const candidate = error as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
  };
  if (typeof candidate.code === 'string') {
    if (NETWORK_CODES.has(candidate.code) || UNAVAILABLE_SQLSTATE.test(candidate.code)) return true;
  }
  if (typeof candidate.message === 'string') {
    const message = candidate.message;
    if (UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true;
  }
  return (
    isDatabaseUnavailable(candidate.driverError, depth + 1) ||
    isDatabaseUnavailable(candidate.cause, depth + 1)
  );
}
