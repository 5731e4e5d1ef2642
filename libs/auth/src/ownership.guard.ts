import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { NotResourceOwnerError, ValidationFailedError } from '@session-service/problem';
import type { HttpRequest as Request } from './http-request';
import { OwnerParam } from './access.metadata';
import { type AuthenticatedUser, parseUserId, USER_ID_RULE } from './authenticated-user';

/**
 * The path's user id must be the token's user. A malformed id is a 400 naming
 * the parameter; a well-formed id of somebody else is a 403 that says nothing
 * about whether that user exists.
 */
@Injectable()
export class OwnershipGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const param = this.reflector.getAllAndOverride(OwnerParam, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!param) return true;
    const req = context.switchToHttp().getRequest<Request & { user?: AuthenticatedUser }>();
    const raw = req.params[param];
    const pathUserId = parseUserId(raw);
    if (!pathUserId) {
      throw ValidationFailedError.forField(
        param,
        'format',
        `${param} must be ${USER_ID_RULE}`,
        raw,
      );
    }
    if (!req.user || req.user.userId !== pathUserId) throw new NotResourceOwnerError();
    return true;
  }
}
