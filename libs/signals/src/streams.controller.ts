import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Patch,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { type AuthenticatedUser, CurrentUser, RequireRoles } from '@session-service/auth';
import {
  ApiProblemResponses,
  ProblemResponses,
  ValidationFailedError,
} from '@session-service/problem';
import {
  CreateStreamRequest,
  RequiredStreamIdQuery,
  StreamConfiguration,
  StreamIdQuery,
  StreamStatusResponse,
  SubjectRequest,
  UpdateStreamRequest,
  UpdateStreamStatusRequest,
  VerificationRequest,
} from './dto/ssf.dto';
import { POLL_DELIVERY, PUSH_DELIVERY, SESSION_ESTABLISHED } from './events';
import { parseSubject, toStreamConfiguration, toStreamStatus } from './mappers';
import type { NewStream, StreamRow } from './signals.repository';
import { StreamsService } from './streams.service';

const NOT_FOUND = {
  404: {
    kind: 'streamNotFound' as const,
    args: { stream_id: 'f5b1e4c2-6d3a-4b8e-9f10-2a7c3e5d8b41' },
  },
};

/**
 * Stream management (SSF 1.0 section 8.1), for receivers: a token with the
 * receiver role manages the streams it created, and only those.
 */
@ProblemResponses()
@ApiTags('Shared Signals')
@Controller('ssf')
export class StreamsController {
  constructor(private readonly streams: StreamsService) {}

