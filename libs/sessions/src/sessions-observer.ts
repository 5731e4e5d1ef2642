import { notify } from '@session-service/auth';

/**
 * Who ended sessions, as counted: the role of the request that revoked them
 * (`user`, `admin`, `service`), `policy` for sessions a session limit ended,
 * `expired` for sessions the sweeper found past their lifetime.
 */
export type SessionEndReason = 'user' | 'admin' | 'service' | 'policy' | 'expired';

/**
 * What the sessions library reports, for metrics or anything else a host
 * wants; every method is optional and none receives a user or a session id.
 * Provide it under `SESSIONS_OBSERVER` (e.g. `MetricsModule`'s
 * `SessionMetrics` of `@session-service/ops`) where `SessionsModule` can see
 * it (a global module); without it nothing is reported.
 */
export interface SessionsObserver {
  /** A sign-in was recorded. */
  sessionRecorded?(): void;
  /** Sessions ended (`count` of them, at least 1), and why. */
  sessionsEnded?(event: { reason: SessionEndReason; count: number }): void;
  /**
   * Revocations handed to a feed reader (a page or the stream): for each, the
   * seconds from the revocation to this moment, the feed's lag as its readers
   * see it.
   */
  revocationsRead?(event: { lagSeconds: number[] }): void;
}

/** Injection token of the optional `SessionsObserver`. */
export const SESSIONS_OBSERVER = Symbol('SESSIONS_OBSERVER');

/** The reason counted for a revocation recorded as `revoked_by` (`user:1`, `admin:7`, `policy`...). */
export function endReasonOf(revokedBy: string): SessionEndReason {
  const role = revokedBy.split(':', 1)[0];
  return role === 'user' || role === 'admin' || role === 'service' ? role : 'policy';
}

/**
 * One observer reporting to several (metrics and the Shared Signals
 * transmitter's `FeedSignal`, say), in order (one that throws does not stop the others); `undefined` entries are left out.
 */
export function combineSessionsObservers(
  ...observers: (SessionsObserver | undefined)[]
): SessionsObserver {
  const present = observers.filter((o): o is SessionsObserver => o !== undefined);
  return {
    sessionRecorded: () => present.forEach((o) => notify(o, 'sessionRecorded')),
    sessionsEnded: (event) => present.forEach((o) => notify(o, 'sessionsEnded', event)),
    revocationsRead: (event) => present.forEach((o) => notify(o, 'revocationsRead', event)),
  };
}
