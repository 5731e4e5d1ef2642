import { PROBLEM_CATALOG, type ProblemKind, SHARED_DETAILS } from './problem-catalog';
import {
  interpolate,
  localize,
  negotiateProblemLocale,
  placeholders,
  recogniseDetail,
  renderDetail,
  templateOf,
} from './problem-i18n';
import {
  AuthenticationError,
  NotResourceOwnerError,
  ProblemError,
  RoleRequiredError,
  SessionNotFoundError,
  UserNotFoundError,
  ValidationFailedError,
} from './problem.errors';

const kinds = Object.keys(PROBLEM_CATALOG) as ProblemKind[];

/** Every detail template of the catalog, as [kind, variant]. */
const templates = kinds.flatMap((kind) =>
  Object.keys(PROBLEM_CATALOG[kind].details).map((variant) => [kind, variant] as const),
);

/** Plausible values for each placeholder (no spaces, as the recognised values have none). */
const SAMPLE_ARGS: Record<string, string | number> = {
  user_id: '1001',
  session_id: '3f0b6c1e-8a55-4a0e-9d35-6c1f8a2b9e77',
  stream_id: 'f5b1e4c2-6d3a-4b8e-9f10-2a7c3e5d8b41',
  client_id: 'crm-web',
  method: 'PATCH',
  path: '/sessions/user/1001/sessions',
  allowed: 'DELETE,GET,HEAD',
  status: 'revoked',
  role: 'admin',
  other_role: 'session-writer',
  retry_after: 42,
  media_type: 'text/plain;charset=utf-8',
  issuer: 'https://idp.example.com/realms/main',
  subject: 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
  tenant_id: 'tnt_xyz789',
  max_sessions: 5,
};

describe('negotiateProblemLocale', () => {
  it.each([
    [undefined, 'en'],
    ['', 'en'],
    ['en', 'en'],
    ['en-US,en;q=0.9', 'en'],
    ['zh-CN', 'zh-CN'],
    ['zh', 'zh-CN'],
    ['zh-Hans', 'zh-CN'],
    ['zh-SG', 'zh-CN'],
    ['zh-Hans-CN', 'zh-CN'],
    ['ZH-cn', 'zh-CN'],
    ['zh-TW', 'en'],
    ['zh-Hant', 'en'],
    ['zh-Hant-CN', 'en'],
    ['zh-HK,zh-TW;q=0.9', 'en'],
    ['fr', 'en'],
    ['de-DE, fr;q=0.5', 'en'],
  ] as const)('%j -> %s', (header, locale) => {
    expect(negotiateProblemLocale(header)).toBe(locale);
  });

  it.each([
    ['fr;q=1, zh-CN;q=0.8', 'zh-CN'],
    ['en;q=0.5, zh;q=0.6', 'zh-CN'],
    ['zh;q=0.5, en;q=0.9', 'en'],
    ['en;q=0.8, zh-CN', 'zh-CN'],
    ['zh-CN;q=0.7, en;q=0.7', 'zh-CN'],
    ['en;q=0.7, zh-CN;q=0.7', 'en'],
    ['en;q=0, zh', 'zh-CN'],
    ['zh;q=0', 'en'],
    ['zh-CN;q=0, zh;q=1', 'en'],
    ['zh;q=0.1, zh-CN;q=0.9, en;q=0.5', 'zh-CN'],
    ['zh-CN;q=0.2, zh;q=0.9, en;q=0.5', 'en'],
    ['en ; q = 0.3 , zh ;q=0.4', 'zh-CN'],
    ['zh;Q=0.9, en;q=0.8', 'zh-CN'],
  ] as const)('weighs q-values: %j -> %s', (header, locale) => {
    expect(negotiateProblemLocale(header)).toBe(locale);
  });

  it.each([
    ['*', 'en'],
    ['*;q=0.5', 'en'],
    ['fr, *;q=0.1', 'en'],
    ['en;q=0.5, *', 'zh-CN'],
    ['zh-CN;q=0, *', 'en'],
    ['en;q=0, *', 'zh-CN'],
    ['*, zh;q=0.9', 'en'],
    ['*;q=0', 'en'],
  ] as const)('treats the wildcard as any other language: %j -> %s', (header, locale) => {
    expect(negotiateProblemLocale(header)).toBe(locale);
  });

  it.each([
    '!!!',
    ';;;,,,',
    'zh;q=abc',
    'zh;q=2',
    'zh;q=1.5',
    'zh;q=-1',
    'zh;q=0.12345',
    'zh;q',
    'zh_CN',
    'zh-',
    'zh-CN-toolongsubtag9',
    '\u4e2d\u6587',
    'x'.repeat(5000),
  ])('ignores the malformed member %j and answers English', (header) => {
    expect(negotiateProblemLocale(header)).toBe('en');
  });

  it('keeps the valid members of a partly malformed header', () => {
    expect(negotiateProblemLocale('zh;q=abc, @@, zh-CN;q=0.3')).toBe('zh-CN');
  });

  it('reads only the start of an overlong header', () => {
    expect(negotiateProblemLocale(`zh-CN, ${'fr;q=0.1, '.repeat(500)}`)).toBe('zh-CN');
    expect(negotiateProblemLocale(`${'fr;q=0.1, '.repeat(500)}zh-CN`)).toBe('en');
  });

  it('joins a header given as several values', () => {
    expect(negotiateProblemLocale(['fr', 'zh;q=0.5'])).toBe('zh-CN');
  });
});

