import { Inject, Injectable } from '@nestjs/common';
import type { SessionStateChecker } from '@session-service/auth';
import { SESSIONS_MODULE_OPTIONS } from './sessions.module-definition';
import { resolveSessionsOptions, type SessionsSettings } from './sessions.options';
import { SessionsRepository } from './sessions.repository';

/** Entries kept at most; past it the oldest half is dropped. */
const MAX_ENTRIES = 50_000;

/**
 * Answers the JWT guard's "is this token's session still active?". Without a
 * cache (the default) every request makes one primary-key lookup, so a
 * revocation takes effect on the next request. With `sessionStateCacheMs`, an
 * answer is reused for at most that long: the documented staleness bound.
 */
@Injectable()
export class SessionStateService implements SessionStateChecker {
  private readonly ttlMs: number;
  private readonly cache = new Map<string, { userId: string; active: boolean; until: number }>();

  constructor(
    private readonly repository: SessionsRepository,
    @Inject(SESSIONS_MODULE_OPTIONS) options: SessionsSettings,
  ) {
    this.ttlMs = resolveSessionsOptions(options).sessionStateCacheMs;
  }

  async isActive(sessionId: string, userId: string): Promise<boolean> {
    if (this.ttlMs <= 0) return this.repository.isActive(sessionId, userId);
    const now = Date.now();
    const cached = this.cache.get(sessionId);
    if (cached && cached.userId === userId && cached.until > now) return cached.active;
    const active = await this.repository.isActive(sessionId, userId);
    if (this.cache.size >= MAX_ENTRIES) this.evictOldest();
    this.cache.set(sessionId, { userId, active, until: now + this.ttlMs });
    return active;
  }

  /** Drops this instance's cached answer at once, e.g. right after a local revocation. */
  forget(sessionId: string): void {
    this.cache.delete(sessionId);
  }

  /** Drops this instance's cached answers for every session of a user. */
  forgetUser(userId: string): void {
    for (const [sessionId, entry] of this.cache) {
      if (entry.userId === userId) this.cache.delete(sessionId);
    }
  }

  private evictOldest(): void {
    let drop = this.cache.size / 2;
    for (const key of this.cache.keys()) {
      if (drop-- <= 0) break;
      this.cache.delete(key);
    }
  }
}
