import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AMR_NAME_MAX_LENGTH } from '../amr';
import {
  COLUMN_LENGTH,
  IP_ADDRESS_MAX_LENGTH,
  ISO_DATE_TIME_MAX_LENGTH,
  LIST_CURSOR_MAX_LENGTH,
  UUID_LENGTH,
} from './doc-bounds';

/** One active session in the admin list (`GET /api/sessions/all`). */
export class AdminSession {
  @ApiProperty({
    format: 'uuid',
    maxLength: UUID_LENGTH,
    example: '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10',
  })
  session_id: string;

  // Seed 000 gives no format for its integers.
  @ApiProperty({ type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER, example: 1001 })
  user_id: number;

  @ApiProperty({
    format: 'date-time',
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
    example: '2026-04-15T08:00:00.000Z',
  })
  created_at: string;

  @ApiProperty({
    format: 'date-time',
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
    example: '2026-04-15T20:00:00.000Z',
  })
  expires_at: string;

  @ApiProperty({
    format: 'date-time',
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
    example: '2026-04-15T10:30:00.000Z',
  })
  last_activity: string;

  @ApiProperty({ maxLength: IP_ADDRESS_MAX_LENGTH, example: '192.168.1.1' })
  ip_address: string;

  @ApiProperty({
    maxLength: COLUMN_LENGTH.userAgent,
    example: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) ...',
  })
  user_agent: string;

  @ApiProperty({
    description: 'First authentication method of the sign-in (RFC 8176)',
    maxLength: AMR_NAME_MAX_LENGTH,
    example: 'pwd',
  })
  auth_method: string;

  @ApiProperty({ example: true })
  is_active: boolean;

  @ApiProperty({ maxLength: COLUMN_LENGTH.username, example: 'alice' })
  username: string;
}

/** Every active session, for an admin. */
export class AdminSessionListResponse {
  @ApiProperty({ type: () => [AdminSession] })
  sessions: AdminSession[];

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'Number of sessions in `sessions`',
    example: 1,
  })
  total: number;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    maxLength: LIST_CURSOR_MAX_LENGTH,
    description: 'Only with `limit`: pass as `cursor` for the next page; null on the last page',
  })
  next_cursor?: string | null;
}
