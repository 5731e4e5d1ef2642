import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { MAX_LISTED_SUBJECTS } from '../sessions.repository';
import type { UserSummary } from '../sessions.service';
import { SessionLimitResponse, toSessionLimit } from './session-limit.dto';
import { COLUMN_LENGTH, ISO_DATE_TIME_MAX_LENGTH, SAFE_INTEGER } from './doc-bounds';

/** An identity provider's subject recorded for a user at sign-in. */
@ApiSchema({ name: 'dto.UserSubject' })
export class UserSubject {
  @ApiProperty({
    description: 'Issuer (`iss`) of the subject',
    maxLength: COLUMN_LENGTH.issuer,
    example: 'https://idp.example.com/realms/main',
  })
  issuer: string;

  @ApiProperty({
    description: "The identity provider's subject (`sub`)",
    maxLength: COLUMN_LENGTH.subject,
    example: 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
  })
  subject: string;

  @ApiProperty({
    format: 'date-time',
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
    description: 'When the mapping was first recorded',
    example: '2026-04-15T08:00:00.000Z',
  })
  created_at: string;
}

/** A user (`GET /api/users/{user_id}`): name, subjects and active sessions. */
@ApiSchema({ name: 'dto.AdminUser' })
export class AdminUser {
  @ApiProperty({ type: 'integer', minimum: 1, ...SAFE_INTEGER, example: 1001 })
  user_id: number;

  @ApiProperty({
    description: "The name of the latest sign-in (or the host directory's)",
    maxLength: COLUMN_LENGTH.username,
    example: 'alice',
  })
  username: string;

  @ApiProperty({
    type: [UserSubject],
    maxItems: MAX_LISTED_SUBJECTS,
    description: `The identity providers' subjects mapped to the user, oldest first (the first ${MAX_LISTED_SUBJECTS})`,
  })
  subjects: UserSubject[];

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    ...SAFE_INTEGER,
    description: 'Sessions of the user active now',
    example: 2,
  })
  active_sessions: number;

  @ApiProperty({
    type: String,
    nullable: true,
    maxLength: COLUMN_LENGTH.tenantId,
    description: "Tenant of the user's latest sign-in; null when it named none",
    example: 'tnt_xyz789',
  })
  tenant_id: string | null;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
    description: 'When the latest sign-in was recorded; null when none is',
    example: '2026-04-15T08:00:00.000Z',
  })
  last_sign_in_at: string | null;

  @ApiProperty({
    type: SessionLimitResponse,
    description: 'The concurrent-session limit the user is held to at their next sign-in',
  })
  session_limit: SessionLimitResponse;
}

export function toAdminUser(row: UserSummary): AdminUser {
  return {
    user_id: Number(row.user_id),
    username: row.username,
    subjects: row.subjects.map((s) => ({
      issuer: s.issuer,
      subject: s.subject,
      created_at: s.created_at,
    })),
    active_sessions: row.active_sessions,
    tenant_id: row.tenant_id,
    last_sign_in_at: row.last_sign_in_at,
    session_limit: toSessionLimit(row.session_limit),
  };
}
