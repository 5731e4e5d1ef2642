import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { fastifyInstanceOf } from './fastify-instance';
import { AuthMetrics } from './auth-metrics';
import { SessionMetrics } from './session-metrics';
import { ConfigurableMetricsModule } from './metrics.module-definition';
import { MetricsService } from './metrics.service';
import { METRICS_REGISTRY } from './metrics.tokens';

/**
 * Prometheus metrics: `http_server_request_duration_seconds` by
 * `http_request_method`, `http_route` and `http_response_status_code` (the
 * OpenTelemetry semantic conventions), `http_requests_total` and the
 * deprecated `http_request_duration_seconds` by method, route pattern and
 * status, `http_rejections_total` (401, 403, 429) by route, the pool gauges
 * of `dataSource`, Node.js process metrics; and the counters of `AuthMetrics`
 * (JWKS fetches and failures, keys added and dropped, refused tokens by
 * reason), which count once it is provided as `AUTH_OBSERVER` of
 * `@session-service/auth`; and those of `SessionMetrics` (sign-ins recorded,
 * sessions ended by reason, the revocation feed's lag), once it is provided
 * as `SESSIONS_OBSERVER` of `@session-service/sessions`.
 *
 * What importing it does, and nothing else: registers those metrics in the
 * registry (its own unless `registry` is given), adds one Fastify
 * `onResponse` hook when the application initialises (every route of the
 * application is counted, the host's included), serves `GET /metrics` (or
 * `path`; none with `path: false`), and provides `MetricsService`,
 * `METRICS_REGISTRY`, `AuthMetrics` and `SessionMetrics`.
 */
@Module({
  providers: [
    MetricsService,
    {
      provide: METRICS_REGISTRY,
      inject: [MetricsService],
      useFactory: (metrics: MetricsService) => metrics.registry,
    },
    AuthMetrics,
    SessionMetrics,
  ],
  exports: [MetricsService, METRICS_REGISTRY, AuthMetrics, SessionMetrics],
})
export class MetricsModule extends ConfigurableMetricsModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: MetricsService,
  ) {
    super();
  }

  onModuleInit(): void {
    const fastify = fastifyInstanceOf(this.adapterHost, 'MetricsModule');
    if (fastify) this.metrics.observeRequests(fastify);
  }
}
