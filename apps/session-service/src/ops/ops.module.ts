import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { RateLimitStore } from './rate-limit-store';
import { ShutdownState } from './shutdown-state';

/** Health, readiness, metrics, the rate-limit counters and shutdown state of the running service. */
@Module({
  imports: [TerminusModule],
  controllers: [HealthController, MetricsController],
  providers: [MetricsService, ShutdownState, RateLimitStore],
  exports: [MetricsService, ShutdownState, RateLimitStore],
})
export class OpsModule {}
