import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Put,
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
import {
  AdminOnly,
  type AuthenticatedUser,
  CurrentUser,
  USER_ID_PARAM_SCHEMA,
  USER_ID_RULE,
} from '@session-service/auth';
import {
  ApiProblemResponses,
  ProblemResponses,
  type RequestContext,
  RequestIds,
} from '@session-service/problem';
import { BAD_USER_ID, USER_NOT_FOUND } from './api-examples';
import { AdminUser, toAdminUser } from './dto/admin-user.response';
import { RevokeReasonQuery } from './dto/revoke.query';
import {
  bulkRevocationAnswer,
  RevokeSessionsProgress,
  RevokeSessionsResponse,
} from './dto/revoke-sessions.response';
import { UserIdPipe } from './param-pipes';
import { revocationActor, SessionsService } from './sessions.service';
import { SessionLimitRequest, SessionLimitResponse, toSessionLimit } from './dto/session-limit.dto';
import { TenantsService } from './tenants.service';

const USER_ID = {
  name: 'user_id',
  description: USER_ID_RULE,
  schema: { type: 'string' as const, ...USER_ID_PARAM_SCHEMA },
  example: '1001',
};

@ProblemResponses()
@ApiTags('Admin sessions')
@Controller('api/users/:user_id')
export class AdminUsersController {
  constructor(
    private readonly sessions: SessionsService,
    private readonly tenants: TenantsService,
  ) {}

  @Get()
  @AdminOnly()
  @ApiOperation({
    summary: 'A user: name, identity provider subjects and active sessions count (admin)',
    description:
      'Also the tenant and time of their latest sign-in, and the concurrent-session limit their next sign-in is held to, with where it comes from.',
  })
  @ApiParam(USER_ID)
  @ApiOkResponse({ type: AdminUser })
  @ApiProblemResponses(
    [400, 404],
    { 404: 'User not found' },
    { 400: BAD_USER_ID, 404: USER_NOT_FOUND },
  )
  async get(@Param('user_id', UserIdPipe) userId: string): Promise<AdminUser> {
    return toAdminUser(await this.sessions.getUser(userId));
  }

  @Delete('sessions')
  @AdminOnly()
  @ApiOperation({ summary: 'Revoke every active session of a user (admin)' })
  @ApiParam(USER_ID)
  @ApiOkResponse({ description: 'All of them ended: how many', type: RevokeSessionsResponse })
  @ApiAcceptedResponse({
    description:
      'A large account: the request budget ran out; how many ended so far and how many remain, ended in the background. Repeat the request to follow it: 200 once none remains.',
    type: RevokeSessionsProgress,
  })
  @ApiProblemResponses(
    [400, 404],
    { 404: 'User not found' },
    { 400: BAD_USER_ID, 404: USER_NOT_FOUND },
  )
  async revokeAll(
    @Param('user_id', UserIdPipe) userId: string,
    @Query() query: RevokeReasonQuery,
    @CurrentUser() caller: AuthenticatedUser,
    @RequestIds() ids: RequestContext,
  ): Promise<RevokeSessionsResponse | Response> {
    return bulkRevocationAnswer(
      await this.sessions.revokeAllOfUser(
        userId,
        null,
        revocationActor('admin', caller, query.reason ?? null, ids),
      ),
    );
  }

  @Put('session-limit')
  @AdminOnly()
  @ApiOperation({
    summary: "Set a user's own concurrent-session limit (admin)",
    description:
      "Beats the limit of the user's tenant and the service's, from their next sign-in on; sessions over it are not ended now.",
  })
  @ApiParam(USER_ID)
  @ApiOkResponse({ type: SessionLimitResponse })
  @ApiProblemResponses(
    [400, 404],
    { 404: 'User not found' },
    { 400: BAD_USER_ID, 404: USER_NOT_FOUND },
  )
  async putSessionLimit(
    @Param('user_id', UserIdPipe) userId: string,
    @Body() body: SessionLimitRequest,
  ): Promise<SessionLimitResponse> {
    return toSessionLimit(
      await this.tenants.putUserLimit(userId, {
        max_sessions: body.max_sessions,
        limit_policy: body.limit_policy ?? this.tenants.defaultLimitPolicy,
      }),
    );
  }

  @Delete('session-limit')
  @HttpCode(HttpStatus.NO_CONTENT)
  @AdminOnly()
  @ApiOperation({
    summary: "Clear a user's own concurrent-session limit (admin)",
    description:
      "The user is held to their tenant's or the service's limit again. Also 204 when the user had no limit of their own: there is nothing to clear.",
  })
  @ApiParam(USER_ID)
  @ApiNoContentResponse({ description: 'Cleared, or there was no limit of their own' })
  @ApiProblemResponses(
    [400, 404],
    { 404: 'User not found' },
    { 400: BAD_USER_ID, 404: USER_NOT_FOUND },
  )
  async removeSessionLimit(@Param('user_id', UserIdPipe) userId: string): Promise<void> {
    await this.tenants.removeUserLimit(userId);
  }
}
