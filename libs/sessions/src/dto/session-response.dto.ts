import { ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { AMR_LIST_MAX_LENGTH } from '../amr';
import {
  COLUMN_LENGTH,
  IP_ADDRESS_MAX_LENGTH,
  ISO_DATE_TIME_MAX_LENGTH,
  USER_ID_STRING,
  UUID_LENGTH,
} from './doc-bounds';

/**
 * `dto.SessionResponse`: one session as the user's "your devices" page shows it.
 * As seed 001 documents it: every member optional; the service always sends all
 * but `tenant_id`, `device_id` and `geoip`, which it leaves out when the sign-in
 * did not give them. Seed 001 gives no string formats, so none is stated here
 * (the descriptions say which members are UUIDs and date-times).
 */
@ApiSchema({ name: 'dto.SessionResponse', description: 'User Session Information' })
export class SessionResponse {
  @ApiPropertyOptional({
    description: 'Session ID (a UUID)',
    maxLength: UUID_LENGTH,
    example: '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10',
  })
  id: string;

  @ApiPropertyOptional({
    description: 'User ID (decimal string)',
    ...USER_ID_STRING,
    example: '1001',
  })
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

  @ApiPropertyOptional({
    description: 'Device Type',
    maxLength: COLUMN_LENGTH.deviceType,
    example: 'desktop',
  })
  device_type: string;

  @ApiPropertyOptional({
    description: 'IP',
    maxLength: IP_ADDRESS_MAX_LENGTH,
    example: '192.168.1.1',
  })
  ip: string;

  @ApiPropertyOptional({
    description: 'GeoIP Location',
    maxLength: COLUMN_LENGTH.geoip,
    example: 'Beijing, CN',
  })
  geoip?: string;

  @ApiPropertyOptional({
    description: 'UA',
    maxLength: COLUMN_LENGTH.userAgent,
    example: 'Mozilla/5.0...',
  })
  user_agent: string;

  @ApiPropertyOptional({
    description: 'Authentication Method Reference',
    maxLength: AMR_LIST_MAX_LENGTH,
    example: 'password,totp',
  })
  amr: string;

  @ApiPropertyOptional({
    description: 'Status',
    example: 'active',
    enum: ['active', 'revoked', 'expired'],
  })
  status: string;

  @ApiPropertyOptional({
    description: 'Creation Time (RFC 3339)',
    example: '2026-04-15T08:00:00Z',
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
  })
  created_at: string;

  @ApiPropertyOptional({
    description: 'Authentication Time (RFC 3339)',
    example: '2026-04-15T08:00:00Z',
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
  })
  authenticated_at: string;

  @ApiPropertyOptional({
    description: 'Last Activity (RFC 3339)',
    example: '2026-04-15T10:30:00Z',
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
  })
  last_active_at: string;

  @ApiPropertyOptional({
    description: 'Idle Timeout (RFC 3339)',
    example: '2026-04-15T12:00:00Z',
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
  })
  idle_expires_at: string;

  @ApiPropertyOptional({
    description: 'Expiration Time (RFC 3339)',
    example: '2026-04-16T08:00:00Z',
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
  })
  expires_at: string;
}
