import { Inject, Injectable } from '@nestjs/common';
import { ProblemError, UserNotFoundError, ValidationFailedError } from '@session-service/problem';
import {
  defaultTenantSettings,
  effectiveLimit,
  type SessionLimit,
  type TenantRow,
  type TenantSettings,
  tenantViolations,
  type UserSessionLimit,
} from './session-policy';
import { SESSIONS_MODULE_OPTIONS } from './sessions.module-definition';
import {
  type ResolvedSessionsOptions,
  resolveSessionsOptions,
  type SessionLimitPolicy,
  type SessionsSettings,
} from './sessions.options';
import { TenantsRepository } from './tenants.repository';
import { decodeTenantCursor, encodeTenantCursor } from './tenant-cursor';

/**
 * Tenants: their CRUD, and the cached read a sign-in takes its policy from.
 * A tenant read (or found missing) is reused for `tenantCacheMs` (default
 * 60 s), at most `tenantCacheMaxEntries` (default 10 000) of them, the least
 * recently used dropped first. A change through this instance drops its
 * entry at once; through another instance it is seen within `tenantCacheMs`.
 */
@Injectable()
export class TenantsService {
  private readonly options: ResolvedSessionsOptions;
  /** Insertion order is recency: a hit moves its entry to the end. */
  private readonly cache = new Map<string, { tenant: TenantRow | undefined; until: number }>();

  constructor(
    private readonly repository: TenantsRepository,
    @Inject(SESSIONS_MODULE_OPTIONS) options: SessionsSettings,
  ) {
    this.options = resolveSessionsOptions(options);
  }

  /** The tenant as this instance knows it (see the class comment); undefined: none. */
  async cached(tenantId: string): Promise<TenantRow | undefined> {
    const { tenantCacheMs: ttl, tenantCacheMaxEntries: max } = this.options;
    if (ttl <= 0 || max <= 0) return this.repository.find(tenantId);
    const now = Date.now();
    const hit = this.cache.get(tenantId);
    if (hit) {
      this.cache.delete(tenantId);
      if (hit.until > now) {
        this.cache.set(tenantId, hit);
        return hit.tenant;
      }
    }
    const tenant = await this.repository.find(tenantId);
    this.cache.delete(tenantId);
    this.cache.set(tenantId, { tenant, until: now + ttl });
    while (this.cache.size > max) this.cache.delete(this.cache.keys().next().value!);
    return tenant;
  }

  /** The service's own policy past a limit (`limitPolicy`). */
  get defaultLimitPolicy(): SessionLimitPolicy {
    return this.options.limitPolicy;
  }

  /** Tenants held in this instance's cache now (found or missing). */
  get cachedEntries(): number {
    return this.cache.size;
  }

  /**
   * The tenant a sign-in's `tenant_id` names; undefined for none given, or
   * one naming no tenant under `unknownTenant: 'defaults'`; a 400 naming
   * `tenant_id` under `reject`.
   */
  async forSignIn(tenantId: string | undefined): Promise<TenantRow | undefined> {
    if (tenantId === undefined) return undefined;
    const tenant = await this.cached(tenantId);
    if (!tenant && this.options.unknownTenant === 'reject') {
      throw ValidationFailedError.forField(
        'tenant_id',
        'enum',
        'tenant_id must name an existing tenant',
        tenantId,
      );
    }
    return tenant;
  }

  async get(tenantId: string): Promise<TenantRow> {
    const tenant = await this.repository.find(tenantId);
    if (!tenant) throw tenantNotFound(tenantId);
    return tenant;
  }

  /** Creates a tenant; settings left out are the service's own. 409 when it exists. */
  async create(tenantId: string, given: Partial<TenantSettings>): Promise<TenantRow> {
    const settings = { ...defaultTenantSettings(this.options), ...defined(given) };
    this.check(settings, new Set(Object.keys(defined(given))));
    const row = await this.repository.insert(tenantId, settings);
    this.forget(tenantId);
    if (!row) {
      throw ProblemError.fromTemplate('tenantExists', 'default', { tenant_id: tenantId });
    }
    return row;
  }

