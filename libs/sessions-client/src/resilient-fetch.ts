/**
 * The `fetch` the client gives openapi-fetch for each call: it retries an
 * idempotent request the service answered 503 or 429, waiting as `Retry-After`
 * says (or backing off exponentially with jitter when it says nothing), and
 * turns a request that got no answer into a {@link SessionsClientNetworkError}.
 *
 * It is a `fetch` wrapper rather than an openapi-fetch middleware because a
 * retry sends the request again, which a middleware cannot do.
 */
import { parseRetryAfterMs, SessionsClientNetworkError } from './errors';

/** Methods that may be sent again without changing the outcome (RFC 9110 §9.2.2). */
export const RETRIED_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
/** Answers that say "try again later". */
export const RETRIED_STATUSES: ReadonlySet<number> = new Set([429, 503]);

export interface RetryPolicy {
  /** Retries after the first attempt (0: none). */
  retries: number;
  /** Upper bound of one wait, also of a longer `Retry-After`. */
  maxRetryDelayMs: number;
  /** First back-off step when the answer has no `Retry-After`; doubles at each retry. */
  retryDelayMs: number;
  /** `Date.now()` past which no retry starts (the call's time limit); the last answer is returned instead. */
  deadline?: number;
  /** Called before each wait, e.g. to log it. */
  onRetry?: (event: RetryEvent) => void;
}

export interface RetryEvent {
  method: string;
  url: string;
  /** The retry about to be sent: 1 for the first retry. */
  attempt: number;
  status: number;
  delayMs: number;
}

type Fetch = (request: Request) => Promise<Response>;

/** How long to wait before retry number `attempt + 1` after `response`. */
export function retryDelay(response: Response, attempt: number, policy: RetryPolicy): number {
  const cap = Math.max(0, policy.maxRetryDelayMs);
  const asked = parseRetryAfterMs(response.headers.get('retry-after'));
  if (asked !== undefined) return Math.min(asked, cap);
  // "Full jitter": uniformly between 0 and the exponential step.
  return Math.floor(Math.random() * Math.min(cap, policy.retryDelayMs * 2 ** attempt));
}

export function resilientFetch(fetch: Fetch, policy: RetryPolicy): Fetch {
  return async (request) => {
    const retries = RETRIED_METHODS.has(request.method) ? Math.max(0, policy.retries) : 0;
    for (let attempt = 0; ; attempt++) {
      // Every attempt but the last sends a copy, so the request (and its body) stays unread.
      const response = await fetchOnce(fetch, attempt < retries ? copyOf(request) : request);
      if (attempt >= retries || !RETRIED_STATUSES.has(response.status)) return response;
      const delayMs = retryDelay(response, attempt, policy);
      if (policy.deadline !== undefined && Date.now() + delayMs >= policy.deadline) return response;
      policy.onRetry?.({
        method: request.method,
        url: request.url,
        attempt: attempt + 1,
        status: response.status,
        delayMs,
      });
      await response.body?.cancel().catch(() => undefined);
      await sleep(delayMs, request.signal);
    }
  };
}

/**
 * A copy of `request` to send, whose signal follows the request's own. Not
 * `request.clone()` alone: Node's fetch (undici) holds a clone's link to the
 * signal it follows only weakly, so a garbage collection during the call can
 * cut it, and the abort then never reaches the copy (nodejs/undici#4068). A
 * request made with a signal holds that link for as long as it lives.
 */
function copyOf(request: Request): Request {
  return new Request(request.clone(), { signal: request.signal });
}

/**
 * Rejects with the signal's reason once it aborts, whether or not `fetch`
 * heeds it: a time limit holds with any `fetch` the client is given.
 */
function untilAborted(signal: AbortSignal): { promise: Promise<never>; release: () => void } {
  let release = () => {};
  const promise = new Promise<never>((_, reject) => {
    // The reason exactly as the caller (or the time limit) gave it, as fetch itself rejects.
    const abort = () => reject(signal.reason as Error);
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    release = () => signal.removeEventListener('abort', abort);
  });
  return { promise, release };
}

async function fetchOnce(fetch: Fetch, request: Request): Promise<Response> {
  const aborted = untilAborted(request.signal);
  const sent = fetch(request);
  // Once the abort has answered, the fetch's own rejection is nobody's to handle.
  sent.catch(() => undefined);
  try {
    return await Promise.race([sent, aborted.promise]);
  } catch (error) {
    // An abort (the caller's, or the time limit) rejects with the signal's reason, as fetch does.
    if (request.signal.aborted) throw request.signal.reason;
    throw new SessionsClientNetworkError(request.method, request.url, error);
  } finally {
    aborted.release();
  }
}

/** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
