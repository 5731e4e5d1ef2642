import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheckService,
  type HealthCheckResult,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { ApiProblemResponses, ProblemError } from '@app/problem';
import { ShutdownState } from './shutdown-state';
import { IP_THROTTLER, USER_THROTTLER } from './throttling';

@ApiTags('Operations')
@SkipThrottle({ [IP_THROTTLER]: true, [USER_THROTTLER]: true })
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers (no database call)' })
  @ApiOkResponse({ description: '{ "status": "ok" }' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: the database answers and the instance is not shutting down',
  })
  @ApiOkResponse({ description: 'Terminus health result' })
  @ApiProblemResponses(
    [],
    { 503: 'Not ready: database down or shutting down' },
    { 503: { kind: 'notReady' } },
  )
  async ready(): Promise<HealthCheckResult> {
    if (this.shutdown.isDraining) throw ProblemError.fromTemplate('notReady', 'shutting_down');
    try {
      return await this.health.check([() => this.db.pingCheck('database', { timeout: 1000 })]);
    } catch {
      throw ProblemError.fromTemplate('notReady', 'default');
    }
  }
}
