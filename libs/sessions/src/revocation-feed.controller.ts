import { Controller, Get, Headers, type MessageEvent, Query, Sse } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { RequireRoles } from '@app/auth';
import { ApiProblemResponses } from '@app/problem';
import { badField } from './api-examples';
import { map, type Observable } from 'rxjs';
import { RevocationFeedQuery, RevocationFeedResponse } from './dto/revocation-feed.response';
import { FEED_CURSOR_MAX_LENGTH } from './dto/doc-bounds';
import { decodeFeedCursor } from './feed-cursor';
import { toRevocation } from './mappers/session-lifecycle.mapper';
import { SessionsService } from './sessions.service';

/**
 * Revocations in commit order, for gateways that verify JWTs locally: they
 * deny a revoked `sid` within seconds instead of waiting for the token's `exp`.
 * Any instance serves every revocation: the feed is a table, not memory.
 */
const BAD_AFTER = badField(
  'after',
  'format',
  'after must be a cursor returned by this feed',
  'not-a-cursor',
);

@ApiTags('Revocation feed')
@Controller('api/sessions/revocations')
export class RevocationFeedController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @RequireRoles('service', 'admin')
  @ApiOperation({
    summary: 'Revocations after a cursor (service)',
    description:
      'Each revocation appears exactly once, in commit order. Keep `next_cursor` and pass it as `after` next time.',
  })
  @ApiOkResponse({ type: RevocationFeedResponse })
  @ApiProblemResponses([400], {}, { 400: BAD_AFTER })
  async page(@Query() query: RevocationFeedQuery): Promise<RevocationFeedResponse> {
    const page = await this.sessions.readRevocations(query.after, query.limit);
    return {
      revocations: page.rows.map(toRevocation),
      next_cursor: page.nextCursor,
      has_more: page.hasMore,
    };
  }

  @Sse('stream')
  @RequireRoles('service', 'admin')
  @ApiOperation({
    summary: 'The same feed as Server-Sent Events (service)',
    description:
      'Each event is `event: revocation`, `id: <cursor>`, `data: <dto.Revocation>`. Resume with `Last-Event-ID` (or `after`).',
  })
  @ApiProduces('text/event-stream')
  // The name the handler reads (`@Headers('last-event-id')`), so the two are one parameter;
  // header names are case-insensitive, so `Last-Event-ID` is the same header.
  @ApiHeader({
    name: 'last-event-id',
    required: false,
    description: 'Cursor to resume after',
    schema: { type: 'string', maxLength: FEED_CURSOR_MAX_LENGTH },
  })
  @ApiOkResponse({ description: 'A stream of revocation events' })
  @ApiProblemResponses([400], {}, { 400: BAD_AFTER })
  stream(
    @Query() query: RevocationFeedQuery,
    @Headers('last-event-id') lastEventId?: string,
  ): Observable<MessageEvent> {
    const cursor = lastEventId || query.after;
    decodeFeedCursor(cursor, lastEventId ? 'Last-Event-ID' : 'after');
    return this.sessions.streamRevocations(cursor).pipe(
      map((row) => {
        const data = toRevocation(row);
        return { id: data.cursor, type: 'revocation', data };
      }),
    );
  }
}
