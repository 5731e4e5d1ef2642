import { Body, Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { type AuthenticatedUser, CurrentUser, RequireRoles } from '@session-service/auth';
import {
  ApiProblemResponses,
  Problem,
  PROBLEM_CONTENT_TYPE,
  problemExample,
  ProblemResponses,
} from '@session-service/problem';
import { PollError, PollRequestBody, PollResponse, SetError, StreamIdParam } from './dto/ssf.dto';
import { type PollRequest, StreamsService } from './streams.service';

/** The part of a reply this route uses: Fastify's and Express's both have it. */
interface StatusReply {
  status(code: number): unknown;
}

/**
 * Poll delivery (RFC 8936): the receiver acknowledges what it processed and
 * gets what is waiting. A request the RFC calls invalid answers its own error
 * body (`{"err", "description"}`), not a Problem.
 */
@ProblemResponses()
@ApiTags('Shared Signals')
@Controller('ssf/poll')
export class PollController {
  constructor(private readonly streams: StreamsService) {}

  @Post(':stream_id')
  @RequireRoles('receiver')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Poll a stream: acknowledge SETs and receive the waiting ones (RFC 8936)',
    description:
      'Without `returnImmediately: true` and with nothing waiting, the answer waits up to the poll timeout (`SIGNALS_POLL_TIMEOUT_MS`). A SET not acknowledged is sent again.',
  })
  @ApiExtraModels(SetError, PollError)
  @ApiBody({ type: PollRequestBody })
  @ApiOkResponse({ type: PollResponse })
  @ApiBadRequestResponse({
    description:
      'An invalid poll request (RFC 8936): `{ err, description }`; a body that is not JSON, or a `stream_id` that is not a UUID, is answered by the service as any other: a Problem',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(PollError) } },
      [PROBLEM_CONTENT_TYPE]: {
        schema: { $ref: getSchemaPath(Problem) },
        example: problemExample({
          kind: 'invalidRequest',
          violations: [
            {
              field: 'stream_id',
              code: 'format',
              description: 'stream_id must be a UUID',
              value: 'xyz',
            },
          ],
        }),
      },
    },
  })
  @ApiProblemResponses(
    [404],
    {},
    {
      404: { kind: 'streamNotFound', args: { stream_id: 'f5b1e4c2-6d3a-4b8e-9f10-2a7c3e5d8b41' } },
    },
  )
  async poll(
    @Param() params: StreamIdParam,
    @Body() body: unknown,
    @CurrentUser() user: AuthenticatedUser,
    @Res({ passthrough: true }) reply: StatusReply,
  ): Promise<PollResponse | PollError> {
    const stream = await this.streams.get(params.stream_id, user.userId);
    const invalid = (description: string): PollError => {
      reply.status(HttpStatus.BAD_REQUEST);
      return { err: 'invalid_request', description };
    };
    if (!this.streams.isPoll(stream)) return invalid('the stream is not delivered by poll');
    const request = readPollRequest(body);
    if (typeof request === 'string') return invalid(request);
    return this.streams.poll(stream, request);
  }
}

/** The poll request's members, checked; a string says what is wrong. */
export function readPollRequest(body: unknown): PollRequest | string {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) return 'the body must be a JSON object';
  const b = body as Record<string, unknown>;
  const request: PollRequest = {};
  if (b.maxEvents !== undefined) {
    if (
      !Number.isInteger(b.maxEvents) ||
      (b.maxEvents as number) < 0 ||
      (b.maxEvents as number) > 1000
    ) {
      return 'maxEvents must be an integer from 0 to 1000';
    }
    request.maxEvents = b.maxEvents as number;
  }
  if (b.returnImmediately !== undefined) {
    if (typeof b.returnImmediately !== 'boolean') return 'returnImmediately must be a boolean';
    request.returnImmediately = b.returnImmediately;
  }
  if (b.ack !== undefined) {
    if (
      !Array.isArray(b.ack) ||
      b.ack.length > 1000 ||
      !b.ack.every((j) => typeof j === 'string' && j.length > 0 && j.length <= 128)
    ) {
      return 'ack must be an array of at most 1000 jti strings';
    }
    request.ack = b.ack as string[];
  }
  if (b.setErrs !== undefined) {
    const errs = b.setErrs;
    if (typeof errs !== 'object' || errs === null || Array.isArray(errs)) {
      return 'setErrs must be an object of jti to {err, description}';
    }
    const entries = Object.entries(errs as Record<string, unknown>);
    if (
      entries.length > 1000 ||
      !entries.every(
        ([jti, e]) =>
          jti.length <= 128 &&
          typeof e === 'object' &&
          e !== null &&
          typeof (e as { err?: unknown }).err === 'string',
      )
    ) {
      return 'setErrs must be an object of jti to {err, description}';
    }
    request.setErrs = errs as PollRequest['setErrs'];
  }
  return request;
}
