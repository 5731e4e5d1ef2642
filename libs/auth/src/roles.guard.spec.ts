import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createSecretKey } from 'node:crypto';
import { RoleRequiredError } from '@session-service/problem';
import { RequiredRoles } from './access.metadata';
import type { AuthModuleOptions } from './auth.options';
import type { AuthenticatedUser } from './authenticated-user';
import { RolesGuard } from './roles.guard';

class Routes {
  @RequiredRoles(['admin'])
  adminOnly(): void {}

  @RequiredRoles(['admin', 'service'])
  adminOrService(): void {}

  @RequiredRoles([])
  emptyList(): void {}

  open(): void {}
}

@RequiredRoles(['service'])
class ServiceRoutes {
  write(): void {}

  @RequiredRoles(['admin'])
  adminOverride(): void {}
}

const baseOptions: AuthModuleOptions = {
  verificationKey: createSecretKey(Buffer.alloc(32, 1)),
  algorithms: ['HS256'],
};

function contextFor(
  handler: (...args: unknown[]) => unknown,
  cls: abstract new (...args: never[]) => unknown,
  user: AuthenticatedUser | undefined,
): ExecutionContext {
  return {
    getHandler: () => handler,
    getClass: () => cls,
    switchToHttp: () => ({ getRequest: () => ({ user }) }),
  } as unknown as ExecutionContext;
}

const withRoles = (...roles: string[]): AuthenticatedUser => ({ userId: '1', roles });

describe('RolesGuard', () => {
  describe('with default role names', () => {
    const guard = new RolesGuard(new Reflector(), baseOptions);
    const run = (handler: (...args: unknown[]) => unknown, user?: AuthenticatedUser) =>
      guard.canActivate(contextFor(handler, Routes, user));

    it('lets an admin into an admin route', () => {
      expect(run(Routes.prototype.adminOnly, withRoles('user', 'admin'))).toBe(true);
    });

    it('refuses a token without the admin role', () => {
      expect(() => run(Routes.prototype.adminOnly, withRoles('user'))).toThrow(RoleRequiredError);
    });

    it('names the required role in the error and answers 403', () => {
      let caught: unknown;
      try {
        run(Routes.prototype.adminOrService, withRoles());
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(RoleRequiredError);
      const error = caught as RoleRequiredError;
      expect(error.getStatus()).toBe(403);
      expect(error.detail).toBe(
        'This operation requires the admin role or the session-writer role',
      );
      expect(error.i18nArgs).toEqual({ role: 'admin', other_role: 'session-writer' });
    });

    it('maps the symbolic service role to the default claim value session-writer', () => {
      expect(run(Routes.prototype.adminOrService, withRoles('session-writer'))).toBe(true);
      expect(() => run(Routes.prototype.adminOrService, withRoles('service'))).toThrow(
        RoleRequiredError,
      );
    });

    it('refuses a request without a user', () => {
      expect(() => run(Routes.prototype.adminOnly, undefined)).toThrow(RoleRequiredError);
    });

    it('lets anyone through a route without required roles', () => {
      expect(run(Routes.prototype.open, undefined)).toBe(true);
      expect(run(Routes.prototype.emptyList, undefined)).toBe(true);
    });

    it('is case sensitive about claim values', () => {
      expect(() => run(Routes.prototype.adminOnly, withRoles('Admin'))).toThrow(RoleRequiredError);
    });
  });

  describe('with the decorator on the class', () => {
    const guard = new RolesGuard(new Reflector(), baseOptions);
    const run = (handler: (...args: unknown[]) => unknown, user?: AuthenticatedUser) =>
      guard.canActivate(contextFor(handler, ServiceRoutes, user));

    it('applies the class requirement to undecorated handlers', () => {
      expect(run(ServiceRoutes.prototype.write, withRoles('session-writer'))).toBe(true);
      expect(() => run(ServiceRoutes.prototype.write, withRoles('admin'))).toThrow(
        RoleRequiredError,
      );
      expect(() => run(ServiceRoutes.prototype.write, undefined)).toThrow(RoleRequiredError);
    });

    it('lets a handler decorator override the class one', () => {
      expect(run(ServiceRoutes.prototype.adminOverride, withRoles('admin'))).toBe(true);
      expect(() => run(ServiceRoutes.prototype.adminOverride, withRoles('session-writer'))).toThrow(
        RoleRequiredError,
      );
    });
  });

  describe('with custom role names', () => {
    const guard = new RolesGuard(new Reflector(), {
      ...baseOptions,
      adminRole: 'platform-admin',
      serviceRole: 'gateway',
    });
    const run = (handler: (...args: unknown[]) => unknown, user?: AuthenticatedUser) =>
      guard.canActivate(contextFor(handler, Routes, user));

    it('accepts the configured claim values', () => {
      expect(run(Routes.prototype.adminOnly, withRoles('platform-admin'))).toBe(true);
      expect(run(Routes.prototype.adminOrService, withRoles('gateway'))).toBe(true);
    });

    it('no longer accepts the default names', () => {
      expect(() => run(Routes.prototype.adminOnly, withRoles('admin'))).toThrow(RoleRequiredError);
      expect(() => run(Routes.prototype.adminOrService, withRoles('session-writer'))).toThrow(
        RoleRequiredError,
      );
    });

    it('names the configured claim values in the error', () => {
      expect(() => run(Routes.prototype.adminOnly, withRoles('gateway'))).toThrow(
        'This operation requires the platform-admin role',
      );
      expect(() => run(Routes.prototype.adminOrService, withRoles())).toThrow(
        'This operation requires the platform-admin role or the gateway role',
      );
    });
  });

  it('falls back to defaults when role options are explicitly undefined', () => {
    const guard = new RolesGuard(new Reflector(), {
      ...baseOptions,
      adminRole: undefined,
      serviceRole: undefined,
    });
    expect(
      guard.canActivate(contextFor(Routes.prototype.adminOnly, Routes, withRoles('admin'))),
    ).toBe(true);
  });
});
