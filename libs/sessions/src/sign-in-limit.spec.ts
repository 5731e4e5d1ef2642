import { ProblemError } from '@session-service/problem';
import type { CreateSessionRequest } from './dto/create-session.request';
import type { SessionLimit, TenantRow } from './session-policy';
import { SessionStateService } from './session-state.service';
import type { SessionsSettings } from './sessions.options';
import type { LimitedSignIn, NewSession, SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import type { TenantsService } from './tenants.service';

/** Which way each sign-in went, and with what. */
class FakeRepository {
  readonly calls: {
    way: 'one statement' | 'limited';
    session: NewSession;
    limit?: SessionLimit;
  }[] = [];
  /** What the one statement answers: undefined when the user has a limit of their own. */
  unlimitedAnswer: object | undefined = { id: 'plain' };
  limitedAnswer: LimitedSignIn = { row: { id: 'limited' } as never, revoked: 1 };

  insert(session: NewSession): Promise<object | undefined> {
    this.calls.push({ way: 'one statement', session });
    return Promise.resolve(this.unlimitedAnswer);
  }

  insertWithinLimit(session: NewSession, limit: SessionLimit): Promise<LimitedSignIn> {
    this.calls.push({ way: 'limited', session, limit });
    return Promise.resolve(this.limitedAnswer);
  }
}

const tenant = (overrides: Partial<TenantRow> = {}): TenantRow => ({
  tenant_id: 'tnt',
  absolute_ttl_seconds: 7200,
  min_absolute_ttl_seconds: 60,
  max_absolute_ttl_seconds: 7200,
  idle_timeout_seconds: 600,
  min_idle_timeout_seconds: 60,
  max_idle_timeout_seconds: 900,
  max_sessions: null,
  limit_policy: 'evict-oldest',
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

function setup(options: SessionsSettings = {}, known?: TenantRow) {
  const repository = new FakeRepository();
  const asRepository = repository as unknown as SessionsRepository;
  const state = new SessionStateService(asRepository, {});
  const forgotten: string[] = [];
  state.forgetUser = (userId: string) => void forgotten.push(userId);
  const tenants = {
    forSignIn: (id: string | undefined) =>
      Promise.resolve(id !== undefined && known?.tenant_id === id ? known : undefined),
  } as unknown as TenantsService;
  const service = new SessionsService(asRepository, state, options, undefined, tenants);
  return { repository, service, forgotten };
}

const signIn = (overrides: Partial<CreateSessionRequest> = {}): CreateSessionRequest => ({
  user_id: 1001,
  username: 'alice',
  amr: ['pwd'],
  ip: '192.0.2.1',
  user_agent: 'ua',
  ...overrides,
});

describe('SessionsService.recordSignIn under session limits', () => {
  it('takes one statement when no limit applies, and the limited way when it recorded nothing', async () => {
    const { repository, service } = setup();
    await expect(service.recordSignIn(signIn())).resolves.toEqual({ id: 'plain' });
    expect(repository.calls.map((c) => c.way)).toEqual(['one statement']);
    repository.unlimitedAnswer = undefined;
    await expect(service.recordSignIn(signIn())).resolves.toEqual({ id: 'limited' });
    expect(repository.calls.map((c) => c.way)).toEqual([
      'one statement',
      'one statement',
      'limited',
    ]);
  });

  it('goes the limited way at once under the service’s or the tenant’s limit', async () => {
    const { repository, service } = setup(
      { maxSessionsPerUser: 4, limitPolicy: 'deny' },
      tenant({ max_sessions: 2 }),
    );
    await service.recordSignIn(signIn());
    await service.recordSignIn(signIn({ tenant_id: 'tnt' }));
    expect(repository.calls.map((c) => [c.way, c.limit])).toEqual([
      ['limited', { max_sessions: 4, limit_policy: 'deny', source: 'default' }],
      ['limited', { max_sessions: 2, limit_policy: 'evict-oldest', source: 'tenant' }],
    ]);
  });

  it('takes the tenant’s lifetimes', async () => {
    const { repository, service } = setup({}, tenant());
    await service.recordSignIn(signIn({ tenant_id: 'tnt' }));
    expect(repository.calls[0].session).toMatchObject({
      ttlSeconds: 7200,
      idleTimeoutSeconds: 600,
    });
  });

  it('goes the limited way for a sign-in with a device when devices are replaced', async () => {
    const { repository, service } = setup({ replaceSameDevice: true });
    await service.recordSignIn(signIn());
    await service.recordSignIn(signIn({ device_id: 'dev' }));
    expect(repository.calls.map((c) => c.way)).toEqual(['one statement', 'limited']);
  });

  it('forgets the user’s cached session states when it revoked some', async () => {
    const { service, forgotten } = setup({ maxSessionsPerUser: 1 });
    await service.recordSignIn(signIn());
    expect(forgotten).toEqual(['1001']);
  });

  it('answers 409 session-limit-reached when denied', async () => {
    const { repository, service } = setup({ maxSessionsPerUser: 3, limitPolicy: 'deny' });
    repository.limitedAnswer = {
      revoked: 0,
      denied: { max_sessions: 3, limit_policy: 'deny', source: 'user' },
    };
    const error = (await service.recordSignIn(signIn()).catch((e: unknown) => e)) as ProblemError;
    expect(error).toBeInstanceOf(ProblemError);
    expect(error.getStatus()).toBe(409);
    expect(error.definition.slug).toBe('session-limit-reached');
    expect(error.i18nArgs).toEqual({ user_id: '1001', max_sessions: 3 });
  });
});