describe('interpolate', () => {
  it('fills every placeholder, repeated ones included', () => {
    expect(interpolate('{a} and {a} or {b_2}', { a: 'x', b_2: 7 })).toBe('x and x or 7');
  });

  it('leaves unknown placeholders as written and does not read inherited properties', () => {
    expect(interpolate('{missing} {constructor}', {})).toBe('{missing} {constructor}');
  });

  it('inserts values literally, without treating them as patterns', () => {
    expect(interpolate('User {user_id}', { user_id: '$& $1 {user_id}' })).toBe(
      'User $& $1 {user_id}',
    );
  });
});

describe('the detail templates', () => {
  it('exist for most kinds', () => {
    expect(templates.length).toBeGreaterThan(kinds.length);
  });

  it.each(templates)('%s.%s uses the same placeholders in English and Chinese', (kind, v) => {
    const text = PROBLEM_CATALOG[kind].details[v];
    expect(placeholders(text['zh-CN']).sort()).toEqual(placeholders(text.en).sort());
    expect(text['zh-CN']).not.toBe(text.en);
    expect(text['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
  });

  it.each(templates)('%s.%s has sample arguments for its placeholders', (kind, v) => {
    for (const name of placeholders(PROBLEM_CATALOG[kind].details[v].en)) {
      expect(SAMPLE_ARGS).toHaveProperty(name);
    }
  });

  it.each(templates)('%s.%s is recognised back from its English text', (kind, variant) => {
    const definition = PROBLEM_CATALOG[kind];
    const args = Object.fromEntries(
      placeholders(definition.details[variant].en).map((name) => [name, SAMPLE_ARGS[name]]),
    );
    const english = renderDetail(definition, variant, args);
    expect(english).not.toMatch(/\{[a-z_]+\}/);
    expect(recogniseDetail(definition, english)).toEqual({ variant, args });
  });

  it('keys the main template by the kind and the others by a suffix', () => {
    expect(templateOf(PROBLEM_CATALOG.userNotFound, 'default')?.key).toBe('error.user_not_found');
    expect(templateOf(PROBLEM_CATALOG.unauthorized, 'token_missing')?.key).toBe(
      'error.unauthorized.token_missing',
    );
    expect(templateOf(PROBLEM_CATALOG.internal, 'common.body_unreadable')?.key).toBe(
      'error.common.body_unreadable',
    );
    expect(templateOf(PROBLEM_CATALOG.internal, 'nope')).toBeUndefined();
    expect(templateOf(PROBLEM_CATALOG.internal, 'common.nope')).toBeUndefined();
  });

  it('refuses to render a variant that does not exist', () => {
    expect(() => renderDetail(PROBLEM_CATALOG.userNotFound, 'typo', {})).toThrow(/typo/);
  });

  it('has a shared message for body-parser failures of any kind', () => {
    expect(
      recogniseDetail(PROBLEM_CATALOG.payloadTooLarge, SHARED_DETAILS.body_unreadable.en),
    ).toEqual({ variant: 'common.body_unreadable', args: {} });
  });
});

describe('recogniseDetail on the details other code writes as plain strings', () => {
  it.each([
    ['roleRequired', 'This operation requires the admin role', 'one_role', { role: 'admin' }],
    [
      'roleRequired',
      'This operation requires the admin role or the service role',
      'two_roles',
      { role: 'admin', other_role: 'service' },
    ],
    ['notReady', 'The instance is shutting down', 'shutting_down', {}],
    ['notReady', 'The database does not answer', 'default', {}],
    [
      'tooManyRequests',
      'Too many requests from this client address; retry after 12 s',
      'client_address',
      { retry_after: 12 },
    ],
    [
      'tooManyRequests',
      'Too many requests from this user; retry after 1 s',
      'user',
      { retry_after: 1 },
    ],
    ['unauthorized', 'A bearer token is required', 'token_missing', {}],
    ['unauthorized', 'The bearer token was not accepted', 'token_rejected', {}],
    [
      'sessionNotActive',
      'Session 3f0b6c1e-8a55-4a0e-9d35-6c1f8a2b9e77 is expired',
      'default',
      { session_id: '3f0b6c1e-8a55-4a0e-9d35-6c1f8a2b9e77', status: 'expired' },
    ],
  ] as const)('%s: %j', (kind, detail, variant, args) => {
    const error = new ProblemError(kind, detail);
    expect(error.detailTemplate).toEqual({ variant, args });
    expect(error.i18nArgs).toEqual(args);
    expect(error.detail).toBe(detail);
  });

  it.each([
    ['invalidRequest', 'page_size must be between 1 and 100'],
    ['databaseUnavailable', 'Down for maintenance'],
    ['userNotFound', 'User 1 does not exist at all'],
    ['userNotFound', 'User  does not exist'],
    ['roleRequired', 'This operation requires the admin role or the service role or more'],
  ] as const)('does not claim the dynamic detail %s: %j', (kind, detail) => {
    const error = new ProblemError(kind, detail);
    expect(error.detailTemplate).toBeUndefined();
    expect(error.i18nArgs).toBeUndefined();
  });
});

describe('the domain errors', () => {
  it('UserNotFoundError keeps its English detail and carries user_id', () => {
    const error = new UserNotFoundError('42');
    expect(error.detail).toBe('User 42 does not exist');
    expect(error.message).toBe('User 42 does not exist');
    expect(error.i18nArgs).toEqual({ user_id: '42' });
    expect(error.name).toBe('UserNotFoundError');
    expect(error.getStatus()).toBe(404);
  });

  it('UserNotFoundError takes an id with spaces verbatim, without recognition', () => {
    expect(new UserNotFoundError('a b').i18nArgs).toEqual({ user_id: 'a b' });
  });

  it('SessionNotFoundError carries session_id', () => {
    const error = new SessionNotFoundError('s-1');
    expect(error.detail).toBe('Session s-1 does not exist');
    expect(error.i18nArgs).toEqual({ session_id: 's-1' });
  });

  it('the defaults of the other errors are their kinds’ templates', () => {
    expect(new AuthenticationError().detailTemplate).toEqual({ variant: 'default', args: {} });
    expect(new NotResourceOwnerError().detailTemplate).toEqual({ variant: 'default', args: {} });
    expect(new RoleRequiredError().detailTemplate).toEqual({ variant: 'default', args: {} });
  });

  it('a validation failure keeps its dynamic detail and no arguments', () => {
    const error = ValidationFailedError.forField('page', 'type', 'page must be an integer');
    expect(error.detail).toBe('page must be an integer');
    expect(error.i18nArgs).toBeUndefined();
    expect(new ValidationFailedError([]).detailTemplate).toEqual({ variant: 'default', args: {} });
  });

  it('ProblemError.fromTemplate renders the English detail and keeps the arguments', () => {
    const error = ProblemError.fromTemplate(
      'tooManyRequests',
      'user',
      { retry_after: 3 },
      {
        'Retry-After': '3',
      },
    );
    expect(error.detail).toBe('Too many requests from this user; retry after 3 s');
    expect(error.i18nArgs).toEqual({ retry_after: 3 });
    expect(error.headers).toEqual({ 'Retry-After': '3' });
    expect(error.getStatus()).toBe(429);
  });
});

describe('localize', () => {
  it('writes title and templated detail in Chinese, with the arguments', () => {
    expect(
      localize(PROBLEM_CATALOG.userNotFound, 'User 7 does not exist', 'zh-CN', {
        variant: 'default',
        args: { user_id: '7' },
      }),
    ).toEqual({ title: '用户不存在', detail: '用户 7 不存在', args: { user_id: '7' } });
  });

  it('recognises the template when none is given', () => {
    expect(localize(PROBLEM_CATALOG.sessionNotActive, 'Session s is revoked', 'zh-CN')).toEqual({
      title: '会话未处于活动状态',
      detail: '会话 s 的状态为 revoked',
      args: { session_id: 's', status: 'revoked' },
    });
  });

  it('returns English unchanged', () => {
    expect(localize(PROBLEM_CATALOG.userNotFound, 'User 7 does not exist', 'en')).toEqual({
      title: 'User Not Found',
      detail: 'User 7 does not exist',
      args: { user_id: '7' },
    });
  });

  it('translates a detail that is just the English title', () => {
    expect(localize(PROBLEM_CATALOG.forbidden, 'Forbidden', 'zh-CN')).toEqual({
      title: '禁止访问',
      detail: '禁止访问',
      args: {},
    });
  });

  it('keeps a dynamic detail in English but translates the title', () => {
    expect(localize(PROBLEM_CATALOG.invalidRequest, 'page must be an integer', 'zh-CN')).toEqual({
      title: '请求参数无效',
      detail: 'page must be an integer',
      args: {},
    });
  });

  it('falls back to the detail as written for an unknown variant', () => {
    expect(
      localize(PROBLEM_CATALOG.internal, 'boom', 'zh-CN', { variant: 'nope', args: { a: 1 } }),
    ).toEqual({ title: '服务器内部错误', detail: 'boom', args: {} });
  });
});
