import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { AMR_LIST_MAX_LENGTH } from '../amr';
import {
  COLUMN_LENGTH,
  IP_ADDRESS_MAX_LENGTH,
  ISO_DATE_TIME_MAX_LENGTH,
  USER_ID_STRING,
  UUID_LENGTH,
} from './doc-bounds';

/** `dto.SessionResponse`: one session as the user's "your devices" page shows it. */
@ApiSchema({ name: 'dto.SessionResponse', description: 'User Session Information' })
export class SessionResponse {
  @ApiProperty({
    description: 'Session ID',
    format: 'uuid',
    maxLength: UUID_LENGTH,
    example: '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10',
  })
  id: string;

  @ApiProperty({ description: 'User ID (decimal string)', ...USER_ID_STRING, example: '1001' })
  user_id: string;

  @ApiPropertyOptional({
    description: 'Tenant ID',
    maxLength: COLUMN_LENGTH.tenantId,
    example: 'tnt_xyz789',
  })
  tenant_id?: string;

  @ApiPropertyOptional({
    description: 'Device ID',
    maxLength: COLUMN_LENGTH.deviceId,
    example: 'dev_abc123',
  })
  device_id?: string;

  @ApiProperty({
    description: 'Device Type',
    maxLength: COLUMN_LENGTH.deviceType,
    example: 'desktop',
  })
  device_type: string;

  @ApiProperty({ description: 'IP', maxLength: IP_ADDRESS_MAX_LENGTH, example: '192.168.1.1' })
  ip: string;

  @ApiPropertyOptional({
    description: 'GeoIP Location',
    maxLength: COLUMN_LENGTH.geoip,
    example: 'Beijing, CN',
  })
  geoip?: string;

  @ApiProperty({ description: 'UA', maxLength: COLUMN_LENGTH.userAgent, example: 'Mozilla/5.0...' })
  user_agent: string;

  @ApiProperty({
    description: 'Authentication Method Reference',
    maxLength: AMR_LIST_MAX_LENGTH,
    example: 'password,totp',
  })
  amr: string;

  @ApiProperty({ description: 'Status', example: 'active', enum: ['active', 'revoked', 'expired'] })
  status: string;

  @ApiProperty({
    description: 'Creation Time',
    example: '2026-04-15T08:00:00Z',
    format: 'date-time',
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
  })
  created_at: string;

  @ApiProperty({
    description: 'Authentication Time',
    example: '2026-04-15T08:00:00Z',
    format: 'date-time',
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
  })
  authenticated_at: string;

  @ApiProperty({
    description: 'Last Activity',
    example: '2026-04-15T10:30:00Z',
    format: 'date-time',
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
  })
  last_active_at: string;

  @ApiProperty({
    description: 'Idle Timeout',
    example: '2026-04-15T12:00:00Z',
    format: 'date-time',
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
  })
  idle_expires_at: string;

  @ApiProperty({
    description: 'Expiration Time',
    example: '2026-04-16T08:00:00Z',
    format: 'date-time',
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
  })
  expires_at: string;
}
