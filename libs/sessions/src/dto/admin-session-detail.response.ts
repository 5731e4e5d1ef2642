import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { AdminSession } from './admin-session-list.response';
import { STORED_AMR_VALUES, MAX_AMR_METHODS } from '../amr';
import { COLUMN_LENGTH, ISO_DATE_TIME_MAX_LENGTH } from './doc-bounds';

/** One session of any status, for an admin: the list's fields plus its state and audit record. */
@ApiSchema({ name: 'AdminSessionDetail' })
export class AdminSessionDetail extends AdminSession {
  @ApiProperty({ enum: ['active', 'revoked', 'expired'], example: 'revoked' })
  status: string;

  @ApiProperty({ format: 'date-time', maxLength: ISO_DATE_TIME_MAX_LENGTH })
  authenticated_at: string;

  @ApiProperty({ format: 'date-time', maxLength: ISO_DATE_TIME_MAX_LENGTH })
  idle_expires_at: string;

  @ApiProperty({
    type: 'integer',
    format: 'int32',
    description: 'Idle timeout in seconds, within the configured bounds',
    example: 1800,
  })
  idle_timeout_seconds: number;

  @ApiProperty({
    type: [String],
    enum: STORED_AMR_VALUES,
    maxItems: MAX_AMR_METHODS,
    example: ['pwd', 'otp'],
  })
  amr: string[];

  @ApiProperty({ maxLength: COLUMN_LENGTH.deviceType, example: 'desktop' })
  device_type: string;

  @ApiPropertyOptional({ maxLength: COLUMN_LENGTH.deviceId, example: 'dev_abc123' })
  device_id?: string;

  @ApiPropertyOptional({ maxLength: COLUMN_LENGTH.tenantId, example: 'tnt_xyz789' })
  tenant_id?: string;

  @ApiPropertyOptional({ maxLength: COLUMN_LENGTH.geoip, example: 'Beijing, CN' })
  geoip?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
    description: 'When it was revoked',
  })
  revoked_at?: string;

  @ApiPropertyOptional({
    description: 'Who revoked it: user:<id>, admin:<id> or service:<id>',
    maxLength: COLUMN_LENGTH.revokedBy,
    example: 'admin:1',
  })
  revoked_by?: string;

  @ApiPropertyOptional({
    description: 'Why it was revoked',
    maxLength: COLUMN_LENGTH.revokeReason,
    example: 'suspected token theft',
  })
  revoke_reason?: string;
}
