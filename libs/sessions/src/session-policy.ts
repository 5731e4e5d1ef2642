import type { FieldViolation } from '@session-service/problem';
import type { ResolvedSessionsOptions, SessionLimitPolicy } from './sessions.options';

/** A tenant as stored (and as `GET /api/tenants/{tenant_id}` answers it). */
export interface TenantRow {
  tenant_id: string;
  absolute_ttl_seconds: number;
  min_absolute_ttl_seconds: number;
  max_absolute_ttl_seconds: number;
  idle_timeout_seconds: number;
  min_idle_timeout_seconds: number;
  max_idle_timeout_seconds: number;
  /** Active sessions one user of the tenant may hold; null: no limit. */
  max_sessions: number | null;
  limit_policy: SessionLimitPolicy;
  created_at: string;
  updated_at: string;
}

/** A tenant's settings: everything but its id and timestamps. */
export type TenantSettings = Omit<TenantRow, 'tenant_id' | 'created_at' | 'updated_at'>;

/** An admin's limit for one user: beats the tenant's and the service's. */
export interface UserSessionLimit {
  max_sessions: number | null;
  limit_policy: SessionLimitPolicy;
}

/** Where a user's effective limit comes from. */
export type SessionLimitSource = 'user' | 'tenant' | 'default';

/** The concurrent-session limit a sign-in is held to. */
export interface SessionLimit {
  /** null: no limit. */
  max_sessions: number | null;
  limit_policy: SessionLimitPolicy;
  source: SessionLimitSource;
}

/** Lifetimes a sign-in gets, and the bounds its own values must keep to. */
export interface LifetimePolicy {
  absoluteTtlSeconds: number;
  minAbsoluteTtlSeconds: number;
  maxAbsoluteTtlSeconds: number;
  idleTimeoutSeconds: number;
  minIdleTimeoutSeconds: number;
  maxIdleTimeoutSeconds: number;
}

/** A new tenant's settings where the request leaves them out: the service's own, now. */
export function defaultTenantSettings(o: ResolvedSessionsOptions): TenantSettings {
  return {
    absolute_ttl_seconds: o.absoluteTtlSeconds,
    min_absolute_ttl_seconds: o.minAbsoluteTtlSeconds,
    max_absolute_ttl_seconds: o.maxAbsoluteTtlSeconds,
    idle_timeout_seconds: o.idleTimeoutSeconds,
    min_idle_timeout_seconds: o.minIdleTimeoutSeconds,
    max_idle_timeout_seconds: o.maxIdleTimeoutSeconds,
    max_sessions: o.maxSessionsPerUser,
    limit_policy: o.limitPolicy,
  };
}

/** The lifetimes of a sign-in of `tenant` (absent: the service's own). */
export function lifetimePolicy(
  o: ResolvedSessionsOptions,
  tenant?: TenantSettings,
): LifetimePolicy {
  if (!tenant) return o;
  return {
    absoluteTtlSeconds: tenant.absolute_ttl_seconds,
    minAbsoluteTtlSeconds: tenant.min_absolute_ttl_seconds,
    maxAbsoluteTtlSeconds: tenant.max_absolute_ttl_seconds,
    idleTimeoutSeconds: tenant.idle_timeout_seconds,
    minIdleTimeoutSeconds: tenant.min_idle_timeout_seconds,
    maxIdleTimeoutSeconds: tenant.max_idle_timeout_seconds,
  };
}

/**
 * The limit a user is held to: an admin's per-user limit, else their
 * tenant's (a tenant's `max_sessions` null means no limit, whatever the
 * service's default), else the service's (`maxSessionsPerUser`, `limitPolicy`).
 */
export function effectiveLimit(
  o: ResolvedSessionsOptions,
  tenant: TenantSettings | undefined,
  user: UserSessionLimit | undefined,
): SessionLimit {
  if (user)
    return { max_sessions: user.max_sessions, limit_policy: user.limit_policy, source: 'user' };
  if (tenant) {
    return {
      max_sessions: tenant.max_sessions,
      limit_policy: tenant.limit_policy,
      source: 'tenant',
    };
  }
  return { max_sessions: o.maxSessionsPerUser, limit_policy: o.limitPolicy, source: 'default' };
}

/** Largest `max_sessions` accepted anywhere. */
export const MAX_SESSIONS_LIMIT = 10_000;

/**
 * A tenant's settings that break the rules, one violation per field: each
 * lifetime within its own min and max, each min and max within the service's
 * global bounds, `max_sessions` null or 1..MAX_SESSIONS_LIMIT. Only fields in
 * `named` are blamed (a PATCH names what it sent); a rule broken by fields
 * none of which was sent blames the first.
 */
export function tenantViolations(
  s: TenantSettings,
  o: ResolvedSessionsOptions,
  named?: ReadonlySet<string>,
): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const blame = (fields: (keyof TenantSettings)[], description: string) => {
    const field = fields.find((f) => !named || named.has(f)) ?? fields[0];
    if (violations.some((v) => v.field === field)) return;
    violations.push({ field, code: 'range', description, value: s[field] });
  };
  const family = (
    kind: 'absolute_ttl_seconds' | 'idle_timeout_seconds',
    globalMin: number,
    globalMax: number,
  ) => {
    const min = `min_${kind}` as keyof TenantSettings;
    const max = `max_${kind}` as keyof TenantSettings;
    const [lo, value, hi] = [s[min], s[kind], s[max]] as number[];
    for (const field of [min, kind, max]) {
      const v = s[field] as number;
      if (v < globalMin || v > globalMax) {
        blame([field], `${field} must be between ${globalMin} and ${globalMax}`);
      }
    }
    if (lo > hi) blame([min, max], `${min} must not exceed ${max}`);
    if (value < lo) blame([kind, min], `${kind} must be at least ${min} (${lo})`);
    if (value > hi) blame([kind, max], `${kind} must be at most ${max} (${hi})`);
  };
  family('absolute_ttl_seconds', o.minAbsoluteTtlSeconds, o.maxAbsoluteTtlSeconds);
  family('idle_timeout_seconds', o.minIdleTimeoutSeconds, o.maxIdleTimeoutSeconds);
  return violations;
}
