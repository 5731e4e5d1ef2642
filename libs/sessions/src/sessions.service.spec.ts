import { UserNotFoundError, ValidationFailedError } from '@session-service/problem';
import type { CreateSessionRequest } from './dto/create-session.request';
import type { SessionRow } from './session.row';
import { decodeListCursor, encodeListCursor, type ListPosition } from './keyset-cursor';
import type {
  AdminListFilter,
  AdminPageItem,
  NewSession,
  SessionsRepository,
  UserSessionsPage,
} from './sessions.repository';
import { SessionStateService } from './session-state.service';
import { SessionsService } from './sessions.service';
import type { SessionsSettings } from './sessions.options';

const storedRow: SessionRow = {
  id: 'c0ffee00-0000-4000-8000-000000000001',
  user_id: '1001',
  tenant_id: null,
  device_id: null,
  device_type: 'desktop',
  ip: '192.168.1.1',
  geoip: null,
  user_agent: 'ua',
  amr: ['pwd'],
  status: 'active',
  created_at: '2026-01-01T00:00:00.000Z',
  authenticated_at: '2026-01-01T00:00:00.000Z',
  last_active_at: '2026-01-01T00:00:00.000Z',
  idle_expires_at: '2026-01-01T00:30:00.000Z',
  expires_at: '2026-01-01T12:00:00.000Z',
};

/** Records every call; answers with whatever the test put in `page` and `active`. */
class FakeRepository {
  readonly inserted: NewSession[] = [];
  readonly pageCalls: Array<{ userId: string; limit: number; offset: number }> = [];
  readonly activePageCalls: Array<{ limit: number; after?: ListPosition; whole: boolean }> = [];
  page: UserSessionsPage = { userExists: true, total: 0, items: [] };
  active: AdminPageItem[] = [];

  insert(session: NewSession): Promise<SessionRow> {
    this.inserted.push(session);
    return Promise.resolve(storedRow);
  }

  findUserSessionsPage(userId: string, limit: number, offset: number): Promise<UserSessionsPage> {
    this.pageCalls.push({ userId, limit, offset });
    return Promise.resolve(this.page);
  }

  /** `active` holds head rows; asked for whole items, it writes them as PostgreSQL would. */
  findActivePage(
    _filter: AdminListFilter,
    limit: number,
    after: ListPosition | undefined,
    whole: boolean,
  ): Promise<AdminPageItem[]> {
    this.activePageCalls.push({ limit, after, whole });
    const rows = this.active.slice(0, limit);
    return Promise.resolve(
      whole
        ? rows.map((row) =>
            'head' in row
              ? {
                  item: `${row.head},"username":${JSON.stringify(row.username)}}`,
                  id: row.id,
                  position_key: row.position_key,
                }
              : row,
          )
        : rows,
    );
  }
}

const MAC_SAFARI =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

function signIn(overrides: Partial<CreateSessionRequest> = {}): CreateSessionRequest {
  return {
    user_id: 1001,
    username: 'alice',
    amr: ['password', 'totp'],
    ip: '192.168.1.1',
    user_agent: MAC_SAFARI,
    ...overrides,
  };
}

function setup(options: SessionsSettings = {}): {
  service: SessionsService;
  repository: FakeRepository;
} {
  const repository = new FakeRepository();
  const service = new SessionsService(
    repository as unknown as SessionsRepository,
    new SessionStateService(repository as unknown as SessionsRepository, {}),
    options,
  );
  return { service, repository };
}

async function validationFailure(promise: Promise<unknown>): Promise<ValidationFailedError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ValidationFailedError) return error;
    throw error;
  }
  throw new Error('expected a ValidationFailedError');
}

