import { createSecretKey } from 'node:crypto';
import type { ExecutionContext } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { AuthenticationError } from '@session-service/problem';
import type { AuthenticatedUser } from './authenticated-user';
import { InvalidTokenClaimsError } from './jwt.strategy';
import { TokenKeyError } from './jwks-key.provider';
import { JwtAuthGuard } from './jwt-auth.guard';

function contextWith(headers: Record<string, string | undefined>): ExecutionContext {
  return {
    switchToHttp: () => ({ getRequest: () => ({ headers }) }),
  } as unknown as ExecutionContext;
}

const withToken = () => contextWith({ authorization: 'Bearer abc.def.ghi' });
const withoutToken = () => contextWith({});

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

describe('JwtAuthGuard.handleRequest', () => {
  const guard = new JwtAuthGuard(
    { verificationKey: createSecretKey(Buffer.alloc(32, 1)), algorithms: ['HS256'] },
    { get: vi.fn() } as unknown as ModuleRef,
  );
  const user: AuthenticatedUser = { userId: '1001', roles: ['admin'], sessionId: undefined };

  it('returns the authenticated user when there is no error', () => {
    expect(guard.handleRequest(null, user, undefined, withToken())).toBe(user);
  });

  it('says no token was presented when the request has no authorization header', () => {
    const error = caught(() => guard.handleRequest(null, false, undefined, withoutToken()));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({
      tokenPresented: false,
      status: 401,
      detail: 'A bearer token is required',
    });
  });

  it('treats an empty authorization header as no token', () => {
    const error = caught(() =>
      guard.handleRequest(null, false, undefined, contextWith({ authorization: '' })),
    );
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ tokenPresented: false });
  });

  it('says a token was presented when the request carries one that failed', () => {
    const info = new Error('jwt expired');
    const error = caught(() => guard.handleRequest(null, false, info, withToken()));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({
      tokenPresented: true,
      status: 401,
      detail: 'The bearer token was not accepted',
    });
  });

  it.each([
    ['false', false],
    ['null', null],
    ['undefined', undefined],
  ])('refuses a user that is %s', (_label, noUser) => {
    expect(() =>
      guard.handleRequest(null, noUser as unknown as false, undefined, withToken()),
    ).toThrow(AuthenticationError);
  });

  it.each([
    ['a rejected claim', new InvalidTokenClaimsError('session is not active')],
    ['a generic error', new Error('boom')],
    ['a non-transient database error', Object.assign(new Error('dup'), { code: '23505' })],
  ])('turns %s into an AuthenticationError, even with a user', (_label, err) => {
    const error = caught(() => guard.handleRequest(err, user, undefined, withToken()));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).not.toBe(err);
    expect(error).toMatchObject({ tokenPresented: true });
  });

  it('does not leak the underlying error message', () => {
    const err = new InvalidTokenClaimsError('session is not active');
    const error = caught(() => guard.handleRequest(err, false, undefined, withToken()));
    expect((error as Error).message).not.toContain('session');
  });

  it.each([
    ['a connection refused error', { code: 'ECONNREFUSED' }],
    [
      'a node network error',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ],
    ['a TypeORM error wrapping an admin shutdown', { driverError: { code: '57P01' } }],
  ])('rethrows %s as is, without a request lookup', (_label, err) => {
    const switchToHttp = vi.fn();
    const context = { switchToHttp } as unknown as ExecutionContext;
    const error = caught(() => guard.handleRequest(err, false, undefined, context));
    expect(error).toBe(err);
    expect(error).not.toBeInstanceOf(AuthenticationError);
    expect(switchToHttp).not.toHaveBeenCalled();
  });

  it('rethrows a database outage even when a user was resolved', () => {
    const err = { code: 'ECONNREFUSED' };
    expect(caught(() => guard.handleRequest(err, user, undefined, withToken()))).toBe(err);
  });
});

describe('JwtAuthGuard: refused tokens reported to the AUTH_OBSERVER', () => {
  const reasons: string[] = [];
  const guard = new JwtAuthGuard(
    { verificationKey: createSecretKey(Buffer.alloc(32, 1)), algorithms: ['HS256'] },
    { get: vi.fn() } as unknown as ModuleRef,
    undefined,
    { verifyFailed: (reason) => reasons.push(reason) },
  );
  const named = (name: string, message: string) => Object.assign(new Error(message), { name });

  beforeEach(() => (reasons.length = 0));

  it.each([
    ['an expired token', null, named('TokenExpiredError', 'jwt expired'), 'expired'],
    ['a token not yet valid', null, named('NotBeforeError', 'jwt not active'), 'claims'],
    ['a wrong signature', null, named('JsonWebTokenError', 'invalid signature'), 'signature'],
    ['a disallowed algorithm', null, named('JsonWebTokenError', 'invalid algorithm'), 'signature'],
    [
      'a wrong audience',
      null,
      named('JsonWebTokenError', 'jwt audience invalid. expected: x'),
      'claims',
    ],
    [
      'a wrong issuer',
      null,
      named('JsonWebTokenError', 'jwt issuer invalid. expected: x'),
      'claims',
    ],
    ['a malformed token', null, named('JsonWebTokenError', 'jwt malformed'), 'malformed'],
    ['an unknown kid', null, new TokenKeyError('no key for this kid'), 'unknown_kid'],
    [
      'an unreadable header',
      null,
      new TokenKeyError('malformed token', undefined, 'malformed'),
      'malformed',
    ],
    ['a missing claim', new InvalidTokenClaimsError('token has no exp'), undefined, 'claims'],
    [
      'a revoked session',
      new InvalidTokenClaimsError('session is not active'),
      undefined,
      'session',
    ],
  ])('%s counts as %s', (_label, err, info, reason) => {
    expect(() => guard.handleRequest(err, false, info, withToken())).toThrow(AuthenticationError);
    expect(reasons).toEqual([reason]);
  });

  it('does not count a request without a bearer token', () => {
    expect(() => guard.handleRequest(null, false, undefined, withoutToken())).toThrow(
      AuthenticationError,
    );
    expect(reasons).toEqual([]);
  });

  it('counts a Bearer credential that is not one token as malformed', async () => {
    await expect(
      guard.canActivate(contextWith({ authorization: 'Bearer a.b.c trailing' })),
    ).rejects.toThrow(AuthenticationError);
    expect(reasons).toEqual(['malformed']);
  });

  it('still refuses with a 401 when the observer throws', () => {
    const throwing = new JwtAuthGuard(
      { verificationKey: createSecretKey(Buffer.alloc(32, 1)), algorithms: ['HS256'] },
      { get: vi.fn() } as unknown as ModuleRef,
      undefined,
      {
        verifyFailed: () => {
          throw new Error('observer broke');
        },
      },
    );
    expect(() => throwing.handleRequest(null, false, new Error('x'), withToken())).toThrow(
      AuthenticationError,
    );
  });
});
