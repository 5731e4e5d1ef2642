import { Inject, Injectable } from '@nestjs/common';
import {
  type AuthModuleOptions,
  type SubjectResolver,
  usesHostStrategy,
} from '@session-service/auth';
import { SESSIONS_MODULE_OPTIONS } from './sessions.module-definition';
import { resolveSessionsOptions, type SessionsSettings } from './sessions.options';
import { SessionsRepository } from './sessions.repository';

/**
 * The issuer a sign-in's `subject` belongs to when it names none: the issuer
 * tokens are verified against (`auth.issuer`, else the OpenID Provider of
 * `auth.jwks.oidcIssuer`, whose tokens carry it as `iss`); undefined when
 * neither is configured or the host verifies tokens with its own strategy,
 * and then a `subject` needs its `issuer`.
 */
export function defaultSubjectIssuer(auth: AuthModuleOptions | undefined): string | undefined {
  if (!auth || usesHostStrategy(auth)) return undefined;
  return auth.issuer ?? auth.jwks?.oidcIssuer ?? undefined;
}

/**
 * Resolves an identity provider's subject to the user id recorded for it at
 * sign-in (`SUBJECT_RESOLVER`, asked by the JWT strategy when a token's `sub`
 * is not an integer user id). Found mappings are kept in memory for
 * `subjectCacheMs` (default 60 s), at most `subjectCacheMaxEntries` (default
 * 10 000) of them, the least recently used dropped first. A mapping never
 * changes once recorded, so the cache is only stale for a user deleted
 * meanwhile. An unknown subject is never cached: a sign-in recorded a moment
 * ago resolves on the next request. Reads go to the primary for the same reason.
 */
@Injectable()
export class SubjectsService implements SubjectResolver {
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  /** Insertion order is recency: a hit moves its entry to the end. */
  private readonly cache = new Map<string, { userId: string; until: number }>();

  constructor(
    private readonly repository: SessionsRepository,
    @Inject(SESSIONS_MODULE_OPTIONS) options: SessionsSettings,
  ) {
    const resolved = resolveSessionsOptions(options);
    this.ttlMs = resolved.subjectCacheMs;
    this.maxEntries = resolved.subjectCacheMaxEntries;
  }

  async resolve(issuer: string, subject: string): Promise<string | null> {
    if (this.ttlMs <= 0 || this.maxEntries <= 0) {
      return this.repository.resolveSubject(issuer, subject);
    }
    // Neither part may contain NUL (never stored), so it separates them unambiguously.
    const key = `${issuer}\u0000${subject}`;
    const now = Date.now();
    const cached = this.cache.get(key);
    if (cached) {
      this.cache.delete(key);
      if (cached.until > now) {
        this.cache.set(key, cached);
        return cached.userId;
      }
    }
    const userId = await this.repository.resolveSubject(issuer, subject);
    if (userId !== null) {
      this.cache.delete(key);
      this.cache.set(key, { userId, until: now + this.ttlMs });
      while (this.cache.size > this.maxEntries) {
        this.cache.delete(this.cache.keys().next().value!);
      }
    }
    return userId;
  }

  /** Mappings held in this instance's cache now. */
  get cachedEntries(): number {
    return this.cache.size;
  }
}
