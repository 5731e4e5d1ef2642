import {
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  HttpStatus,
  Param,
  Query,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { type AuthenticatedUser, CurrentUser, OwnerOnly } from '@session-service/auth';
import {
  ApiProblemResponses,
  ProblemResponses,
  type RequestContext,
  RequestIds,
  ValidationFailedError,
} from '@session-service/problem';
import { ListUserSessionsQuery, MAX_PAGE_SIZE } from './dto/list-user-sessions.query';
import { badField, SESSION_NOT_FOUND } from './api-examples';
import { RevokeOwnSessionsQuery } from './dto/revoke.query';
import {
  bulkRevocationAnswer,
  RevokeSessionsProgress,
  RevokeSessionsResponse,
} from './dto/revoke-sessions.response';
import { SessionListResponse } from './dto/session-list.response';
import { sessionListBody } from './mappers/session-list.mapper';
import { SESSION_ID_PARAM_SCHEMA, SessionIdPipe } from './param-pipes';
import { revocationActor, SessionsService } from './sessions.service';

@ProblemResponses()
@ApiTags('Session Management')
@Controller('sessions/user/:user_id/sessions')
export class UserSessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @OwnerOnly('user_id', {
    400: badField('page_size', 'range', `page_size must be between 1 and ${MAX_PAGE_SIZE}`, 500),
  })
  @ApiOperation({
    summary: "List the caller's active sessions",
    description:
      'Queries all active sessions of the currently authenticated user; JWT user identity must match the path parameter user_id. Most recently active first. References: RFC 7519 (JWT), NIST SP 800-63B §4 (Session Management).',
  })
  @ApiOkResponse({ description: 'Session list and pagination info', type: SessionListResponse })
  @ApiProblemResponses([404], { 404: 'User not found' })
  // The body is JSON text already (sessionListBody): sent as it is.
  @Header('Content-Type', 'application/json; charset=utf-8')
  async list(
    @Param('user_id') userId: string,
    @Query() query: ListUserSessionsQuery,
  ): Promise<string> {
    return sessionListBody(await this.sessions.listForUser(userId, query.page, query.page_size));
  }

  @Delete(':session_id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @OwnerOnly('user_id')
  @ApiOperation({
    summary: 'Sign one of your sessions out',
    description:
      'Revokes the session: tokens bound to it (session claim) stop working. Revoking an already revoked session succeeds again.',
  })
  @ApiParam({ name: 'session_id', schema: SESSION_ID_PARAM_SCHEMA })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiProblemResponses([404], { 404: 'No such session among yours' }, { 404: SESSION_NOT_FOUND })
  async revokeOne(
    @Param('user_id') userId: string,
    @Param('session_id', SessionIdPipe) sessionId: string,
    @CurrentUser() caller: AuthenticatedUser,
    @RequestIds() ids: RequestContext,
  ): Promise<void> {
    await this.sessions.revoke(
      sessionId,
      userId,
      revocationActor('user', caller, 'signed out', ids),
    );
  }

  @Delete()
  @OwnerOnly('user_id')
  @ApiOperation({
    summary: 'Sign all your sessions out, or all but the current one',
    description:
      'With `keep_current=true`, keeps the session the calling token belongs to (its session claim, `session_id` unless configured): "sign out other devices".',
  })
  @ApiOkResponse({ description: 'All of them ended: how many', type: RevokeSessionsResponse })
  @ApiAcceptedResponse({
    description:
      'Very many sessions: the request budget ran out; how many ended so far and how many remain, ended in the background',
    type: RevokeSessionsProgress,
  })
  @ApiProblemResponses([404], { 404: 'User not found' })
  async revokeAll(
    @Param('user_id') userId: string,
    @Query() query: RevokeOwnSessionsQuery,
    @CurrentUser() caller: AuthenticatedUser,
    @RequestIds() ids: RequestContext,
  ): Promise<RevokeSessionsResponse | Response> {
    const keepCurrent = query.keep_current === 'true';
    if (keepCurrent && !caller.sessionId) {
      throw ValidationFailedError.forField(
        'keep_current',
        // true is not a value this token can use: it names no session to keep.
        'enum',
        'keep_current needs a token bound to a session (session claim)',
        query.keep_current,
      );
    }
    const reason = keepCurrent ? 'signed out other devices' : 'signed out everywhere';
    return bulkRevocationAnswer(
      await this.sessions.revokeAllOfUser(
        userId,
        keepCurrent ? (caller.sessionId ?? null) : null,
        revocationActor('user', caller, reason, ids),
      ),
    );
  }
}
