import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One active session in the admin list (`GET /api/sessions/all`). */
export class AdminSession {
  @ApiProperty({ format: 'uuid', example: '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10' })
  session_id: string;

  @ApiProperty({ type: 'integer', example: 1001 })
  user_id: number;

  @ApiProperty({ format: 'date-time', example: '2026-04-15T08:00:00.000Z' })
  created_at: string;

  @ApiProperty({ format: 'date-time', example: '2026-04-15T20:00:00.000Z' })
  expires_at: string;

  @ApiProperty({ format: 'date-time', example: '2026-04-15T10:30:00.000Z' })
  last_activity: string;

  @ApiProperty({ example: '192.168.1.1' })
  ip_address: string;

  @ApiProperty({ example: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) ...' })
  user_agent: string;

  @ApiProperty({
    description: 'First authentication method of the sign-in (RFC 8176)',
    example: 'pwd',
  })
  auth_method: string;

  @ApiProperty({ example: true })
  is_active: boolean;

  @ApiProperty({ example: 'alice' })
  username: string;
}

/** Every active session, for an admin. */
export class AdminSessionListResponse {
  @ApiProperty({ type: () => [AdminSession] })
  sessions: AdminSession[];

  @ApiProperty({ type: 'integer', description: 'Number of sessions in `sessions`', example: 1 })
  total: number;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Only with `limit`: pass as `cursor` for the next page; null on the last page',
  })
  next_cursor?: string | null;
}
