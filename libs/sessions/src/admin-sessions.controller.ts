import { Body, Controller, Get, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, RequireRoles } from '@app/auth';
import { ApiProblemResponses } from '@app/problem';
import { AdminSessionListResponse } from './dto/admin-session-list.response';
import { CreateSessionRequest } from './dto/create-session.request';
import { SessionResponse } from './dto/session-response.dto';
import { toAdminSession, toSessionResponse } from './mappers/session.mapper';
import { SessionsService } from './sessions.service';

@ApiTags('Admin sessions')
@Controller('api/sessions')
export class AdminSessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get('all')
  @AdminOnly()
  @ApiOperation({ summary: 'Returns all active sessions (admin)' })
  @ApiOkResponse({
    description: 'Returns all active sessions (admin).',
    type: AdminSessionListResponse,
  })
  async listAll(): Promise<AdminSessionListResponse> {
    const sessions = (await this.sessions.listAllActive()).map(toAdminSession);
    return { sessions, total: sessions.length };
  }

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @RequireRoles('admin', 'service')
  @ApiOperation({
    summary: 'Record a sign-in',
    description:
      'Called by the auth platform when a user signs in. Creates or renames the user and stores the new session in one transaction.',
  })
  @ApiCreatedResponse({ description: 'The new session', type: SessionResponse })
  @ApiProblemResponses([400])
  async create(@Body() body: CreateSessionRequest): Promise<SessionResponse> {
    return toSessionResponse(await this.sessions.recordSignIn(body));
  }
}
