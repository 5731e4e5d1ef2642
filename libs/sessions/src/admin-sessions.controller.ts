import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
  Res,
  StreamableFile,
} from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import {
  AdminOnly,
  type AuthenticatedUser,
  CurrentUser,
  RequireRoles,
} from '@session-service/auth';
import {
  ApiProblemResponses,
  ProblemResponses,
  type RequestContext,
  RequestIds,
  ValidationFailedError,
} from '@session-service/problem';
import { AdminSessionDetail } from './dto/admin-session-detail.response';
import { AdminListQuery, MAX_ADMIN_PAGE } from './dto/admin-list.query';
import { pgTimestampToIso } from './dto/input-rules';
import { BAD_SESSION_ID, badField, SESSION_NOT_FOUND, SUBJECT_TAKEN } from './api-examples';
import { AdminSessionListResponse } from './dto/admin-session-list.response';
import { jsonListBody } from './json-list.stream';
import { CreateSessionPipe } from './create-session.pipe';
import { CreateSessionRequest } from './dto/create-session.request';
import { RevokeReasonQuery } from './dto/revoke.query';
import { SessionResponse } from './dto/session-response.dto';
import { SessionStatusResponse } from './dto/session-status.response';
import { toAdminSessionDetail, toSessionStatus } from './mappers/session-lifecycle.mapper';
import { toSessionResponse } from './mappers/session.mapper';
import { SESSION_ID_PARAM_SCHEMA, SessionIdPipe } from './param-pipes';
import { revocationActor, SessionsService } from './sessions.service';

const SESSION_ID = { name: 'session_id', schema: SESSION_ID_PARAM_SCHEMA } as const;

