import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { AdminSession } from './admin-session-list.response';

/** One session of any status, for an admin: the list's fields plus its state and audit record. */
@ApiSchema({ name: 'AdminSessionDetail' })
export class AdminSessionDetail extends AdminSession {
  @ApiProperty({ enum: ['active', 'revoked', 'expired'], example: 'revoked' })
  status: string;

  @ApiProperty({ format: 'date-time' })
  authenticated_at: string;

  @ApiProperty({ format: 'date-time' })
  idle_expires_at: string;

  @ApiProperty({ type: 'integer', example: 1800 })
  idle_timeout_seconds: number;

  @ApiProperty({ type: [String], example: ['pwd', 'otp'] })
  amr: string[];

  @ApiProperty({ example: 'desktop' })
  device_type: string;

  @ApiPropertyOptional({ example: 'dev_abc123' })
  device_id?: string;

  @ApiPropertyOptional({ example: 'tnt_xyz789' })
  tenant_id?: string;

  @ApiPropertyOptional({ example: 'Beijing, CN' })
  geoip?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'When it was revoked' })
  revoked_at?: string;

  @ApiPropertyOptional({
    description: 'Who revoked it: user:<id>, admin:<id> or service:<id>',
    example: 'admin:1',
  })
  revoked_by?: string;

  @ApiPropertyOptional({ description: 'Why it was revoked', example: 'suspected token theft' })
  revoke_reason?: string;
}
