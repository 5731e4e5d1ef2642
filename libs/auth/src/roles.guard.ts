import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RoleRequiredError } from '@session-service/problem';
import type { HttpRequest as Request } from './http-request';
import { RequiredRoles, type AccessRole } from './access.metadata';
import { AUTH_MODULE_OPTIONS } from './auth.module-definition';
import { type AuthModuleOptions, resolveAuthOptions } from './auth.options';
import type { AuthenticatedUser } from './authenticated-user';

/** Lets the request through when the token carries any one of the route's required roles. */
@Injectable()
export class RolesGuard implements CanActivate {
  private readonly claimValue: Record<AccessRole, string>;

  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTH_MODULE_OPTIONS) options: AuthModuleOptions,
  ) {
    const resolved = resolveAuthOptions(options);
    this.claimValue = {
      admin: resolved.adminRole,
      service: resolved.serviceRole,
      receiver: resolved.receiverRole,
    };
  }

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride(RequiredRoles, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required?.length) return true;
    const user = context.switchToHttp().getRequest<Request & { user?: AuthenticatedUser }>().user;
    const held = new Set(user?.roles ?? []);
    if (required.some((role) => held.has(this.claimValue[role]))) return true;
    // The roles by the values a token must carry (JWT_ADMIN_ROLE, JWT_SERVICE_ROLE, ...),
    // which is what a client can act on.
    throw new RoleRequiredError(
      `This operation requires the ${required.map((r) => `${this.claimValue[r]} role`).join(' or the ')}`,
    );
  }
}
