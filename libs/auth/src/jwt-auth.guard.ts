import { Injectable } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { AuthenticationError, isDatabaseUnavailable } from '@app/problem';
import type { Request } from 'express';
import type { AuthenticatedUser } from './authenticated-user';

const BEARER_SCHEME_PREFIX = /^bearer(\s|$)/i;

/**
 * Authenticates the bearer token. Every failure (missing, malformed, expired,
 * not yet valid, wrongly signed, `alg: none`, missing claims) becomes the same
 * 401 Problem: the response never says which check failed.
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  handleRequest<TUser = AuthenticatedUser>(
    err: unknown,
    user: TUser | false,
    _info: unknown,
    context: import('@nestjs/common').ExecutionContext,
  ): TUser {
    // The session check could not reach the database: a 503, never a pass and never a misleading 401.
    if (isDatabaseUnavailable(err)) throw err;
    if (err || !user) {
      const req = context.switchToHttp().getRequest<Request>();
      // RFC 6750 section 3.1: another scheme (Basic, Token, ...) is no bearer token; no error code.
      const presented = BEARER_SCHEME_PREFIX.test(req.headers.authorization ?? '');
      throw new AuthenticationError(
        presented ? 'The bearer token was not accepted' : 'A bearer token is required',
        presented,
      );
    }
    return user;
  }
}
