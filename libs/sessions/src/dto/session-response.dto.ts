import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/** `dto.SessionResponse`: one session as the user's "your devices" page shows it. */
@ApiSchema({ name: 'dto.SessionResponse', description: 'User Session Information' })
export class SessionResponse {
  @ApiProperty({ description: 'Session ID', example: '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10' })
  id: string;

  @ApiProperty({ description: 'User ID (decimal string)', example: '1001' })
  user_id: string;

  @ApiPropertyOptional({ description: 'Tenant ID', example: 'tnt_xyz789' })
  tenant_id?: string;

  @ApiPropertyOptional({ description: 'Device ID', example: 'dev_abc123' })
  device_id?: string;

  @ApiProperty({ description: 'Device Type', example: 'desktop' })
  device_type: string;

  @ApiProperty({ description: 'IP', example: '192.168.1.1' })
  ip: string;

  @ApiPropertyOptional({ description: 'GeoIP Location', example: 'Beijing, CN' })
  geoip?: string;

  @ApiProperty({ description: 'UA', example: 'Mozilla/5.0...' })
  user_agent: string;

  @ApiProperty({ description: 'Authentication Method Reference', example: 'password,totp' })
  amr: string;

  @ApiProperty({ description: 'Status', example: 'active', enum: ['active', 'revoked', 'expired'] })
  status: string;

  @ApiProperty({
    description: 'Creation Time',
    example: '2026-04-15T08:00:00Z',
    format: 'date-time',
  })
  created_at: string;

  @ApiProperty({
    description: 'Authentication Time',
    example: '2026-04-15T08:00:00Z',
    format: 'date-time',
  })
  authenticated_at: string;

  @ApiProperty({
    description: 'Last Activity',
    example: '2026-04-15T10:30:00Z',
    format: 'date-time',
  })
  last_active_at: string;

  @ApiProperty({
    description: 'Idle Timeout',
    example: '2026-04-15T12:00:00Z',
    format: 'date-time',
  })
  idle_expires_at: string;

  @ApiProperty({
    description: 'Expiration Time',
    example: '2026-04-16T08:00:00Z',
    format: 'date-time',
  })
  expires_at: string;
}
