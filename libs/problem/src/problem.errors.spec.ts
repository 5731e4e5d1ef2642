import { HttpException, HttpStatus } from '@nestjs/common';
import { checkProblemTypes, defineProblemType, PROBLEM_CATALOG } from './problem-catalog';
import {
  AmbiguousCredentialsError,
  AuthenticationError,
  echoedValue,
  NotResourceOwnerError,
  ProblemError,
  RoleRequiredError,
  SessionNotFoundError,
  UserNotFoundError,
  ValidationFailedError,
  withoutStackTraces,
} from './problem.errors';
import { resolveProblemOptions } from './problem.options';

describe('library errors are HttpExceptions carrying their Problem', () => {
  it.each([
    [new ValidationFailedError([{ field: 'page', code: 'range', description: 'too small' }]), 400],
    [new AmbiguousCredentialsError(), 400],
    [new AuthenticationError(), 401],
    [new NotResourceOwnerError(), 403],
    [new RoleRequiredError(), 403],
    [new UserNotFoundError('42'), 404],
    [new SessionNotFoundError('0b6f3c1e-0000-4000-8000-000000000000'), 404],
    [ProblemError.fromTemplate('streamsBusy', 'default'), 503],
  ])('%s answers %i', (error, status) => {
    expect(error).toBeInstanceOf(HttpException);
    expect(error).toBeInstanceOf(ProblemError);
    expect(error.getStatus()).toBe(status);
    expect(error.getStatus()).toBe(error.definition.status);
    const body = error.getResponse();
    expect(body).toMatchObject({
      type: `/problems/${error.definition.slug}`,
      title: error.definition.title,
      status,
      detail: error.detail,
      code: error.definition.code,
      i18n_key: error.definition.i18nKey,
    });
    expect('errors' in body).toBe(status === 400);
    expect(error.message).toBe(error.detail);
    expect(error.name).toBe(error.constructor.name);
  });

  it('names the fields of a 400 in `errors` and the template values in `i18n_args`', () => {
    const invalid = ValidationFailedError.forField('page', 'range', 'page must be at least 1', 0);
    expect(invalid.getResponse().errors).toEqual([
      { field: 'page', code: 'range', description: 'page must be at least 1', value: 0 },
    ]);
    const missing = new UserNotFoundError('42');
    expect(missing.getResponse()).toMatchObject({
      detail: 'User 42 does not exist',
      code: PROBLEM_CATALOG.userNotFound.code,
      i18n_args: { user_id: '42' },
    });
  });

  it('keeps the 401 distinction between no token and a refused one', () => {
    expect(new AuthenticationError('The bearer token was not accepted', true).tokenPresented).toBe(
      true,
    );
    expect(new AuthenticationError().getStatus()).toBe(HttpStatus.UNAUTHORIZED);
  });

  it('makes a refusal without a stack trace, and leaves other errors theirs', () => {
    const limit = Error.stackTraceLimit;
    const refused = AuthenticationError.refuse('The bearer token was not accepted', true);
    expect(refused.stack).not.toMatch(/\n\s+at /);
    expect(refused).toMatchObject({
      tokenPresented: true,
      detail: 'The bearer token was not accepted',
    });
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new AuthenticationError().stack).toMatch(/\n\s+at /);
  });
});

describe('withoutStackTraces', () => {
  it("returns run's result, and restores the stack trace limit after a throw", () => {
    const limit = Error.stackTraceLimit;
    expect(withoutStackTraces(() => Error.stackTraceLimit)).toBe(0);
    let thrown: unknown;
    try {
      withoutStackTraces(() => {
        throw new Error('refused');
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).stack).toBe('Error: refused');
    expect(Error.stackTraceLimit).toBe(limit);
    expect(new Error('fault').stack).toMatch(/\n\s+at /);
  });
});

describe("a host's own problem types", () => {
  const LOCKED = defineProblemType({
    status: 423,
    code: 90042301,
    slug: 'account-locked',
    title: 'Account Locked',
    details: { default: 'Locked until {locked_until}' },
  });

  it('are thrown like the library kinds, with status, code and template', () => {
    const error = ProblemError.fromTemplate(LOCKED, 'default', { locked_until: 'noon' });
    expect(error.getStatus()).toBe(423);
    expect(error.getResponse()).toMatchObject({
      type: '/problems/account-locked',
      title: 'Account Locked',
      code: 90042301,
      detail: 'Locked until noon',
      i18n_key: 'error.account_locked',
      i18n_args: { locked_until: 'noon' },
    });
    expect(LOCKED.titles['zh-CN']).toBe('Account Locked');
  });

  it('refuse a bad slug or status', () => {
    expect(() => defineProblemType({ ...LOCKED, slug: 'Account Locked' })).toThrow(/slug/);
    expect(() => defineProblemType({ ...LOCKED, status: 302 })).toThrow(/status/);
  });

  it("may not reuse the library's slugs and codes, nor each other's", () => {
    expect(() => checkProblemTypes([LOCKED])).not.toThrow();
    expect(() => checkProblemTypes([{ ...LOCKED, slug: 'user-not-found' }])).toThrow(/library/);
    expect(() => checkProblemTypes([{ ...LOCKED, slug: 'http-423' }])).toThrow(/library/);
    expect(() =>
      checkProblemTypes([{ ...LOCKED, code: PROBLEM_CATALOG.userNotFound.code }]),
    ).toThrow(/library/);
    expect(() => checkProblemTypes([LOCKED, { ...LOCKED, slug: 'other' }])).toThrow(/twice/);
  });
});

describe('ProblemModule settings', () => {
  it('point problem types at the pages', () => {
    expect(resolveProblemOptions().typeBaseUri).toBe('/problems/');
    expect(resolveProblemOptions({ pagesPath: '/auth/problems/' }).typeBaseUri).toBe(
      '/auth/problems/',
    );
    expect(
      resolveProblemOptions({ pagesPath: 'auth/problems', typeBaseUri: 'https://e.example/' })
        .typeBaseUri,
    ).toBe('https://e.example/');
  });
});

describe('echoedValue', () => {
  it.each([
    ['a safe integer', Number.MAX_SAFE_INTEGER],
    ['a negative one', -Number.MAX_SAFE_INTEGER],
    ['a fraction', 1.5],
    ['a string of digits', '99999999999999999999'],
  ])('echoes %s', (_label, value) => {
    expect(echoedValue(value)).toEqual({ value });
  });

  it.each([
    ['past MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER + 1],
    ['as 99999999999999999999 reads (1e20)', 1e20],
    ['at MAX_VALUE', -Number.MAX_VALUE],
  ])('leaves out an integer %s, which is not the number sent', (_label, value) => {
    expect(echoedValue(value)).toEqual({});
  });
});
