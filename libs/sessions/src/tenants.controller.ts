import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { AdminOnly } from '@session-service/auth';
import { ApiProblemResponses, ProblemResponses } from '@session-service/problem';
import { BAD_TENANT_SETTING, badField, TENANT_EXISTS, TENANT_NOT_FOUND } from './api-examples';
import {
  CreateTenantRequest,
  DEFAULT_TENANT_PAGE,
  MAX_TENANT_PAGE,
  Tenant,
  TenantListQuery,
  TenantListResponse,
  toTenant,
  UpdateTenantRequest,
} from './dto/tenant.dto';
import { TENANT_ID_PARAM_SCHEMA, TenantIdPipe } from './param-pipes';
import { TenantsService } from './tenants.service';

const TENANT_ID = {
  name: 'tenant_id',
  schema: TENANT_ID_PARAM_SCHEMA,
  example: 'tnt_xyz789',
} as const;

@ProblemResponses()
@ApiTags('Tenants')
@Controller('api/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @AdminOnly()
  @ApiOperation({
    summary: 'Create a tenant: its session lifetimes, their bounds and its session limit (admin)',
    description:
      "Settings left out are the service's own at creation. Bounds must be consistent: min <= default <= max, each within the service's bounds.",
  })
  @ApiCreatedResponse({ type: Tenant })
  @ApiProblemResponses(
    [400, 409],
    { 409: 'A tenant with this id exists; nothing was changed' },
    { 400: BAD_TENANT_SETTING, 409: TENANT_EXISTS },
  )
  async create(@Body() body: CreateTenantRequest): Promise<Tenant> {
    const { tenant_id: tenantId, ...settings } = body;
    return toTenant(await this.tenants.create(tenantId, settings));
  }

  @Get()
  @AdminOnly()
  @ApiOperation({
    summary: 'List tenants by id (admin)',
    description: `Keyset pages of \`limit\` tenants (default ${DEFAULT_TENANT_PAGE}); \`next_cursor\` gives the next page, null at the end.`,
  })
  @ApiOkResponse({ type: TenantListResponse })
  @ApiProblemResponses(
    [400],
    {},
    { 400: badField('limit', 'range', `limit must be between 1 and ${MAX_TENANT_PAGE}`, 5000) },
  )
  async list(@Query() query: TenantListQuery): Promise<TenantListResponse> {
    const page = await this.tenants.list(query.limit ?? DEFAULT_TENANT_PAGE, query.cursor);
    return { tenants: page.rows.map(toTenant), next_cursor: page.nextCursor };
  }

  @Get(':tenant_id')
  @AdminOnly()
  @ApiOperation({ summary: 'A tenant (admin)' })
  @ApiParam(TENANT_ID)
  @ApiOkResponse({ type: Tenant })
  @ApiProblemResponses([400, 404], { 404: 'No such tenant' }, { 404: TENANT_NOT_FOUND })
  async get(@Param('tenant_id', TenantIdPipe) tenantId: string): Promise<Tenant> {
    return toTenant(await this.tenants.get(tenantId));
  }

  @Patch(':tenant_id')
  @AdminOnly()
  @ApiOperation({
    summary: "Change a tenant's settings (admin)",
    description:
      "Changes the settings given; the result must still be consistent. New sign-ins take the new values; an idle timeout change reaches the tenant's existing sessions at their next touch. Other instances see the change within TENANT_CACHE_MS.",
  })
  @ApiParam(TENANT_ID)
  @ApiOkResponse({ type: Tenant })
  @ApiProblemResponses(
    [400, 404],
    { 404: 'No such tenant' },
    { 400: BAD_TENANT_SETTING, 404: TENANT_NOT_FOUND },
  )
  async update(
    @Param('tenant_id', TenantIdPipe) tenantId: string,
    @Body() body: UpdateTenantRequest,
  ): Promise<Tenant> {
    return toTenant(await this.tenants.update(tenantId, body));
  }

  @Delete(':tenant_id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @AdminOnly()
  @ApiOperation({
    summary: 'Delete a tenant (admin)',
    description:
      'Its sessions keep their tenant_id; later sign-ins naming it follow UNKNOWN_TENANT.',
  })
  @ApiParam(TENANT_ID)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblemResponses([400, 404], { 404: 'No such tenant' }, { 404: TENANT_NOT_FOUND })
  async remove(@Param('tenant_id', TenantIdPipe) tenantId: string): Promise<void> {
    await this.tenants.remove(tenantId);
  }
}
