import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { EVENT_CURSOR_MAX_LENGTH } from '../event-cursor';
import { SESSION_EVENT_INITIATORS, SESSION_EVENT_TYPES } from '../session-events.sql';
import { MAX_EVENTS_PAGE } from './session-events.query';
import { COLUMN_LENGTH, ISO_DATE_TIME_MAX_LENGTH, USER_ID_STRING, UUID_LENGTH } from './doc-bounds';

/** One event of the audit trail. */
@ApiSchema({ name: 'dto.SessionEvent' })
export class SessionEvent {
  @ApiProperty({
    description: 'Event id (decimal string): increasing in the order events were written',
    pattern: '^[1-9][0-9]{0,18}$',
    maxLength: 19,
    example: '4711',
  })
  id: string;

  @ApiProperty({ enum: SESSION_EVENT_TYPES, example: 'revoked' })
  type: string;

  @ApiProperty({
    description: 'The session; null for an event of the user alone',
    format: 'uuid',
    maxLength: UUID_LENGTH,
    nullable: true,
    type: 'string',
    example: '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10',
  })
  session_id: string | null;

  @ApiProperty({ description: 'User ID (decimal string)', ...USER_ID_STRING, example: '1001' })
  user_id: string;

  @ApiProperty({
    maxLength: COLUMN_LENGTH.tenantId,
    nullable: true,
    type: 'string',
    example: 'acme',
  })
  tenant_id: string | null;

  @ApiProperty({
    description:
      'Who started the change: the user, an admin, a service, a policy (e.g. a session limit) or the system (expiry)',
    enum: SESSION_EVENT_INITIATORS,
    example: 'admin',
  })
  initiator: string;

  @ApiProperty({
    description: 'The caller as recorded, e.g. `admin:1`, `user:1001`, `policy`, `system`',
    maxLength: COLUMN_LENGTH.revokedBy,
    nullable: true,
    type: 'string',
    example: 'admin:1',
  })
  actor: string | null;

  @ApiProperty({
    description: 'Why: the revocation reason given, or `absolute` / `idle` for an expiry',
    maxLength: COLUMN_LENGTH.revokeReason,
    nullable: true,
    type: 'string',
    example: 'stolen device',
  })
  reason: string | null;

  @ApiProperty({
    description: 'X-Request-Id of the request that caused it; null for the sweeper',
    maxLength: 128,
    nullable: true,
    type: 'string',
    example: 'req_6f1c2a7e-5d3b-4c8e-9a10-2b4d6e8f0a1c',
  })
  request_id: string | null;

  @ApiProperty({
    description: 'W3C trace id of that request (32 hex digits); null for the sweeper',
    pattern: '^[0-9a-f]{32}$',
    maxLength: 32,
    nullable: true,
    type: 'string',
    example: '4bf92f3577b34da6a3ce929d0e0e4736',
  })
  trace_id: string | null;

  @ApiProperty({
    format: 'date-time',
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
    example: '2026-04-15T10:30:00.000Z',
  })
  occurred_at: string;

  @ApiProperty({
    description:
      'More about it: `issuer` and `subject` of a mapping, `expired_at` of an expiry; null otherwise',
    type: 'object',
    additionalProperties: { type: 'string', maxLength: COLUMN_LENGTH.subject },
    nullable: true,
    example: { expired_at: '2026-04-15T20:00:00.000Z' },
  })
  details: Record<string, string> | null;
}

/** A page of the audit trail, newest first. */
@ApiSchema({ name: 'dto.SessionEventsResponse' })
export class SessionEventsResponse {
  @ApiProperty({ type: () => [SessionEvent], maxItems: MAX_EVENTS_PAGE })
  events: SessionEvent[];

  @ApiProperty({
    description:
      'Pass as `cursor` (with the same filters) for the next, older page; null at the end',
    maxLength: EVENT_CURSOR_MAX_LENGTH,
    nullable: true,
    type: 'string',
  })
  next_cursor: string | null;
}