  @Post('streams')
  @RequireRoles('receiver')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Create a stream (SSF 1.0 section 8.1.1.1)' })
  @ApiCreatedResponse({ type: StreamConfiguration })
  @ApiProblemResponses([400])
  async create(
    @Body() body: CreateStreamRequest,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<StreamConfiguration> {
    const row = await this.streams.create(
      newStream(body, user.userId, this.streams.eventsSupported),
    );
    return toStreamConfiguration(row, this.streams);
  }

  @Get('streams')
  @RequireRoles('receiver')
  @ApiOperation({
    summary: "Read a stream, or all of the caller's without stream_id (SSF 1.0 section 8.1.1.2)",
  })
  @ApiExtraModels(StreamConfiguration)
  @ApiOkResponse({
    description: 'The stream; without stream_id, an array of every stream of the caller',
    schema: {
      oneOf: [
        { $ref: getSchemaPath(StreamConfiguration) },
        { type: 'array', maxItems: 10000, items: { $ref: getSchemaPath(StreamConfiguration) } },
      ],
    },
  })
  @ApiProblemResponses([400, 404], {}, NOT_FOUND)
  async read(
    @Query() query: StreamIdQuery,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<StreamConfiguration | StreamConfiguration[]> {
    if (query.stream_id === undefined) {
      const rows = await this.streams.list(user.userId);
      return rows.map((row) => toStreamConfiguration(row, this.streams));
    }
    return toStreamConfiguration(
      await this.streams.get(query.stream_id, user.userId),
      this.streams,
    );
  }

  @Patch('streams')
  @RequireRoles('receiver')
  @ApiOperation({ summary: 'Update a stream: the members given (SSF 1.0 section 8.1.1.3)' })
  @ApiOkResponse({ type: StreamConfiguration })
  @ApiProblemResponses([400, 404], {}, NOT_FOUND)
  async update(
    @Body() body: UpdateStreamRequest,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<StreamConfiguration> {
    const current = await this.streams.get(body.stream_id, user.userId);
    const merged: CreateStreamRequest = {
      delivery: body.delivery ?? {
        method: current.delivery_method,
        endpoint_url: current.endpoint_url ?? undefined,
        authorization_header: current.authorization_header ?? undefined,
      },
      events_requested: body.events_requested ?? current.events_requested,
      description: body.description ?? current.description ?? undefined,
    };
    const row = await this.streams.update(
      body.stream_id,
      user.userId,
      newStream(merged, user.userId, this.streams.eventsSupported),
    );
    return toStreamConfiguration(row, this.streams);
  }

  @Put('streams')
  @RequireRoles('receiver')
  @ApiOperation({ summary: 'Replace a stream: every member (SSF 1.0 section 8.1.1.4)' })
  @ApiOkResponse({ type: StreamConfiguration })
  @ApiProblemResponses([400, 404], {}, NOT_FOUND)
  async replace(
    @Body() body: UpdateStreamRequest,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<StreamConfiguration> {
    const row = await this.streams.update(
      body.stream_id,
      user.userId,
      newStream(body, user.userId, this.streams.eventsSupported),
    );
    return toStreamConfiguration(row, this.streams);
  }

  @Delete('streams')
  @RequireRoles('receiver')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Delete a stream (SSF 1.0 section 8.1.1.5)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblemResponses([400, 404], {}, NOT_FOUND)
  async delete(
    @Query() query: RequiredStreamIdQuery,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<void> {
    await this.streams.delete(query.stream_id, user.userId);
  }

  @Get('status')
  @RequireRoles('receiver')
  @ApiOperation({
    summary:
      "A stream's status, with its backlog and last delivery error (SSF 1.0 section 8.1.2.1)",
  })
  @ApiOkResponse({ type: StreamStatusResponse })
  @ApiProblemResponses([400, 404], {}, NOT_FOUND)
  async status(
    @Query() query: RequiredStreamIdQuery,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<StreamStatusResponse> {
    const row = await this.streams.get(query.stream_id, user.userId);
    return toStreamStatus(row, await this.streams.backlog(row));
  }

  @Post('status')
  @RequireRoles('receiver')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: "Set a stream's status (SSF 1.0 section 8.1.2.2)" })
  @ApiOkResponse({ type: StreamStatusResponse })
  @ApiProblemResponses([400, 404], {}, NOT_FOUND)
  async setStatus(
    @Body() body: UpdateStreamStatusRequest,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<StreamStatusResponse> {
    const row = await this.streams.setStatus(
      body.stream_id,
      user.userId,
      body.status,
      body.reason ?? null,
    );
    return toStreamStatus(row, await this.streams.backlog(row));
  }

  @Post('subjects/add')
  @RequireRoles('receiver')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Add a subject (SSF 1.0 section 8.1.3.2): undoes an earlier removal',
  })
  @ApiOkResponse({ description: 'Added' })
  @ApiProblemResponses([400, 404], {}, NOT_FOUND)
  async addSubject(
    @Body() body: SubjectRequest,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<void> {
    await this.streams.setSubject(body.stream_id, user.userId, parseSubject(body.subject), false);
  }

  @Post('subjects/remove')
  @RequireRoles('receiver')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary:
      'Remove a subject (SSF 1.0 section 8.1.3.3): no more events about that user or session',
  })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiProblemResponses([400, 404], {}, NOT_FOUND)
  async removeSubject(
    @Body() body: SubjectRequest,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<void> {
    await this.streams.setSubject(body.stream_id, user.userId, parseSubject(body.subject), true);
  }

  @Post('verify')
  @RequireRoles('receiver')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Ask for a verification event on the stream (SSF 1.0 section 8.1.4.2)',
  })
  @ApiBody({ type: VerificationRequest })
  @ApiNoContentResponse({ description: 'The verification event is queued ahead of the stream' })
  @ApiProblemResponses([400, 404], {}, NOT_FOUND)
  async verify(
    @Body() body: VerificationRequest,
    @CurrentUser() user: AuthenticatedUser,
  ): Promise<void> {
    await this.streams.requestVerification(body.stream_id, user.userId, body.state);
  }
}

/** The stored settings of a create or replace request. */
function newStream(
  body: CreateStreamRequest,
  owner: string,
  supported: readonly string[],
): NewStream {
  const method = body.delivery?.method ?? POLL_DELIVERY;
  // Its source, the audit trail, is off (SESSION_AUDIT=false): asking for it cannot be honoured.
  if (
    body.events_requested?.includes(SESSION_ESTABLISHED) &&
    !supported.includes(SESSION_ESTABLISHED)
  ) {
    throw ValidationFailedError.forField(
      'events_requested',
      'enum',
      `${SESSION_ESTABLISHED} needs the audit trail, which is off`,
      SESSION_ESTABLISHED,
    );
  }
  const push = method === PUSH_DELIVERY;
  if (push && !body.delivery?.endpoint_url) {
    throw ValidationFailedError.forField(
      'delivery.endpoint_url',
      'required',
      'delivery.endpoint_url is required for push delivery',
    );
  }
  return {
    owner,
    audience: owner,
    deliveryMethod: method,
    endpointUrl: push ? (body.delivery?.endpoint_url ?? null) : null,
    authorizationHeader: push ? (body.delivery?.authorization_header ?? null) : null,
    eventsRequested: [...new Set(body.events_requested ?? [])],
    description: body.description ?? null,
  };
}

export type { StreamRow };
