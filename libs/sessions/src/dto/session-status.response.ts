import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { ISO_DATE_TIME_MAX_LENGTH, USER_ID_STRING, UUID_LENGTH } from './doc-bounds';

/** The gateway's per-request check: is this session still good? */
@ApiSchema({ name: 'dto.SessionStatusResponse' })
export class SessionStatusResponse {
  @ApiProperty({ format: 'uuid', maxLength: UUID_LENGTH })
  session_id: string;

  @ApiProperty({ description: 'User ID (decimal string)', ...USER_ID_STRING, example: '1001' })
  user_id: string;

  @ApiProperty({ example: true })
  active: boolean;

  @ApiProperty({ enum: ['active', 'revoked', 'expired'], example: 'active' })
  status: string;

  @ApiProperty({ format: 'date-time', maxLength: ISO_DATE_TIME_MAX_LENGTH })
  idle_expires_at: string;

  @ApiProperty({ format: 'date-time', maxLength: ISO_DATE_TIME_MAX_LENGTH })
  expires_at: string;
}