describe('SessionsService.recordSignIn', () => {
  it('inserts the session with the default lifetimes and nulls for absent optionals', async () => {
    const { service, repository } = setup();
    await expect(service.recordSignIn(signIn())).resolves.toBe(storedRow);
    expect(repository.inserted).toEqual([
      {
        userId: '1001',
        username: 'alice',
        tenantId: null,
        deviceId: null,
        deviceType: 'desktop',
        ip: '192.168.1.1',
        geoip: null,
        userAgent: MAC_SAFARI,
        // Sent as password, totp: stored under the RFC 8176 names.
        amr: ['pwd', 'otp'],
        ttlSeconds: 43_200,
        idleTimeoutSeconds: 1_800,
        subject: null,
      },
    ]);
  });

  it('passes the optional members through when given', async () => {
    const { service, repository } = setup();
    await service.recordSignIn(
      signIn({ tenant_id: 'tnt', device_id: 'dev', geoip: 'Paris, FR', device_type: 'tv' }),
    );
    expect(repository.inserted[0]).toMatchObject({
      tenantId: 'tnt',
      deviceId: 'dev',
      geoip: 'Paris, FR',
      deviceType: 'tv',
    });
  });

  it('derives device_type from the user agent only when absent', async () => {
    const { service, repository } = setup();
    await service.recordSignIn(signIn({ user_agent: IPHONE }));
    await service.recordSignIn(signIn({ user_agent: IPHONE, device_type: 'desktop' }));
    await service.recordSignIn(signIn({ user_agent: '' }));
    expect(repository.inserted.map((s) => s.deviceType)).toEqual(['mobile', 'desktop', 'unknown']);
  });

  it('keeps a large user id exact as a decimal string', async () => {
    const { service, repository } = setup();
    await service.recordSignIn(signIn({ user_id: Number.MAX_SAFE_INTEGER }));
    expect(repository.inserted[0].userId).toBe('9007199254740991');
  });

  it('uses the configured defaults', async () => {
    const { service, repository } = setup({ absoluteTtlSeconds: 3600, idleTimeoutSeconds: 600 });
    await service.recordSignIn(signIn());
    expect(repository.inserted[0]).toMatchObject({ ttlSeconds: 3600, idleTimeoutSeconds: 600 });
  });

  it('ignores options given as undefined', async () => {
    const { service, repository } = setup({ absoluteTtlSeconds: undefined });
    await service.recordSignIn(signIn());
    expect(repository.inserted[0].ttlSeconds).toBe(43_200);
  });

  it('accepts per-session lifetimes on the bounds', async () => {
    const { service, repository } = setup();
    await service.recordSignIn(signIn({ ttl_seconds: 60, idle_timeout_seconds: 60 }));
    await service.recordSignIn(
      signIn({ ttl_seconds: 30 * 24 * 3600, idle_timeout_seconds: 24 * 3600 }),
    );
    expect(repository.inserted.map((s) => [s.ttlSeconds, s.idleTimeoutSeconds])).toEqual([
      [60, 60],
      [2_592_000, 86_400],
    ]);
  });

  it.each([
    ['below the minimum', 59],
    ['above the maximum', 30 * 24 * 3600 + 1],
    ['zero', 0],
    ['negative', -1],
  ])('refuses a ttl_seconds %s, naming the field', async (_label, ttl) => {
    const { service, repository } = setup();
    const error = await validationFailure(service.recordSignIn(signIn({ ttl_seconds: ttl })));
    expect(error.getStatus()).toBe(400);
    expect(error.violations).toEqual([
      {
        field: 'ttl_seconds',
        code: 'range',
        description: 'ttl_seconds must be between 60 and 2592000',
        value: ttl,
      },
    ]);
    expect(repository.inserted).toHaveLength(0);
  });

  it.each([
    ['below the minimum', 59],
    ['above the maximum', 24 * 3600 + 1],
  ])('refuses an idle_timeout_seconds %s, naming the field', async (_label, idle) => {
    const { service, repository } = setup();
    const error = await validationFailure(
      service.recordSignIn(signIn({ idle_timeout_seconds: idle })),
    );
    expect(error.violations).toEqual([
      {
        field: 'idle_timeout_seconds',
        code: 'range',
        description: 'idle_timeout_seconds must be between 60 and 86400',
        value: idle,
      },
    ]);
    expect(repository.inserted).toHaveLength(0);
  });

  it('names both fields when both are out of range', async () => {
    const { service } = setup();
    const error = await validationFailure(
      service.recordSignIn(signIn({ ttl_seconds: 1, idle_timeout_seconds: 1 })),
    );
    expect(error.violations.map((v) => v.field)).toEqual(['ttl_seconds', 'idle_timeout_seconds']);
    expect(error.detail).toContain('ttl_seconds');
    expect(error.detail).toContain('idle_timeout_seconds');
  });

  it('applies configured bounds', async () => {
    const { service, repository } = setup({
      minAbsoluteTtlSeconds: 300,
      maxAbsoluteTtlSeconds: 600,
      minIdleTimeoutSeconds: 120,
      maxIdleTimeoutSeconds: 240,
      absoluteTtlSeconds: 400,
      idleTimeoutSeconds: 200,
    });
    const error = await validationFailure(service.recordSignIn(signIn({ ttl_seconds: 299 })));
    expect(error.violations[0].description).toBe('ttl_seconds must be between 300 and 600');
    await service.recordSignIn(signIn({ ttl_seconds: 600, idle_timeout_seconds: 120 }));
    expect(repository.inserted[0]).toMatchObject({ ttlSeconds: 600, idleTimeoutSeconds: 120 });
  });

  it('validates configured defaults against the bounds too', async () => {
    const { service } = setup({ absoluteTtlSeconds: 10 });
    const error = await validationFailure(service.recordSignIn(signIn()));
    expect(error.violations.map((v) => v.field)).toEqual(['ttl_seconds']);
  });
});

