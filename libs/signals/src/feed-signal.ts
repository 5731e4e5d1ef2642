import { Injectable } from '@nestjs/common';
import type { SessionsObserver } from '@session-service/sessions';

/**
 * Wakes this instance's delivery worker and waiting polls as soon as this
 * instance records a sign-in or ends sessions, instead of at their next look
 * at the feed. Provide it (or combine it, `combineSessionsObservers`) as the
 * sessions library's `SESSIONS_OBSERVER`: its calls come after the change has
 * committed. Changes made by other instances are found by the periodic look
 * (`deliveryIntervalMs`); a wake is only ever a shortcut.
 */
@Injectable()
export class FeedSignal implements SessionsObserver {
  /** Bumped by every wake: a waiter that saw an older value wakes at once. */
  private count = 0;
  private readonly waiters = new Set<() => void>();

  /** The wake count now: give it to `wait` to catch a wake that comes in between. */
  get generation(): number {
    return this.count;
  }

  sessionRecorded(): void {
    this.wake();
  }

  sessionsEnded(): void {
    this.wake();
  }

  /** Wakes every waiter. */
  wake(): void {
    this.count++;
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const resolve of waiters) resolve();
  }

  /**
   * Resolves `true` at the next wake (at once when one came after
   * `since`), or `false` after `ms`.
   */
  wait(ms: number, since = this.count): Promise<boolean> {
    if (since !== this.count) return Promise.resolve(true);
    return new Promise((resolve) => {
      const woken = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(woken);
        resolve(false);
      }, ms);
      timer.unref();
      this.waiters.add(woken);
    });
  }
}
