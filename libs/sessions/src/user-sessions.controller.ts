import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OwnerOnly } from '@app/auth';
import { ApiProblemResponses } from '@app/problem';
import { ListUserSessionsQuery } from './dto/list-user-sessions.query';
import { SessionListResponse } from './dto/session-list.response';
import { toSessionListResponse } from './mappers/session-list.mapper';
import { SessionsService } from './sessions.service';

@ApiTags('Session Management')
@Controller('sessions/user/:user_id/sessions')
export class UserSessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @OwnerOnly('user_id')
  @ApiOperation({
    summary: "List the caller's active sessions",
    description:
      'Queries all active sessions of the currently authenticated user; JWT user identity must match the path parameter user_id. Most recently active first. References: RFC 7519 (JWT), NIST SP 800-63B §4 (Session Management).',
  })
  @ApiOkResponse({ description: 'Session list and pagination info', type: SessionListResponse })
  @ApiProblemResponses([404], { 404: 'User not found' })
  async list(
    @Param('user_id') userId: string,
    @Query() query: ListUserSessionsQuery,
  ): Promise<SessionListResponse> {
    return toSessionListResponse(
      await this.sessions.listForUser(userId, query.page, query.page_size),
    );
  }
}