  /** Changes the settings given; the result must still keep to the rules. */
  async update(tenantId: string, given: Partial<TenantSettings>): Promise<TenantRow> {
    const changes = defined(given);
    const row = await this.repository.update(tenantId, (current) => {
      const settings: TenantSettings = { ...settingsOf(current), ...changes };
      this.check(settings, new Set(Object.keys(changes)));
      return settings;
    });
    this.forget(tenantId);
    if (!row) throw tenantNotFound(tenantId);
    return row;
  }

  async remove(tenantId: string): Promise<void> {
    const removed = await this.repository.remove(tenantId);
    this.forget(tenantId);
    if (!removed) throw tenantNotFound(tenantId);
  }

  /** One page of tenants by id, and the cursor of the next one (null at the end). */
  async list(
    limit: number,
    cursor?: string,
  ): Promise<{ rows: TenantRow[]; nextCursor: string | null }> {
    const after = cursor === undefined ? undefined : decodeTenantCursor(cursor);
    const rows = await this.repository.page(limit + 1, after);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      rows: page,
      nextCursor: rows.length > limit && last ? encodeTenantCursor(last.tenant_id) : null,
    };
  }

  /** Sets a user's own limit; 404 when the user does not exist (in the host's directory, if any). */
  async putUserLimit(userId: string, limit: UserSessionLimit): Promise<SessionLimit> {
    const directory = this.options.userDirectory;
    const known = directory ? await directory.exists(userId) : false;
    if (directory && !known) throw new UserNotFoundError(userId);
    const row = await this.repository.putUserLimit(userId, limit, known);
    if (!row) throw new UserNotFoundError(userId);
    return { ...row, source: 'user' };
  }

  /**
   * Clears a user's own limit, if they have one (clearing none changes nothing);
   * 404 when the user does not exist (in the host's directory, if any).
   */
  async removeUserLimit(userId: string): Promise<void> {
    const { removed, userExists } = await this.repository.removeUserLimit(userId);
    if (removed || userExists) return;
    const directory = this.options.userDirectory;
    if (!directory || !(await directory.exists(userId))) throw new UserNotFoundError(userId);
  }

  /** The limit a user is held to at their next sign-in of `tenantId`. */
  async limitOf(userId: string, tenantId: string | null): Promise<SessionLimit> {
    const [user, tenant] = await Promise.all([
      this.repository.findUserLimit(userId),
      tenantId === null ? undefined : this.cached(tenantId),
    ]);
    return effectiveLimit(this.options, tenant, user);
  }

  private check(settings: TenantSettings, named: ReadonlySet<string>): void {
    const violations = tenantViolations(settings, this.options, named);
    if (violations.length) throw new ValidationFailedError(violations);
  }

  private forget(tenantId: string): void {
    this.cache.delete(tenantId);
  }
}

function tenantNotFound(tenantId: string): ProblemError {
  return ProblemError.fromTemplate('tenantNotFound', 'default', { tenant_id: tenantId });
}

function settingsOf(row: TenantRow): TenantSettings {
  return {
    absolute_ttl_seconds: row.absolute_ttl_seconds,
    min_absolute_ttl_seconds: row.min_absolute_ttl_seconds,
    max_absolute_ttl_seconds: row.max_absolute_ttl_seconds,
    idle_timeout_seconds: row.idle_timeout_seconds,
    min_idle_timeout_seconds: row.min_idle_timeout_seconds,
    max_idle_timeout_seconds: row.max_idle_timeout_seconds,
    max_sessions: row.max_sessions,
    limit_policy: row.limit_policy,
  };
}

/** The members actually given (a JSON body leaves the others undefined). */
function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
