import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  HealthCheckService,
  type HealthCheckResult,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { IP_THROTTLER, USER_THROTTLER } from '@session-service/ops';
import { ProblemError } from '@session-service/problem';
import { ShutdownState } from './shutdown-state';

/**
 * Liveness and readiness probes: public (orchestrators call them without a
 * token), not rate limited, and served on the management listener
 * (MANAGEMENT_PORT), so not part of the API's OpenAPI document.
 */
@ApiExcludeController()
@SkipThrottle({ [IP_THROTTLER]: true, [USER_THROTTLER]: true })
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly shutdown: ShutdownState,
  ) {}

  @Get('live')
  /** The process answers (no database call). */
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  /** The database answers and the instance is not shutting down; otherwise a 503 Problem. */
  async ready(): Promise<HealthCheckResult> {
    if (this.shutdown.isDraining) throw ProblemError.fromTemplate('notReady', 'shutting_down');
    try {
      return await this.health.check([() => this.db.pingCheck('database', { timeout: 1000 })]);
    } catch {
      throw ProblemError.fromTemplate('notReady', 'default');
    }
  }
}
