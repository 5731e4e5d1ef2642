import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { COLUMN_LENGTH } from './doc-bounds';
import { BoundedText } from './input-rules';

export class RevokeReasonQuery {
  @ApiPropertyOptional({
    description: 'Why the sessions are ended; kept with them for audit',
    maxLength: COLUMN_LENGTH.revokeReason,
    example: 'suspected token theft',
  })
  @IsOptional()
  @BoundedText(COLUMN_LENGTH.revokeReason)
  reason?: string;
}

export class RevokeOwnSessionsQuery {
  @ApiPropertyOptional({
    description:
      'true: keep the session the calling token belongs to (its session claim, `session_id` unless configured) and end all others ("sign out other devices")',
    enum: ['true', 'false'],
    default: 'false',
  })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'keep_current must be true or false' })
  keep_current?: 'true' | 'false';
}
