import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, type Registry } from 'prom-client';
import { METRICS_REGISTRY } from './metrics.tokens';

/** The reasons `@session-service/sessions` gives for ended sessions (its `SessionEndReason`). */
export const SESSION_END_REASONS = ['user', 'admin', 'service', 'policy', 'expired'] as const;

/**
 * Counters of recorded and ended sessions and the revocation feed's lag,
 * shaped as the `SessionsObserver` of `@session-service/sessions`
 * (structurally: this library does not depend on that one). Provide it as the
 * observer: `{ provide: SESSIONS_OBSERVER, useExisting: SessionMetrics }` in a
 * global module. No label carries a user, a tenant or a session.
 */
@Injectable()
export class SessionMetrics {
  private readonly recorded: Counter;
  private readonly ended: Counter<'reason'>;
  private readonly feedLag: Histogram;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.recorded = new Counter({
      name: 'sessions_recorded_total',
      help: 'Sign-ins recorded',
      registers: [registry],
    });
    this.ended = new Counter({
      name: 'sessions_revoked_total',
      help: 'Sessions ended, by reason: revoked by a user, an admin or a service, ended by a session limit (policy), or found expired by the sweeper',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.feedLag = new Histogram({
      name: 'revocation_feed_lag_seconds',
      help: 'Time from a revocation to a revocation feed reader (page or stream) receiving it',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
      registers: [registry],
    });
    // Every reason reads 0 from the start, so a rate over it never lacks a series.
    for (const reason of SESSION_END_REASONS) this.ended.inc({ reason }, 0);
  }

  sessionRecorded(): void {
    this.recorded.inc();
  }

  sessionsEnded(event: { reason: string; count: number }): void {
    this.ended.inc({ reason: event.reason }, event.count);
  }

  revocationsRead(event: { lagSeconds: number[] }): void {
    for (const seconds of event.lagSeconds) this.feedLag.observe(seconds);
  }
}