describe('SessionsService.listForUser', () => {
  it('asks for one page at the right offset and builds the page info', async () => {
    const { service, repository } = setup();
    repository.page = {
      userExists: true,
      total: 45,
      items: [JSON.stringify({ id: storedRow.id })],
    };
    const result = await service.listForUser('1001', 3, 20);
    expect(repository.pageCalls).toEqual([{ userId: '1001', limit: 20, offset: 40 }]);
    expect(result.items).toEqual([JSON.stringify({ id: storedRow.id })]);
    expect(result.pageInfo).toEqual({
      page: 3,
      page_size: 20,
      total: 45,
      total_pages: 3,
      has_next: false,
      has_prev: true,
    });
  });

  it('starts the first page at offset 0', async () => {
    const { service, repository } = setup();
    await service.listForUser('7', 1, 10);
    expect(repository.pageCalls[0].offset).toBe(0);
  });

  it('gives an existing user without sessions an empty page', async () => {
    const { service } = setup();
    const result = await service.listForUser('7', 1, 20);
    expect(result.items).toEqual([]);
    expect(result.pageInfo).toMatchObject({ total: 0, total_pages: 0, has_next: false });
  });

  it('throws UserNotFoundError (404) when the user does not exist', async () => {
    const { service, repository } = setup();
    repository.page = { userExists: false, total: 0, items: [] };
    const failure = service.listForUser('404', 1, 20);
    await expect(failure).rejects.toBeInstanceOf(UserNotFoundError);
    await expect(failure).rejects.toMatchObject({ status: 404, detail: 'User 404 does not exist' });
  });
});

describe('SessionsService.listActivePage', () => {
  const row = (id: string, key: string): AdminPageItem => ({
    head: `{"session_id":"${id}","user_id":7`,
    user_id: '7',
    username: 'alice',
    id,
    position_key: key,
  });
  const ids = [
    '00000000-0000-4000-8000-000000000001',
    '00000000-0000-4000-8000-000000000002',
    '00000000-0000-4000-8000-000000000003',
  ];

  it('asks for one row more than the page to know whether another page follows', async () => {
    const { service, repository } = setup();
    repository.active = ids.map((id, i) => row(id, `2026-01-01 00:00:0${i}.123456+00`));
    const page = await service.listActivePage({}, 2);
    expect(repository.activePageCalls).toEqual([{ limit: 3, after: undefined, whole: true }]);
    expect(page.items.map((item) => JSON.parse(item) as unknown)).toEqual(
      ids.slice(0, 2).map((id) => ({ session_id: id, user_id: 7, username: 'alice' })),
    );
    expect(page.nextCursor).not.toBeNull();
    expect(decodeListCursor(page.nextCursor ?? '')).toEqual({
      lastActiveAt: '2026-01-01 00:00:01.123456+00',
      id: ids[1],
    });
  });

  it("asks for items without names when a host's directory names the users, one lookup per page", async () => {
    const lookups: string[][] = [];
    const { service, repository } = setup({
      userDirectory: {
        exists: () => Promise.resolve(true),
        usernames: (userIds: readonly string[]) => {
          lookups.push([...userIds]);
          return Promise.resolve(new Map(userIds.map((id) => [id, `Directory ${id}`])));
        },
      },
    });
    repository.active = ids.map((id, i) => row(id, `2026-01-01 00:00:0${i}+00`));
    const page = await service.listActivePage({}, 2);
    expect(repository.activePageCalls).toEqual([{ limit: 3, after: undefined, whole: false }]);
    expect(lookups).toEqual([['7']]);
    expect(page.items.map((item) => JSON.parse(item) as unknown)).toEqual(
      ids.slice(0, 2).map((id) => ({ session_id: id, user_id: 7, username: 'Directory 7' })),
    );
  });

  it('passes the decoded cursor on, and answers null at the end', async () => {
    const { service, repository } = setup();
    repository.active = [row(ids[2], '2026-01-01 00:00:02+00')];
    const cursor = encodeListCursor({ lastActiveAt: '2026-01-01 00:00:01.5+00', id: ids[1] });
    const page = await service.listActivePage({}, 2, cursor);
    expect(repository.activePageCalls[0].after).toEqual({
      lastActiveAt: '2026-01-01 00:00:01.5+00',
      id: ids[1],
    });
    expect(page.nextCursor).toBeNull();
  });

  it('refuses a cursor it did not make, naming the cursor field', async () => {
    const { service } = setup();
    await expect(service.listActivePage({}, 2, 'k1.bogus')).rejects.toMatchObject({
      violations: [{ field: 'cursor', code: 'format' }],
    });
  });
});
