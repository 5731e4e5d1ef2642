import { createSecretKey } from 'node:crypto';
import { ProblemError, ValidationFailedError } from '@session-service/problem';
import type { CreateSessionRequest } from './dto/create-session.request';
import type { NewSession, SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { SessionStateService } from './session-state.service';
import type { SessionsModuleOptions, SessionsSettings } from './sessions.options';
import { defaultSubjectIssuer, SubjectsService } from './subjects.service';

/** Subject lookups counted, answered from `mappings`. */
class FakeRepository {
  lookups = 0;
  readonly mappings = new Map<string, string>();
  readonly inserted: NewSession[] = [];
  /** What insert answers: a row, or undefined (subject taken). */
  insertAnswer: object | undefined = { id: 's1' };

  resolveSubject(issuer: string, subject: string): Promise<string | null> {
    this.lookups++;
    return Promise.resolve(this.mappings.get(`${issuer} ${subject}`) ?? null);
  }

  insert(session: NewSession): Promise<object | undefined> {
    this.inserted.push(session);
    return Promise.resolve(this.insertAnswer);
  }

  /** The sign-in's second way, taken when the first recorded nothing: the same answer. */
  insertWithinLimit(): Promise<{ row?: object; revoked: number }> {
    return Promise.resolve({ row: this.insertAnswer, revoked: 0 });
  }
}

function resolver(options: SessionsSettings) {
  const repository = new FakeRepository();
  const subjects = new SubjectsService(repository as unknown as SessionsRepository, options);
  return { repository, subjects };
}

describe('SubjectsService (the SUBJECT_RESOLVER)', () => {
  afterEach(() => vi.useRealTimers());

  it('resolves a recorded subject and answers null for an unknown one', async () => {
    const { repository, subjects } = resolver({});
    repository.mappings.set('https://idp a-1', '1001');
    await expect(subjects.resolve('https://idp', 'a-1')).resolves.toBe('1001');
    await expect(subjects.resolve('https://idp', 'nobody')).resolves.toBeNull();
    await expect(subjects.resolve('https://other', 'a-1')).resolves.toBeNull();
  });

  it('reuses a found mapping for subjectCacheMs, then reads it again', async () => {
    vi.useFakeTimers();
    const { repository, subjects } = resolver({ subjectCacheMs: 1000 });
    repository.mappings.set('i s', '7');
    await subjects.resolve('i', 's');
    await subjects.resolve('i', 's');
    expect(repository.lookups).toBe(1);
    vi.advanceTimersByTime(1001);
    await subjects.resolve('i', 's');
    expect(repository.lookups).toBe(2);
  });

  it('never caches an unknown subject: a mapping recorded since resolves at once', async () => {
    const { repository, subjects } = resolver({});
    await expect(subjects.resolve('i', 'new')).resolves.toBeNull();
    repository.mappings.set('i new', '42');
    await expect(subjects.resolve('i', 'new')).resolves.toBe('42');
    expect(subjects.cachedEntries).toBe(1);
  });

  it('keeps at most subjectCacheMaxEntries, dropping the least recently used', async () => {
    const { repository, subjects } = resolver({ subjectCacheMaxEntries: 3 });
    for (let i = 1; i <= 5; i++) repository.mappings.set(`i s${i}`, String(i));
    await subjects.resolve('i', 's1');
    await subjects.resolve('i', 's2');
    await subjects.resolve('i', 's3');
    await subjects.resolve('i', 's1'); // s1 used again: s2 is now the least recent
    await subjects.resolve('i', 's4');
    expect(subjects.cachedEntries).toBe(3);
    repository.lookups = 0;
    await subjects.resolve('i', 's1');
    await subjects.resolve('i', 's3');
    await subjects.resolve('i', 's4');
    expect(repository.lookups).toBe(0);
    await subjects.resolve('i', 's2');
    expect(repository.lookups).toBe(1);
    // Many more subjects than the bound: the cache never grows past it.
    for (let i = 0; i < 100; i++) {
      repository.mappings.set(`i many${i}`, String(i + 10));
      await subjects.resolve('i', `many${i}`);
    }
    expect(subjects.cachedEntries).toBe(3);
  });

  it('reads on every call with subjectCacheMs 0', async () => {
    const { repository, subjects } = resolver({ subjectCacheMs: 0 });
    repository.mappings.set('i s', '7');
    await subjects.resolve('i', 's');
    await subjects.resolve('i', 's');
    expect(repository.lookups).toBe(2);
    expect(subjects.cachedEntries).toBe(0);
  });
});

describe('defaultSubjectIssuer', () => {
  const key = createSecretKey(Buffer.alloc(32));
  it('is the configured issuer, else the OpenID Provider, else none', () => {
    expect(
      defaultSubjectIssuer({ verificationKey: key, algorithms: ['HS256'], issuer: 'https://a' }),
    ).toBe('https://a');
    expect(defaultSubjectIssuer({ jwks: { oidcIssuer: 'https://op' } })).toBe('https://op');
    expect(defaultSubjectIssuer({ verificationKey: key, algorithms: ['HS256'] })).toBeUndefined();
    expect(defaultSubjectIssuer({ hostStrategy: 'host-jwt' })).toBeUndefined();
    expect(defaultSubjectIssuer(undefined)).toBeUndefined();
  });
});

describe('SessionsService.recordSignIn with a subject', () => {
  const signIn = (overrides: Partial<CreateSessionRequest> = {}): CreateSessionRequest => ({
    user_id: 1001,
    username: 'alice',
    amr: ['pwd'],
    ip: '192.0.2.1',
    user_agent: 'ua',
    ...overrides,
  });
  function setup(options: Partial<SessionsModuleOptions>) {
    const repository = new FakeRepository();
    const asRepository = repository as unknown as SessionsRepository;
    const service = new SessionsService(
      asRepository,
      new SessionStateService(asRepository, {}),
      options,
    );
    return { repository, service };
  }
  const key = createSecretKey(Buffer.alloc(32));

  it('maps the subject at the configured issuer unless the sign-in names one', async () => {
    const { repository, service } = setup({
      auth: { verificationKey: key, algorithms: ['HS256'], issuer: 'https://idp' },
    });
    await service.recordSignIn(signIn({ subject: 'kc-1' }));
    await service.recordSignIn(signIn({ subject: 'kc-1', issuer: 'https://other' }));
    await service.recordSignIn(signIn());
    expect(repository.inserted.map((s) => s.subject)).toEqual([
      { issuer: 'https://idp', subject: 'kc-1' },
      { issuer: 'https://other', subject: 'kc-1' },
      null,
    ]);
  });

  it('needs an issuer with the subject when none is configured, and a subject with an issuer', async () => {
    const { repository, service } = setup({ auth: { hostStrategy: 'host' } });
    const missing = await service.recordSignIn(signIn({ subject: 'kc-1' })).catch((e) => e);
    expect(missing).toBeInstanceOf(ValidationFailedError);
    expect((missing as ValidationFailedError).violations).toEqual([
      expect.objectContaining({ field: 'issuer', code: 'required' }),
    ]);
    const alone = await service.recordSignIn(signIn({ issuer: 'https://idp' })).catch((e) => e);
    expect((alone as ValidationFailedError).violations).toEqual([
      expect.objectContaining({ field: 'issuer', code: 'required' }),
    ]);
    expect(repository.inserted).toEqual([]);
  });

  it('answers the subject-taken Problem when the subject names another user', async () => {
    const { repository, service } = setup({ auth: { hostStrategy: 'host' } });
    repository.insertAnswer = undefined;
    const error = await service
      .recordSignIn(signIn({ subject: 'kc-1', issuer: 'https://idp' }))
      .catch((e) => e);
    expect(error).toBeInstanceOf(ProblemError);
    expect((error as ProblemError).getStatus()).toBe(409);
  });
});
