import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '@session-service/auth';
import { ApiProblemResponses, ProblemResponses } from '@session-service/problem';
import {
  ClientIdParam,
  CreateRelyingPartyRequest,
  RelyingParty,
  RelyingPartyList,
} from './dto/relying-party.dto';
import { toRelyingParty } from './mappers';
import { RelyingPartyExistsError, RelyingPartyNotFoundError } from './signals.errors';
import { type RelyingPartyRow, SignalsRepository } from './signals.repository';

const NOT_FOUND = {
  404: { kind: 'relyingPartyNotFound' as const, args: { client_id: 'crm-web' } },
};

/**
 * Back-Channel Logout relying parties (admin): each gets a logout token per
 * revocation from the moment it is registered.
 */
@ProblemResponses()
@ApiTags('Back-Channel Logout')
@Controller('api/relying-parties')
export class RelyingPartiesController {
  constructor(private readonly repository: SignalsRepository) {}

  private async view(row: RelyingPartyRow): Promise<RelyingParty> {
    return toRelyingParty(
      row,
      await this.repository.backlog({ xid: row.feed_xid, id: row.feed_id }),
    );
  }

  @Post()
  @AdminOnly()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Register a relying party for Back-Channel Logout (admin)' })
  @ApiCreatedResponse({ type: RelyingParty })
  @ApiProblemResponses(
    [400, 409],
    {},
    {
      409: { kind: 'relyingPartyExists', args: { client_id: 'crm-web' } },
    },
  )
  async create(@Body() body: CreateRelyingPartyRequest): Promise<RelyingParty> {
    const row = await this.repository.createRelyingParty(
      body.client_id,
      body.backchannel_logout_uri,
      body.backchannel_logout_session_required ?? false,
    );
    if (!row) throw new RelyingPartyExistsError(body.client_id);
    return this.view(row);
  }

  @Get()
  @AdminOnly()
  @ApiOperation({ summary: 'List the relying parties (admin)' })
  @ApiOkResponse({ type: RelyingPartyList })
  @ApiProblemResponses([])
  async list(): Promise<RelyingPartyList> {
    const rows = await this.repository.listRelyingParties();
    return { relying_parties: await Promise.all(rows.map((row) => this.view(row))) };
  }

  @Get(':client_id')
  @AdminOnly()
  @ApiOperation({ summary: 'A relying party and its delivery state (admin)' })
  @ApiOkResponse({ type: RelyingParty })
  @ApiProblemResponses([400, 404], {}, NOT_FOUND)
  async get(@Param() params: ClientIdParam): Promise<RelyingParty> {
    const row = await this.repository.findRelyingParty(params.client_id);
    if (!row) throw new RelyingPartyNotFoundError(params.client_id);
    return this.view(row);
  }

  @Delete(':client_id')
  @AdminOnly()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Unregister a relying party (admin)' })
  @ApiNoContentResponse({ description: 'Unregistered' })
  @ApiProblemResponses([400, 404], {}, NOT_FOUND)
  async delete(@Param() params: ClientIdParam): Promise<void> {
    if (!(await this.repository.deleteRelyingParty(params.client_id))) {
      throw new RelyingPartyNotFoundError(params.client_id);
    }
  }
}
