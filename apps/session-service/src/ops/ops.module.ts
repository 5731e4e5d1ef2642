import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { ShutdownState } from './shutdown-state';

/**
 * Health, readiness and shutdown state of the running service; metrics, logs
 * and rate limits come from `@session-service/ops` (app.module.ts).
 */
@Module({
  imports: [TerminusModule],
  controllers: [HealthController],
  providers: [ShutdownState],
  exports: [ShutdownState],
})
export class OpsModule {}
