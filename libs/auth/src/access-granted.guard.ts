import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { OptionalProvider } from './optional-provider';

/**
 * What runs once a request has passed the access guards of `@Authenticated`,
 * `@RequireRoles` and `@OwnerOnly` (its token, then its role or ownership),
 * before the route's pipes and handler: the per-user rate limit of
 * `RateLimitModule` (`userLimitIn: 'access-guards'`, `@session-service/ops`),
 * say. It may throw to refuse the request (a 429 Problem).
 */
export interface AccessGrantedHandler {
  accessGranted(context: ExecutionContext): Promise<void> | void;
}

/**
 * Injection token of the optional `AccessGrantedHandler`, found in any module
 * of the application. A registered symbol (`Symbol.for`), so a package can
 * provide a handler without depending on this one.
 */
export const ACCESS_GRANTED_HANDLER = Symbol.for('@session-service/auth:access-granted-handler');

/** Marks a request whose handler has run (a route may stack two access decorators). */
const GRANTED = Symbol('accessGranted');

/**
 * The last guard of the access decorators: runs the application's
 * `AccessGrantedHandler`, once per request, after the token and the route's
 * role or ownership checks passed. Without a handler it only lets the
 * request through.
 */
@Injectable()
export class AccessGrantedGuard implements CanActivate {
  private readonly handler: OptionalProvider<AccessGrantedHandler>;

  constructor(moduleRef: ModuleRef) {
    this.handler = new OptionalProvider(moduleRef, ACCESS_GRANTED_HANDLER);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const handler = this.handler.get();
    if (!handler || context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<{ [GRANTED]?: true }>();
    if (req[GRANTED]) return true;
    req[GRANTED] = true;
    await handler.accessGranted(context);
    return true;
  }
}
