import {
  defaultTenantSettings,
  effectiveLimit,
  lifetimePolicy,
  type TenantSettings,
  tenantViolations,
} from './session-policy';
import { resolveSessionsOptions } from './sessions.options';
import { decodeTenantCursor, encodeTenantCursor } from './tenant-cursor';

const options = resolveSessionsOptions({
  maxSessionsPerUser: 10,
  limitPolicy: 'deny',
  maxIdleTimeoutSeconds: 7200,
});

const tenant = (overrides: Partial<TenantSettings> = {}): TenantSettings => ({
  ...defaultTenantSettings(options),
  ...overrides,
});

describe('effectiveLimit', () => {
  it('takes the service’s limit when neither the tenant nor the user has one', () => {
    expect(effectiveLimit(options, undefined, undefined)).toEqual({
      max_sessions: 10,
      limit_policy: 'deny',
      source: 'default',
    });
    expect(effectiveLimit(resolveSessionsOptions({}), undefined, undefined)).toEqual({
      max_sessions: null,
      limit_policy: 'evict-oldest',
      source: 'default',
    });
  });

  it('takes the tenant’s over the service’s, a null one lifting the limit', () => {
    const limited = tenant({ max_sessions: 3, limit_policy: 'evict-oldest' });
    expect(effectiveLimit(options, limited, undefined)).toEqual({
      max_sessions: 3,
      limit_policy: 'evict-oldest',
      source: 'tenant',
    });
    expect(effectiveLimit(options, tenant({ max_sessions: null }), undefined)).toMatchObject({
      max_sessions: null,
      source: 'tenant',
    });
  });

  it('takes the user’s own over the tenant’s and the service’s', () => {
    const own = { max_sessions: 1, limit_policy: 'evict-oldest' as const };
    expect(effectiveLimit(options, tenant({ max_sessions: 3 }), own)).toEqual({
      ...own,
      source: 'user',
    });
    expect(effectiveLimit(options, undefined, { ...own, max_sessions: null })).toEqual({
      max_sessions: null,
      limit_policy: 'evict-oldest',
      source: 'user',
    });
  });
});

describe('lifetimePolicy', () => {
  it('is the service’s own without a tenant, the tenant’s with one', () => {
    expect(lifetimePolicy(options).idleTimeoutSeconds).toBe(1800);
    const policy = lifetimePolicy(
      options,
      tenant({
        idle_timeout_seconds: 600,
        max_idle_timeout_seconds: 900,
        absolute_ttl_seconds: 3600,
      }),
    );
    expect(policy).toMatchObject({
      idleTimeoutSeconds: 600,
      maxIdleTimeoutSeconds: 900,
      absoluteTtlSeconds: 3600,
      minAbsoluteTtlSeconds: 60,
    });
  });
});

describe('tenantViolations', () => {
  const fields = (s: TenantSettings, named?: string[]) =>
    tenantViolations(s, options, named && new Set(named)).map((v) => v.field);

  it('accepts the service’s own settings', () => {
    expect(fields(tenant())).toEqual([]);
  });

  it('names a default outside its bounds by the field sent', () => {
    const s = tenant({ idle_timeout_seconds: 1000, max_idle_timeout_seconds: 900 });
    expect(fields(s)).toEqual(['idle_timeout_seconds']);
    expect(fields(s, ['max_idle_timeout_seconds'])).toEqual(['max_idle_timeout_seconds']);
    expect(fields(tenant({ idle_timeout_seconds: 100, min_idle_timeout_seconds: 200 }))).toEqual([
      'idle_timeout_seconds',
    ]);
  });

  it('names bounds outside the service’s and a min above its max', () => {
    expect(fields(tenant({ max_idle_timeout_seconds: 7201 }))).toEqual([
      'max_idle_timeout_seconds',
    ]);
    expect(fields(tenant({ min_absolute_ttl_seconds: 59 }))).toEqual(['min_absolute_ttl_seconds']);
    expect(
      fields(
        tenant({
          min_absolute_ttl_seconds: 5000,
          absolute_ttl_seconds: 4000,
          max_absolute_ttl_seconds: 4000,
        }),
      ),
    ).toContain('min_absolute_ttl_seconds');
  });

  it('describes the rule broken', () => {
    const [violation] = tenantViolations(
      tenant({ idle_timeout_seconds: 1000, max_idle_timeout_seconds: 900 }),
      options,
    );
    expect(violation).toEqual({
      field: 'idle_timeout_seconds',
      code: 'range',
      description: 'idle_timeout_seconds must be at most max_idle_timeout_seconds (900)',
      value: 1000,
    });
  });
});

describe('tenant cursor', () => {
  it('round-trips an id, including one with any characters', () => {
    for (const id of ['tnt_1', 'a|b', 'ünïcode 租户']) {
      expect(decodeTenantCursor(encodeTenantCursor(id))).toBe(id);
    }
  });

  it('refuses a forged or foreign cursor with a 400 naming cursor', () => {
    for (const cursor of ['abc', 't1.', 'k1.dGVzdA', 't1.dGVzdA=']) {
      expect(() => decodeTenantCursor(cursor)).toThrow(
        expect.objectContaining({ violations: [expect.objectContaining({ field: 'cursor' })] }),
      );
    }
  });
});
