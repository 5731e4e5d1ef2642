import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AdminOnly, USER_ID_PARAM_SCHEMA, USER_ID_RULE } from '@session-service/auth';
import {
  ApiProblemResponses,
  ProblemResponses,
  ValidationFailedError,
} from '@session-service/problem';
import { BAD_USER_ID, badField, USER_NOT_FOUND } from './api-examples';
import { SessionEventsQuery, UserEventsQuery } from './dto/session-events.query';
import { SessionEventsResponse } from './dto/session-events.response';
import { pgTimestampToIso } from './dto/input-rules';
import { toSessionEvent } from './mappers/session-event.mapper';
import { UserIdPipe } from './param-pipes';
import type { SessionEventsFilter } from './session-events.repository';
import { type SessionEventsPage, SessionEventsService } from './session-events.service';

const BAD_CURSOR = badField(
  'cursor',
  'format',
  'cursor must be a next_cursor returned by this list',
  'e1.not-a-cursor',
);

const LIST_DESCRIPTION =
  'Newest first, `limit` per page (default 100); pass `next_cursor` as `cursor`, with the same filters, for the next page (null at the end). `since` is inclusive, `until` exclusive.';

/** The filters a query names, times as ISO 8601 UTC; 400 naming `until` when it is not after `since`. */
function filterOf(query: UserEventsQuery & { user_id?: number }): SessionEventsFilter {
  const time = (value?: string) => (value === undefined ? undefined : pgTimestampToIso(value));
  const [since, until] = [time(query.since), time(query.until)];
  if (since !== undefined && until !== undefined && Date.parse(until) <= Date.parse(since)) {
    throw ValidationFailedError.forField(
      'until',
      'range',
      'until must be later than since',
      query.until,
    );
  }
  return {
    userId: query.user_id === undefined ? undefined : String(query.user_id),
    sessionId: query.session_id?.toLowerCase(),
    type: query.type,
    initiator: query.initiator,
    since,
    until,
  };
}

function toResponse(page: SessionEventsPage): SessionEventsResponse {
  return { events: page.rows.map(toSessionEvent), next_cursor: page.nextCursor };
}

/**
 * The audit trail: every session event (created, touched, revoked, expired,
 * evicted, subject_mapped), who started it and the request behind it.
 * Registered before the admin sessions controller, so `api/sessions/events`
 * is not taken for a session id.
 */
@ProblemResponses()
@ApiTags('Audit trail')
@Controller()
export class SessionEventsController {
  constructor(private readonly events: SessionEventsService) {}

  @Get('api/sessions/events')
  @AdminOnly()
  @ApiOperation({ summary: 'Session events of every user (admin)', description: LIST_DESCRIPTION })
  @ApiOkResponse({ type: SessionEventsResponse })
  @ApiProblemResponses([400], {}, { 400: BAD_CURSOR })
  async list(@Query() query: SessionEventsQuery): Promise<SessionEventsResponse> {
    return toResponse(await this.events.list(filterOf(query), query.limit, query.cursor));
  }

  @Get('api/users/:user_id/events')
  @AdminOnly()
  @ApiOperation({ summary: 'Session events of one user (admin)', description: LIST_DESCRIPTION })
  @ApiParam({
    name: 'user_id',
    description: USER_ID_RULE,
    schema: { type: 'string', ...USER_ID_PARAM_SCHEMA },
    example: '1001',
  })
  @ApiOkResponse({ type: SessionEventsResponse })
  @ApiProblemResponses(
    [400, 404],
    { 404: 'User not found' },
    { 400: BAD_USER_ID, 404: USER_NOT_FOUND },
  )
  async listForUser(
    @Param('user_id', UserIdPipe) userId: string,
    @Query() query: UserEventsQuery,
  ): Promise<SessionEventsResponse> {
    return toResponse(
      await this.events.listForUser(userId, filterOf(query), query.limit, query.cursor),
    );
  }
}
