import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { NotResourceOwnerError, ValidationFailedError } from '@session-service/problem';
import { OwnerParam } from './access.metadata';
import type { AuthenticatedUser } from './authenticated-user';
import { OwnershipGuard } from './ownership.guard';

class MethodLevelController {
  @OwnerParam('user_id')
  list(): void {}

  @OwnerParam('owner')
  custom(): void {}

  open(): void {}
}

@OwnerParam('user_id')
class ClassLevelController {
  list(): void {}
}

interface FakeRequest {
  params: Record<string, string>;
  user?: AuthenticatedUser;
}

function contextFor(
  handler: (...args: unknown[]) => unknown,
  cls: abstract new (...args: never[]) => unknown,
  req: FakeRequest,
): ExecutionContext {
  return {
    getHandler: () => handler,
    getClass: () => cls,
    switchToHttp: () => ({ getRequest: () => req }),
  } as unknown as ExecutionContext;
}

function userWithId(userId: string): AuthenticatedUser {
  return { userId, roles: [] };
}

function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

describe('OwnershipGuard', () => {
  const guard = new OwnershipGuard(new Reflector());
  const handler = MethodLevelController.prototype.list;

  const checkAs = (user: AuthenticatedUser | undefined, pathUserId: string) =>
    guard.canActivate(
      contextFor(handler, MethodLevelController, { params: { user_id: pathUserId }, user }),
    );
  const check = (pathUserId: string, user: AuthenticatedUser = userWithId('42')) =>
    checkAs(user, pathUserId);

  it('lets the owner of the path user id through', () => {
    expect(check('42')).toBe(true);
  });

  it('refuses another user with NotResourceOwnerError (403)', () => {
    const error = thrownBy(() => check('43'));
    expect(error).toBeInstanceOf(NotResourceOwnerError);
    expect((error as NotResourceOwnerError).getStatus()).toBe(403);
  });

  it('another user cannot read a well-formed id, even a large safe one', () => {
    expect(() => check(String(Number.MAX_SAFE_INTEGER))).toThrow(NotResourceOwnerError);
  });

  it('accepts the largest safe integer when it is the caller', () => {
    const max = String(Number.MAX_SAFE_INTEGER);
    expect(check(max, userWithId(max))).toBe(true);
  });

  it('refuses a request without an authenticated user with 403', () => {
    expect(() => checkAs(undefined, '42')).toThrow(NotResourceOwnerError);
  });

  it.each([
    ['leading zeros', '042'],
    ['zero', '0'],
    ['negative', '-42'],
    ['explicit plus sign', '+42'],
    ['encoded slash', '42%2F43'],
    ['slash', '42/43'],
    ['leading whitespace', ' 42'],
    ['trailing whitespace', '42 '],
    ['decimal', '42.0'],
    ['exponent', '4e1'],
    ['hex', '0x2a'],
    ['letters', 'abc'],
    ['empty', ''],
    ['beyond MAX_SAFE_INTEGER (16 digits)', '9007199254740993'],
    ['beyond MAX_SAFE_INTEGER (17 digits)', '12345678901234567'],
    ['way beyond MAX_SAFE_INTEGER', '1'.repeat(40)],
  ])('answers 400 naming the parameter for %s (%j)', (_label, raw) => {
    const error = thrownBy(() => check(raw, userWithId(raw)));
    expect(error).toBeInstanceOf(ValidationFailedError);
    const failure = error as ValidationFailedError;
    expect(failure.getStatus()).toBe(400);
    expect(failure.violations).toHaveLength(1);
    expect(failure.violations[0]).toMatchObject({ field: 'user_id', code: 'format' });
    expect(failure.violations[0].description).toContain('user_id must be');
  });

  it('checks format before ownership: a malformed id is 400 even for another user', () => {
    expect(() => check('007', userWithId('42'))).toThrow(ValidationFailedError);
  });

  it('answers 400 when the route has no such path parameter', () => {
    const error = thrownBy(() =>
      guard.canActivate(
        contextFor(handler, MethodLevelController, { params: {}, user: userWithId('42') }),
      ),
    );
    expect(error).toBeInstanceOf(ValidationFailedError);
  });

  it('reads the parameter name from the decorator', () => {
    const ctx = (params: Record<string, string>) =>
      contextFor(MethodLevelController.prototype.custom, MethodLevelController, {
        params,
        user: userWithId('7'),
      });
    expect(guard.canActivate(ctx({ owner: '7', user_id: '8' }))).toBe(true);
    expect(() => guard.canActivate(ctx({ owner: '8', user_id: '7' }))).toThrow(
      NotResourceOwnerError,
    );
    const error = thrownBy(() => guard.canActivate(ctx({ owner: 'x' })));
    expect((error as ValidationFailedError).violations[0].field).toBe('owner');
  });

  it('lets any request through on a route without OwnerParam', () => {
    const ctx = contextFor(MethodLevelController.prototype.open, MethodLevelController, {
      params: { user_id: 'not-a-number' },
    });
    expect(guard.canActivate(ctx)).toBe(true);
  });

  describe('with the decorator on the class', () => {
    const classCheck = (pathUserId: string) =>
      guard.canActivate(
        contextFor(ClassLevelController.prototype.list, ClassLevelController, {
          params: { user_id: pathUserId },
          user: userWithId('42'),
        }),
      );

    it('lets the owner through', () => {
      expect(classCheck('42')).toBe(true);
    });

    it('refuses another user', () => {
      expect(() => classCheck('41')).toThrow(NotResourceOwnerError);
    });

    it('refuses a malformed id', () => {
      expect(() => classCheck('0042')).toThrow(ValidationFailedError);
    });
  });
});
