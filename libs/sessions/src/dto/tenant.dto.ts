import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { MAX_SESSIONS_LIMIT, type TenantRow } from '../session-policy';
import { SESSION_LIMIT_POLICIES, type SessionLimitPolicy } from '../sessions.options';
import { COLUMN_LENGTH, ISO_DATE_TIME_MAX_LENGTH, LIST_CURSOR_MAX_LENGTH } from './doc-bounds';
import { BoundedText } from './input-rules';
import { StrictInt } from './strict-int.transform';

/** Seconds: what a lifetime field takes (PostgreSQL integer). */
const SECONDS_MAX = 2_147_483_647;

const seconds = (description: string, example: number) =>
  ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: SECONDS_MAX,
    description,
    example,
  });

/** A whole number of seconds, or a 400 naming the field. */
function Seconds(): PropertyDecorator {
  return (target, key) => {
    const field = String(key);
    // class-validator checks in the order the rules are registered and reports the first
    // failure: the type before the bounds, so "900", true or null is named as not an integer.
    // Absent keeps the setting; null is no number of seconds, so refused as any other value.
    ValidateIf((_object, value) => value !== undefined)(target, key);
    IsInt({ message: `${field} must be an integer` })(target, key);
    Min(1, { message: `${field} must be a positive integer` })(target, key);
    Max(SECONDS_MAX, { message: `${field} must be at most ${SECONDS_MAX}` })(target, key);
  };
}

/** What a tenant's settings say, every member optional (a PATCH changes those it names). */
export class TenantSettingsRequest {
  @seconds(
    "Absolute lifetime of the tenant's sessions that name none; default SESSION_ABSOLUTE_TTL_SECONDS at creation",
    43200,
  )
  @Seconds()
  absolute_ttl_seconds?: number;

  @seconds('Least `ttl_seconds` a sign-in may ask for; at least the service bound', 60)
  @Seconds()
  min_absolute_ttl_seconds?: number;

  @seconds('Greatest `ttl_seconds` a sign-in may ask for; at most the service bound', 2592000)
  @Seconds()
  max_absolute_ttl_seconds?: number;

  @seconds(
    "Idle timeout of the tenant's sessions that name none; a change reaches existing sessions at their next touch",
    1800,
  )
  @Seconds()
  idle_timeout_seconds?: number;

  @seconds('Least `idle_timeout_seconds` a sign-in may ask for', 60)
  @Seconds()
  min_idle_timeout_seconds?: number;

  @seconds('Greatest `idle_timeout_seconds` a sign-in may ask for', 86400)
  @Seconds()
  max_idle_timeout_seconds?: number;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_SESSIONS_LIMIT,
    nullable: true,
    description:
      'Active sessions one user of the tenant may hold at once; null: no limit. Default at creation: SESSION_MAX_PER_USER',
    example: 5,
  })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @Max(MAX_SESSIONS_LIMIT, { message: `max_sessions must be between 1 and ${MAX_SESSIONS_LIMIT}` })
  @Min(1, { message: `max_sessions must be between 1 and ${MAX_SESSIONS_LIMIT}` })
  @IsInt({ message: 'max_sessions must be an integer or null' })
  max_sessions?: number | null;

  @ApiPropertyOptional({
    enum: SESSION_LIMIT_POLICIES,
    description:
      'Past `max_sessions`: `evict-oldest` revokes the least recently active sessions, `deny` refuses the sign-in (409). Default at creation: SESSION_LIMIT_POLICY',
    example: 'evict-oldest',
  })
  // Absent: the default; null is no policy, so refused like any other value.
  @ValidateIf((_, value) => value !== undefined)
  @IsIn(SESSION_LIMIT_POLICIES, {
    message: `limit_policy must be one of: ${SESSION_LIMIT_POLICIES.join(', ')}`,
  })
  limit_policy?: SessionLimitPolicy;
}

/** A new tenant's id: not blank, and no white space at either end (white space inside is kept). */
const TENANT_ID_PATTERN = String.raw`^\S([\s\S]*\S)?$`;

/** `POST /api/tenants`: the id sign-ins carry, and the settings (the service's own where left out). */
@ApiSchema({ name: 'dto.CreateTenantRequest' })
export class CreateTenantRequest extends TenantSettingsRequest {
  @ApiProperty({
    description: 'The `tenant_id` sign-ins carry: not blank, no white space at either end',
    minLength: 1,
    pattern: TENANT_ID_PATTERN,
    maxLength: COLUMN_LENGTH.tenantId,
    example: 'tnt_xyz789',
  })
  @IsNotEmpty({ message: 'tenant_id must not be empty' })
  @Matches(new RegExp(TENANT_ID_PATTERN, 'u'), {
    message: 'tenant_id must not be blank or begin or end with white space',
  })
  @BoundedText(COLUMN_LENGTH.tenantId)
  tenant_id: string;
}

