import { Inject, Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { METRICS_REGISTRY } from './metrics.tokens';
import type { Registry } from 'prom-client';

/** The reasons `@session-service/auth` gives for a refused token (its `VerifyFailureReason`). */
export const VERIFY_FAILURE_REASONS = [
  'expired',
  'signature',
  'unknown_kid',
  'claims',
  'malformed',
  'session',
] as const;

/**
 * Counters of key management and token verification, shaped as the
 * `AuthObserver` of `@session-service/auth` (structurally: this library does
 * not depend on that one). Provide it as the observer:
 * `{ provide: AUTH_OBSERVER, useExisting: AuthMetrics }` in a global module.
 * No label ever carries a token, a `kid` or a user.
 */
@Injectable()
export class AuthMetrics {
  private readonly fetches: Counter;
  private readonly fetchFailures: Counter;
  private readonly keyChanges: Counter<'change'>;
  private readonly verifyFailures: Counter<'reason'>;

  constructor(@Inject(METRICS_REGISTRY) registry: Registry) {
    this.fetches = new Counter({
      name: 'jwks_fetches_total',
      help: 'JWKS fetches that succeeded',
      registers: [registry],
    });
    this.fetchFailures = new Counter({
      name: 'jwks_fetch_failures_total',
      help: 'JWKS (or OIDC discovery) fetches that failed or timed out',
      registers: [registry],
    });
    this.keyChanges = new Counter({
      name: 'jwks_key_changes_total',
      help: 'Keys added to or dropped from the JWKS between fetches',
      labelNames: ['change'],
      registers: [registry],
    });
    this.verifyFailures = new Counter({
      name: 'jwt_verify_failures_total',
      help: 'Presented bearer tokens refused, by reason',
      labelNames: ['reason'],
      registers: [registry],
    });
    // Every reason reads 0 from the start, so a rate over it never lacks a series.
    for (const reason of VERIFY_FAILURE_REASONS) this.verifyFailures.inc({ reason }, 0);
    this.keyChanges.inc({ change: 'added' }, 0);
    this.keyChanges.inc({ change: 'dropped' }, 0);
  }

  jwksFetched(): void {
    this.fetches.inc();
  }

  jwksFailed(): void {
    this.fetchFailures.inc();
  }

  keyAdded(): void {
    this.keyChanges.inc({ change: 'added' });
  }

  keyDropped(): void {
    this.keyChanges.inc({ change: 'dropped' });
  }

  verifyFailed(reason: string): void {
    this.verifyFailures.inc({ reason });
  }
}
