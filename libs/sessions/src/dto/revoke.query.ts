import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';

export class RevokeReasonQuery {
  @ApiPropertyOptional({
    description: 'Why the sessions are ended; kept with them for audit',
    maxLength: 256,
    example: 'suspected token theft',
  })
  @IsOptional()
  @MaxLength(256, { message: 'reason must be at most 256 characters' })
  @IsString({ message: 'reason must be a string' })
  reason?: string;
}

export class RevokeOwnSessionsQuery {
  @ApiPropertyOptional({
    description:
      'true: keep the session the calling token belongs to (its `sid` claim) and end all others ("sign out other devices")',
    enum: ['true', 'false'],
    default: 'false',
  })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'keep_current must be true or false' })
  keep_current?: 'true' | 'false';
}
