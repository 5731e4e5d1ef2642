import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsDefined, IsIn, IsInt, IsOptional, Max, Min, ValidateIf } from 'class-validator';
import { MAX_SESSIONS_LIMIT, type SessionLimit } from '../session-policy';
import { SESSION_LIMIT_POLICIES, type SessionLimitPolicy } from '../sessions.options';

const SOURCES = ['user', 'tenant', 'default'] as const;

/** `PUT /api/users/{user_id}/session-limit`: a user's own limit, beating their tenant's and the service's. */
@ApiSchema({ name: 'dto.SessionLimitRequest' })
export class SessionLimitRequest {
  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_SESSIONS_LIMIT,
    nullable: true,
    description: 'Active sessions the user may hold at once; null: no limit for this user',
    example: 3,
  })
  @ValidateIf((_o, v) => v !== null)
  @Max(MAX_SESSIONS_LIMIT, { message: `max_sessions must be between 1 and ${MAX_SESSIONS_LIMIT}` })
  @Min(1, { message: `max_sessions must be between 1 and ${MAX_SESSIONS_LIMIT}` })
  @IsInt({ message: 'max_sessions must be an integer or null' })
  @IsDefined({ message: 'max_sessions is required (null: no limit of their own)' })
  max_sessions: number | null;

  @ApiPropertyOptional({
    enum: SESSION_LIMIT_POLICIES,
    description: 'Past the limit; default SESSION_LIMIT_POLICY',
    example: 'deny',
  })
  @IsOptional()
  @IsIn(SESSION_LIMIT_POLICIES, {
    message: `limit_policy must be one of: ${SESSION_LIMIT_POLICIES.join(', ')}`,
  })
  limit_policy?: SessionLimitPolicy;
}

/** The concurrent-session limit a user is held to, and where it comes from. */
@ApiSchema({ name: 'dto.SessionLimit' })
export class SessionLimitResponse {
  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_SESSIONS_LIMIT,
    nullable: true,
    description: 'Active sessions the user may hold at once; null: no limit',
    example: 5,
  })
  max_sessions: number | null;

  @ApiProperty({ enum: SESSION_LIMIT_POLICIES, example: 'evict-oldest' })
  limit_policy: SessionLimitPolicy;

  @ApiProperty({
    enum: SOURCES,
    description:
      "`user`: an admin's limit for this user; `tenant`: the tenant of the user's latest sign-in; `default`: the service's",
    example: 'tenant',
  })
  source: SessionLimit['source'];
}

export function toSessionLimit(limit: SessionLimit): SessionLimitResponse {
  return {
    max_sessions: limit.max_sessions,
    limit_policy: limit.limit_policy,
    source: limit.source,
  };
}
