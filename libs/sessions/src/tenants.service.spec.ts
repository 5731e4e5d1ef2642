import { ValidationFailedError } from '@session-service/problem';
import type { TenantRow } from './session-policy';
import type { SessionsSettings } from './sessions.options';
import type { TenantsRepository } from './tenants.repository';
import { TenantsService } from './tenants.service';

const row = (id: string): TenantRow => ({
  tenant_id: id,
  absolute_ttl_seconds: 3600,
  min_absolute_ttl_seconds: 60,
  max_absolute_ttl_seconds: 7200,
  idle_timeout_seconds: 600,
  min_idle_timeout_seconds: 60,
  max_idle_timeout_seconds: 900,
  max_sessions: null,
  limit_policy: 'evict-oldest',
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
});

class FakeRepository {
  reads = 0;
  readonly tenants = new Map<string, TenantRow>();

  find(id: string): Promise<TenantRow | undefined> {
    this.reads++;
    return Promise.resolve(this.tenants.get(id));
  }

  insert(id: string): Promise<TenantRow | undefined> {
    if (this.tenants.has(id)) return Promise.resolve(undefined);
    this.tenants.set(id, row(id));
    return Promise.resolve(this.tenants.get(id));
  }
}

function setup(options: SessionsSettings = {}) {
  const repository = new FakeRepository();
  const service = new TenantsService(repository as unknown as TenantsRepository, options);
  return { repository, service };
}

describe('TenantsService', () => {
  afterEach(() => vi.useRealTimers());

  it('reuses a tenant it has read, and a miss, for tenantCacheMs', async () => {
    vi.useFakeTimers({ now: 0 });
    const { repository, service } = setup({ tenantCacheMs: 1000 });
    repository.tenants.set('a', row('a'));
    await expect(service.cached('a')).resolves.toMatchObject({ tenant_id: 'a' });
    await expect(service.cached('a')).resolves.toMatchObject({ tenant_id: 'a' });
    await expect(service.cached('b')).resolves.toBeUndefined();
    await expect(service.cached('b')).resolves.toBeUndefined();
    expect(repository.reads).toBe(2);
    vi.setSystemTime(1001);
    await service.cached('a');
    expect(repository.reads).toBe(3);
  });

  it('keeps at most tenantCacheMaxEntries, dropping the least recently used', async () => {
    const { repository, service } = setup({ tenantCacheMaxEntries: 2 });
    await service.cached('a');
    await service.cached('b');
    await service.cached('a');
    await service.cached('c');
    expect(service.cachedEntries).toBe(2);
    const reads = repository.reads;
    await service.cached('a');
    expect(repository.reads).toBe(reads);
    await service.cached('b');
    expect(repository.reads).toBe(reads + 1);
  });

  it('forgets a tenant it creates, so a cached miss does not outlive it', async () => {
    const { repository, service } = setup();
    await expect(service.cached('a')).resolves.toBeUndefined();
    await service.create('a', {});
    await expect(service.cached('a')).resolves.toMatchObject({ tenant_id: 'a' });
    expect(repository.reads).toBe(2);
  });

  it('reads every time with tenantCacheMs 0', async () => {
    const { repository, service } = setup({ tenantCacheMs: 0 });
    await service.cached('a');
    await service.cached('a');
    expect(repository.reads).toBe(2);
  });

  it('lets an unknown tenant through under defaults, refuses it under reject', async () => {
    await expect(setup().service.forSignIn('ghost')).resolves.toBeUndefined();
    await expect(setup().service.forSignIn(undefined)).resolves.toBeUndefined();
    const error: unknown = await setup({ unknownTenant: 'reject' })
      .service.forSignIn('ghost')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationFailedError);
    expect((error as ValidationFailedError).violations).toEqual([
      expect.objectContaining({ field: 'tenant_id', value: 'ghost' }),
    ]);
  });
});
