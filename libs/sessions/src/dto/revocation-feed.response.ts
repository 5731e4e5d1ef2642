import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { BoundedText, PG_TIMESTAMP_MAX_LENGTH, PgTimestamp } from './input-rules';
import { StrictInt } from './strict-int.transform';
import {
  COLUMN_LENGTH,
  FEED_CURSOR_MAX_LENGTH,
  ISO_DATE_TIME_MAX_LENGTH,
  USER_ID_STRING,
  UUID_LENGTH,
} from './doc-bounds';

export const MAX_FEED_LIMIT = 1000;

@ApiSchema({ name: 'dto.Revocation' })
export class Revocation {
  @ApiProperty({ format: 'uuid', maxLength: UUID_LENGTH })
  session_id: string;

  @ApiProperty({ description: 'User ID (decimal string)', ...USER_ID_STRING, example: '1001' })
  user_id: string;

  @ApiProperty({ format: 'date-time', maxLength: ISO_DATE_TIME_MAX_LENGTH })
  revoked_at: string;

  @ApiProperty({ maxLength: COLUMN_LENGTH.revokedBy, example: 'user:1001' })
  revoked_by: string;

  @ApiPropertyOptional({ maxLength: COLUMN_LENGTH.revokeReason, example: 'signed out' })
  reason?: string;

  @ApiProperty({
    description: 'Cursor of the feed just after this revocation (the SSE event id)',
    maxLength: FEED_CURSOR_MAX_LENGTH,
  })
  cursor: string;
}

@ApiSchema({ name: 'dto.RevocationFeedResponse' })
export class RevocationFeedResponse {
  @ApiProperty({ type: () => [Revocation], maxItems: MAX_FEED_LIMIT })
  revocations: Revocation[];

  @ApiProperty({
    description: 'Pass as `after` to read on; returned even when no revocation is new',
    maxLength: FEED_CURSOR_MAX_LENGTH,
  })
  next_cursor: string;

  @ApiProperty({ description: 'More revocations are ready now; read again at once' })
  has_more: boolean;
}

export class RevocationFeedQuery {
  @ApiPropertyOptional({
    description: 'Opaque cursor from a previous page; absent: from the start',
    maxLength: FEED_CURSOR_MAX_LENGTH,
  })
  @IsOptional()
  @BoundedText(FEED_CURSOR_MAX_LENGTH, {
    message: () => 'after must be a cursor returned by this feed',
  })
  after?: string;

  @ApiPropertyOptional({
    description:
      'Only revocations made at or after this time (RFC 3339, with a time zone within ±15:59): a gateway starting up reads the revocations of the last token lifetime, then follows on with `after`',
    format: 'date-time',
    maxLength: PG_TIMESTAMP_MAX_LENGTH,
    example: '2026-01-01T00:00:00Z',
  })
  @IsOptional()
  @PgTimestamp()
  since?: string;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    default: 100,
    minimum: 1,
    maximum: MAX_FEED_LIMIT,
  })
  @Min(1, { message: `limit must be between 1 and ${MAX_FEED_LIMIT}` })
  @Max(MAX_FEED_LIMIT, { message: `limit must be between 1 and ${MAX_FEED_LIMIT}` })
  @IsInt({ message: 'limit must be an integer' })
  @StrictInt()
  limit: number = 100;
}
