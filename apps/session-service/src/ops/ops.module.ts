import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { ShutdownState } from './shutdown-state';

/** Health, readiness, metrics and shutdown state of the running service. */
@Module({
  imports: [TerminusModule],
  controllers: [HealthController, MetricsController],
  providers: [MetricsService, ShutdownState],
  exports: [MetricsService, ShutdownState],
})
export class OpsModule {}
