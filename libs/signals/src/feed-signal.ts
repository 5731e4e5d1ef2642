import { Injectable } from '@nestjs/common';
import type { SessionsObserver } from '@session-service/sessions';

interface Waiter {
  /** Woken by sign-ins too, not only by revocations. */
  signIns: boolean;
  resolve: () => void;
}

/**
 * Wakes this instance's delivery worker and waiting polls as soon as this
 * instance records a sign-in or ends sessions, instead of at their next look
 * at the feed. Provide it (or combine it, `combineSessionsObservers`) as the
 * sessions library's `SESSIONS_OBSERVER`: its calls come after the change has
 * committed. Changes made by other instances are found by the periodic look
 * (`deliveryIntervalMs`); a wake is only ever a shortcut. A waiter that has
 * no use for sign-ins (a poll of a stream without `session-established`) is
 * not woken by them.
 */
@Injectable()
export class FeedSignal implements SessionsObserver {
  private revocations = 0;
  private signIns = 0;
  private readonly waiters = new Set<Waiter>();

  /** The wake count now: give it to `wait` to catch a wake that comes in between. */
  generation(signIns = true): number {
    return this.revocations + (signIns ? this.signIns : 0);
  }

  sessionRecorded(): void {
    this.signIns++;
    this.resolve((w) => w.signIns);
  }

  sessionsEnded(): void {
    this.wake();
  }

  /** Wakes every waiter (a revocation, a queued event, shutdown). */
  wake(): void {
    this.revocations++;
    this.resolve(() => true);
  }

  /**
   * Resolves `true` at the next wake (at once when one came after the
   * `since` generation), or `false` after `ms`; sign-ins count only with
   * `signIns` (the default).
   */
  wait(ms: number, since?: number, signIns = true): Promise<boolean> {
    if (since !== undefined && since !== this.generation(signIns)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        signIns,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(false);
      }, ms);
      timer.unref();
      this.waiters.add(waiter);
    });
  }

  private resolve(which: (waiter: Waiter) => boolean): void {
    for (const waiter of [...this.waiters]) {
      if (!which(waiter)) continue;
      this.waiters.delete(waiter);
      waiter.resolve();
    }
  }
}
