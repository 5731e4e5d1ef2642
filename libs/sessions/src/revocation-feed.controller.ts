import { Controller, Get, Headers, type MessageEvent, Query, Sse } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { type AuthenticatedUser, CurrentUser, RequireRoles } from '@session-service/auth';
import { ApiProblemResponses, ProblemResponses } from '@session-service/problem';
import { concatWith, defer, map, merge, type Observable, of, takeWhile, timer } from 'rxjs';
import { badField } from './api-examples';
import { RevocationFeedQuery, RevocationFeedResponse } from './dto/revocation-feed.response';
import { FEED_CURSOR_MAX_LENGTH } from './dto/doc-bounds';
import { decodeFeedCursor } from './feed-cursor';
import { toRevocation } from './mappers/session-lifecycle.mapper';
import { SessionsService } from './sessions.service';

/**
 * The last event of a stream ended by the instance shutting down: reconnect
 * (to another instance) with `Last-Event-ID` after `retry` ms. Its `id` is
 * the stream's position (see `positionId`).
 */
const shutdownEvent = (cursor: string | undefined): MessageEvent => ({
  type: 'shutdown',
  id: positionId(cursor),
  data: { reason: 'the instance is shutting down; reconnect with Last-Event-ID' },
  retry: 1000,
});

/**
 * The `id` of an event that is not a revocation: the cursor of the stream's
 * position, so a client's last event id (`Last-Event-ID` on its reconnection)
 * stays that position. Without one Nest would number the event (`id: 1`), and
 * the reconnection would send a cursor this feed never issued. An empty `id`
 * (no cursor yet) clears it: the reconnection starts at the beginning again.
 */
function positionId(cursor: string | undefined): string {
  return cursor ?? '';
}

/**
 * The last event of a stream whose token has expired: `event: token-expired`,
 * then the stream ends. The client reconnects with a fresh token and
 * `Last-Event-ID` set to `cursor` (when present), missing nothing.
 */
export const TOKEN_EXPIRED_EVENT = 'token-expired';

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

@ProblemResponses()
@ApiTags('Revocation feed')
@Controller('api/sessions/revocations')
export class RevocationFeedController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @RequireRoles('service', 'admin')
  @ApiOperation({
    summary: 'Revocations after a cursor (service)',
    description:
      'Each revocation appears exactly once, in commit order. Keep `next_cursor` and pass it as `after` next time. With `since`, only the revocations made at or after that time.',
  })
  @ApiOkResponse({ type: RevocationFeedResponse })
  @ApiProblemResponses([400], {}, { 400: BAD_AFTER })
  async page(@Query() query: RevocationFeedQuery): Promise<RevocationFeedResponse> {
    const page = await this.sessions.readRevocations(query.after, query.limit, query.since);
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
      'Each event is `event: revocation`, `id: <cursor>`, `data: <dto.Revocation>`. Resume with `Last-Event-ID` (or `after`). When the instance shuts down the stream ends with `event: shutdown`: reconnect, with `Last-Event-ID`. ' +
      'At the token\'s `exp` the stream ends with `event: token-expired`, `data: {"reason":"token_expired","expired_at":"<ISO 8601>","cursor":"<last cursor>"}` (`cursor` absent when no event was sent and no cursor was given): reconnect with a fresh token and `Last-Event-ID` set to that cursor.',
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
  @ApiOkResponse({
    description: 'A stream of revocation events',
    content: {
      'text/event-stream': {
        // No type: an unbounded stream of events, not one bounded string.
        schema: {
          description:
            'Server-Sent Events: `event: revocation`, `id: <cursor>`, `data: <dto.Revocation as JSON>`, a blank line after each',
        },
      },
    },
  })
  @ApiProblemResponses([400], {}, { 400: BAD_AFTER })
  stream(
    @Query() query: RevocationFeedQuery,
    @CurrentUser() caller: AuthenticatedUser,
    @Headers('last-event-id') lastEventId?: string,
  ): Observable<MessageEvent> {
    let cursor = lastEventId || query.after;
    decodeFeedCursor(cursor, lastEventId ? 'Last-Event-ID' : 'after');
    const revocations = this.sessions.streamRevocations(cursor, query.since).pipe(
      map((row): MessageEvent => {
        const data = toRevocation(row);
        cursor = data.cursor;
        return { id: data.cursor, type: 'revocation', data };
      }),
      // Deferred: the position once the last revocation has been sent.
      concatWith(defer(() => of(shutdownEvent(cursor)))),
    );
    // A token without `exp` (a host strategy's) keeps the stream for as long as the client does.
    if (caller.expiresAt === undefined) return revocations;
    const expiresAt = new Date(caller.expiresAt * 1000);
    const expired = timer(expiresAt).pipe(
      map((): MessageEvent => ({
        type: TOKEN_EXPIRED_EVENT,
        id: positionId(cursor),
        data: {
          reason: 'token_expired',
          expired_at: expiresAt.toISOString(),
          ...(cursor && { cursor }),
        },
      })),
    );
    // Whichever comes first, the instance's shutdown or the token's expiry, is the last event.
    return merge(revocations, expired).pipe(
      takeWhile((event) => event.type === 'revocation', true),
    );
  }
}
