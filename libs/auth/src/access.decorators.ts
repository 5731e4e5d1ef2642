import { applyDecorators, createParamDecorator, ExecutionContext, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiParam } from '@nestjs/swagger';
import { ApiProblemResponses, type ProblemExampleSpec } from '@session-service/problem';
import type { HttpRequest as Request } from './http-request';
import { type AccessRole, OwnerParam, RequiredRoles } from './access.metadata';
import { type AuthenticatedUser, USER_ID_PARAM_SCHEMA, USER_ID_RULE } from './authenticated-user';
import { AccessGrantedGuard } from './access-granted.guard';
import { JwtAuthGuard } from './jwt-auth.guard';
import { OwnershipGuard } from './ownership.guard';
import { RolesGuard } from './roles.guard';

/** The security scheme's name in the OpenAPI document, as seed 001 names it. */
export const BEARER_SCHEME = 'bearerAuth';

/** Any valid bearer token. */
export function Authenticated(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    UseGuards(JwtAuthGuard, AccessGrantedGuard),
    ApiBearerAuth(BEARER_SCHEME),
    ApiProblemResponses([401]),
  );
}

/** A valid token carrying at least one of the given roles. */
export function RequireRoles(...roles: AccessRole[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    RequiredRoles(roles),
    UseGuards(JwtAuthGuard, RolesGuard, AccessGrantedGuard),
    ApiBearerAuth(BEARER_SCHEME),
    ApiProblemResponses(
      [401, 403],
      { 403: `The token lacks the ${roles.join(' or ')} role` },
      {
        403: {
          kind: 'roleRequired',
          ...(roles.length === 1
            ? { variant: 'one_role', args: { role: roles[0] } }
            : { variant: 'two_roles', args: { role: roles[0], other_role: roles[1] } }),
        },
      },
    ),
  );
}

/** Admin role required. */
export function AdminOnly(): MethodDecorator & ClassDecorator {
  return RequireRoles('admin');
}

/**
 * The route's `param` (a user id) must be the token's own user. `examples`
 * replaces the documented Problem example of a status (e.g. a 400 naming a
 * query parameter rather than the path's user id).
 */
export function OwnerOnly(
  param = 'user_id',
  examples: Record<number, ProblemExampleSpec> = {},
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    OwnerParam(param),
    UseGuards(JwtAuthGuard, OwnershipGuard, AccessGrantedGuard),
    ApiBearerAuth(BEARER_SCHEME),
    ApiParam({
      name: param,
      description: `User ID, must match the current JWT user: ${USER_ID_RULE}`,
      schema: { type: 'string', ...USER_ID_PARAM_SCHEMA },
      example: '1001',
    }),
    ApiProblemResponses(
      [400, 401, 403],
      { 403: 'JWT user does not match path parameter' },
      {
        400: {
          kind: 'invalidRequest',
          violations: [
            {
              field: param,
              code: 'format',
              description: `${param} must be ${USER_ID_RULE}`,
              value: '01',
            },
          ],
        },
        403: { kind: 'notResourceOwner' },
        ...examples,
      },
    ),
  );
}

/** The verified caller, as set by the JWT guard. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AuthenticatedUser =>
    context.switchToHttp().getRequest<Request & { user: AuthenticatedUser }>().user,
);