@ProblemResponses()
@ApiTags('Admin sessions')
@Controller('api/sessions')
export class AdminSessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get('all')
  @AdminOnly()
  @ApiOperation({
    summary: 'Returns all active sessions (admin)',
    description:
      'Without `limit`: every active session matching the filters, streamed from a database cursor (flat memory at any size); `total` is the number of sessions sent. With `limit`: one keyset page, most recently active first, and `next_cursor` for the next one (null at the end).',
  })
  @ApiOkResponse({
    description: 'Returns all active sessions (admin).',
    type: AdminSessionListResponse,
  })
  @ApiProblemResponses(
    [400],
    {},
    { 400: badField('limit', 'range', `limit must be between 1 and ${MAX_ADMIN_PAGE}`, 5000) },
  )
  // Either body is JSON text already (a page joined, or the stream): sent as it is.
  @Header('Content-Type', 'application/json; charset=utf-8')
  async listAll(
    @Query() query: AdminListQuery,
    // Node's response (Express extends it) or a Fastify reply wrapping it.
    @Res({ passthrough: true }) res: ServerResponse | { raw: ServerResponse },
  ): Promise<string | StreamableFile> {
    const filter = {
      userId: query.user_id === undefined ? undefined : String(query.user_id),
      ip: query.ip,
      authMethod: query.auth_method,
      deviceType: query.device_type,
      activeSince:
        query.active_since === undefined ? undefined : pgTimestampToIso(query.active_since),
    };
    if (query.limit === undefined) {
      if (query.cursor !== undefined) {
        // `limit` is missing: required with a cursor.
        throw ValidationFailedError.forField(
          'cursor',
          'required',
          'cursor needs limit',
          query.cursor,
        );
      }
      const { batches, release } = await this.sessions.streamActive(filter);
      const body = await jsonListBody(
        batches,
        'sessions',
        release,
        this.sessions.streamWriteTimeoutMs,
      );
      // A client that goes away mid-list (or already has) gives the connection back at once.
      const out = 'raw' in res ? res.raw : res;
      if (out.closed || out.destroyed) body.destroy();
      else out.on('close', () => body.destroy());
      // A list cut off (a client that stopped reading, a failed FETCH) ends the connection
      // too: the status line is gone, and a truncated body must not look complete.
      body.once('error', () => out.destroy());
      return new StreamableFile(body, { type: 'application/json; charset=utf-8' });
    }
    const { items, nextCursor } = await this.sessions.listActivePage(
      filter,
      query.limit,
      query.cursor,
    );
    return `{"sessions":[${items.join(',')}],"total":${items.length},"next_cursor":${JSON.stringify(nextCursor)}}`;
  }

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @RequireRoles('admin', 'service')
  @ApiOperation({
    summary: 'Record a sign-in',
    description:
      "Called by the auth platform when a user signs in. Creates or renames the user and stores the new session in one transaction, with the mapping of the identity provider's `subject` (at `issuer`) to the user when given. A `tenant_id` naming a tenant takes its lifetimes, bounds and session limit; past a limit the least recently active sessions are revoked in the same transaction (`evict-oldest`) or the sign-in is refused (`deny`, 409 `session-limit-reached`).",
  })
  @ApiCreatedResponse({ description: 'The new session', type: SessionResponse })
  @ApiProblemResponses(
    [400, 409],
    {
      409: 'The subject is already mapped to another user, or (`session-limit-reached`) the user is at a `deny` limit; nothing was recorded',
    },
    {
      400: badField('user_id', 'type', 'user_id must be an integer', '1001'),
      409: SUBJECT_TAKEN,
    },
  )
  // `Readonly<...>` carries no runtime type, so the global pipe leaves the body to
  // CreateSessionPipe, which also checks the configured lifetime bounds and so names every
  // bad field in one answer.
  @ApiBody({ type: CreateSessionRequest })
  async create(
    @Body(CreateSessionPipe) body: Readonly<CreateSessionRequest>,
    @RequestIds() ids: RequestContext,
  ): Promise<SessionResponse> {
    return toSessionResponse(await this.sessions.recordSignIn(body, ids));
  }

  @Get(':session_id')
  @AdminOnly()
  @ApiOperation({ summary: 'One session of any status, with its revocation record (admin)' })
  @ApiParam(SESSION_ID)
  @ApiOkResponse({ type: AdminSessionDetail })
  @ApiProblemResponses(
    [400, 404],
    { 404: 'No such session' },
    { 400: BAD_SESSION_ID, 404: SESSION_NOT_FOUND },
  )
  async get(@Param('session_id', SessionIdPipe) sessionId: string): Promise<AdminSessionDetail> {
    return toAdminSessionDetail(await this.sessions.getDetail(sessionId));
  }

  @Delete(':session_id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @AdminOnly()
  @ApiOperation({
    summary: 'Revoke a session (admin)',
    description: 'Idempotent: revoking a revoked session answers 204 and keeps the first record.',
  })
  @ApiParam(SESSION_ID)
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiProblemResponses(
    [400, 404],
    { 404: 'No such session' },
    { 400: BAD_SESSION_ID, 404: SESSION_NOT_FOUND },
  )
  async revoke(
    @Param('session_id', SessionIdPipe) sessionId: string,
    @Query() query: RevokeReasonQuery,
    @CurrentUser() caller: AuthenticatedUser,
    @RequestIds() ids: RequestContext,
  ): Promise<void> {
    await this.sessions.revoke(
      sessionId,
      null,
      revocationActor('admin', caller, query.reason ?? null, ids),
    );
  }

  @Post(':session_id/touch')
  @HttpCode(HttpStatus.OK)
  @RequireRoles('service', 'admin')
  @ApiOperation({
    summary: 'Record activity on a session (service)',
    description:
      "Slides `idle_expires_at` forward by the session's idle timeout (for a session of a tenant, the tenant's current one), never past `expires_at`. A revoked or expired session is never brought back.",
  })
  @ApiParam(SESSION_ID)
  @ApiOkResponse({ type: SessionResponse })
  @ApiProblemResponses(
    [400, 404, 409],
    {
      404: 'No such session',
      409: 'The session is revoked or expired',
    },
    { 400: BAD_SESSION_ID, 404: SESSION_NOT_FOUND },
  )
  async touch(
    @Param('session_id', SessionIdPipe) sessionId: string,
    @RequestIds() ids: RequestContext,
  ): Promise<SessionResponse> {
    return toSessionResponse(await this.sessions.touch(sessionId, ids));
  }

  @Get(':session_id/status')
  @RequireRoles('service', 'admin')
  @ApiOperation({
    summary: 'Is the session active? (service)',
    description:
      'The per-request check for a gateway: one primary-key lookup. Answers 200 for any existing session; `active` says whether it is usable.',
  })
  @ApiParam(SESSION_ID)
  @ApiOkResponse({ type: SessionStatusResponse })
  @ApiProblemResponses(
    [400, 404],
    { 404: 'No such session' },
    { 400: BAD_SESSION_ID, 404: SESSION_NOT_FOUND },
  )
  async status(
    @Param('session_id', SessionIdPipe) sessionId: string,
  ): Promise<SessionStatusResponse> {
    return toSessionStatus(await this.sessions.getDetail(sessionId));
  }
}
