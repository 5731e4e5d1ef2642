import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** The gateway's per-request check: is this session still good? */
@ApiSchema({ name: 'dto.SessionStatusResponse' })
export class SessionStatusResponse {
  @ApiProperty({ format: 'uuid' })
  session_id: string;

  @ApiProperty({ description: 'User ID (decimal string)', example: '1001' })
  user_id: string;

  @ApiProperty({ example: true })
  active: boolean;

  @ApiProperty({ enum: ['active', 'revoked', 'expired'], example: 'active' })
  status: string;

  @ApiProperty({ format: 'date-time' })
  idle_expires_at: string;

  @ApiProperty({ format: 'date-time' })
  expires_at: string;
}