/** `PATCH /api/tenants/{tenant_id}`: the settings to change. */
@ApiSchema({ name: 'dto.UpdateTenantRequest' })
export class UpdateTenantRequest extends TenantSettingsRequest {}

const int = (description: string, example: number, minimum = 1) =>
  ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum,
    maximum: SECONDS_MAX,
    description,
    example,
  });

/** A tenant and its session policy. */
@ApiSchema({ name: 'dto.Tenant' })
export class Tenant {
  @ApiProperty({ maxLength: COLUMN_LENGTH.tenantId, example: 'tnt_xyz789' })
  tenant_id: string;

  @int('Absolute lifetime of sessions that name none, seconds', 43200)
  absolute_ttl_seconds: number;

  @int('Least `ttl_seconds` a sign-in may ask for', 60)
  min_absolute_ttl_seconds: number;

  @int('Greatest `ttl_seconds` a sign-in may ask for', 2592000)
  max_absolute_ttl_seconds: number;

  @int('Idle timeout of sessions that name none, seconds', 1800)
  idle_timeout_seconds: number;

  @int('Least `idle_timeout_seconds` a sign-in may ask for', 60)
  min_idle_timeout_seconds: number;

  @int('Greatest `idle_timeout_seconds` a sign-in may ask for', 86400)
  max_idle_timeout_seconds: number;

  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_SESSIONS_LIMIT,
    nullable: true,
    description: 'Active sessions one user may hold at once; null: no limit',
    example: 5,
  })
  max_sessions: number | null;

  @ApiProperty({ enum: SESSION_LIMIT_POLICIES, example: 'evict-oldest' })
  limit_policy: SessionLimitPolicy;

  @ApiProperty({
    format: 'date-time',
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
    example: '2026-04-15T08:00:00.000Z',
  })
  created_at: string;

  @ApiProperty({
    format: 'date-time',
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
    example: '2026-04-15T08:00:00.000Z',
  })
  updated_at: string;
}

export const MAX_TENANT_PAGE = 1000;
export const DEFAULT_TENANT_PAGE = 100;

/** Paging of `GET /api/tenants`. */
export class TenantListQuery {
  @ApiPropertyOptional({
    description: `Page size (default ${DEFAULT_TENANT_PAGE})`,
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_TENANT_PAGE,
  })
  @IsOptional()
  @Min(1, { message: `limit must be between 1 and ${MAX_TENANT_PAGE}` })
  @Max(MAX_TENANT_PAGE, { message: `limit must be between 1 and ${MAX_TENANT_PAGE}` })
  @IsInt({ message: 'limit must be an integer' })
  @StrictInt()
  limit?: number;

  @ApiPropertyOptional({
    description: 'Opaque `next_cursor` of the previous page',
    maxLength: LIST_CURSOR_MAX_LENGTH,
  })
  @IsOptional()
  @BoundedText(LIST_CURSOR_MAX_LENGTH, {
    message: () => 'cursor must be a next_cursor returned by this list',
  })
  cursor?: string;
}

/** One page of tenants, by id. */
@ApiSchema({ name: 'dto.TenantList' })
export class TenantListResponse {
  @ApiProperty({ type: () => [Tenant], maxItems: MAX_TENANT_PAGE })
  tenants: Tenant[];

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: LIST_CURSOR_MAX_LENGTH,
    description: 'Pass as `cursor` for the next page; null on the last page',
  })
  next_cursor: string | null;
}

export function toTenant(row: TenantRow): Tenant {
  return {
    tenant_id: row.tenant_id,
    absolute_ttl_seconds: row.absolute_ttl_seconds,
    min_absolute_ttl_seconds: row.min_absolute_ttl_seconds,
    max_absolute_ttl_seconds: row.max_absolute_ttl_seconds,
    idle_timeout_seconds: row.idle_timeout_seconds,
    min_idle_timeout_seconds: row.min_idle_timeout_seconds,
    max_idle_timeout_seconds: row.max_idle_timeout_seconds,
    max_sessions: row.max_sessions,
    limit_policy: row.limit_policy,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
