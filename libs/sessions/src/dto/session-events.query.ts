import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { EVENT_CURSOR_MAX_LENGTH } from '../event-cursor';
import { SESSION_EVENT_INITIATORS, SESSION_EVENT_TYPES } from '../session-events.sql';
import { SAFE_INTEGER } from './doc-bounds';
import { BoundedText, PG_TIMESTAMP_MAX_LENGTH, PgTimestamp } from './input-rules';
import { StrictInt } from './strict-int.transform';

export const MAX_EVENTS_PAGE = 1000;
export const DEFAULT_EVENTS_PAGE = 100;

/**
 * Paging and filters of a user's audit trail (`GET /api/users/{user_id}/events`).
 * As on the admin list, no parameter carries an `example` (Swagger UI would
 * send it); examples are in the descriptions.
 */
export class UserEventsQuery {
  @ApiPropertyOptional({
    description: 'Events per page, newest first',
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_EVENTS_PAGE,
    default: DEFAULT_EVENTS_PAGE,
  })
  @Min(1, { message: `limit must be between 1 and ${MAX_EVENTS_PAGE}` })
  @Max(MAX_EVENTS_PAGE, { message: `limit must be between 1 and ${MAX_EVENTS_PAGE}` })
  @IsInt({ message: 'limit must be an integer' })
  @StrictInt()
  limit: number = DEFAULT_EVENTS_PAGE;

  @ApiPropertyOptional({
    description: 'Opaque `next_cursor` of the previous page, with the same filters',
    maxLength: EVENT_CURSOR_MAX_LENGTH,
  })
  @IsOptional()
  @BoundedText(EVENT_CURSOR_MAX_LENGTH, {
    message: () => 'cursor must be a next_cursor returned by this list',
  })
  cursor?: string;

  @ApiPropertyOptional({
    description: 'Only events of this session, e.g. `3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10`',
    format: 'uuid',
    maxLength: 36,
  })
  @IsOptional()
  @IsUUID('all', { message: 'session_id must be a UUID' })
  session_id?: string;

  @ApiPropertyOptional({ description: 'Only events of this type', enum: SESSION_EVENT_TYPES })
  @IsOptional()
  @IsIn(SESSION_EVENT_TYPES, {
    message: `type must be one of: ${SESSION_EVENT_TYPES.join(', ')}`,
  })
  type?: string;

  @ApiPropertyOptional({
    description: 'Only events started by this kind of initiator',
    enum: SESSION_EVENT_INITIATORS,
  })
  @IsOptional()
  @IsIn(SESSION_EVENT_INITIATORS, {
    message: `initiator must be one of: ${SESSION_EVENT_INITIATORS.join(', ')}`,
  })
  initiator?: string;

  @ApiPropertyOptional({
    description:
      'Only events at or after this time (RFC 3339 with a time zone, e.g. `2026-04-15T00:00:00Z`)',
    format: 'date-time',
    maxLength: PG_TIMESTAMP_MAX_LENGTH,
  })
  @IsOptional()
  @PgTimestamp()
  since?: string;

  @ApiPropertyOptional({
    description:
      'Only events before this time (RFC 3339 with a time zone), exclusive; later than `since`',
    format: 'date-time',
    maxLength: PG_TIMESTAMP_MAX_LENGTH,
  })
  @IsOptional()
  @PgTimestamp()
  until?: string;
}

/** The same, over every user's events (`GET /api/sessions/events`), optionally of one user. */
export class SessionEventsQuery extends UserEventsQuery {
  @ApiPropertyOptional({
    description: 'Only events of this user, e.g. `1001`',
    type: 'integer',
    minimum: 1,
    ...SAFE_INTEGER,
  })
  @IsOptional()
  @Min(1, { message: 'user_id must be a positive integer' })
  @Max(Number.MAX_SAFE_INTEGER, { message: `user_id must be at most ${Number.MAX_SAFE_INTEGER}` })
  @IsInt({ message: 'user_id must be a positive integer' })
  @StrictInt()
  user_id?: number;
}
