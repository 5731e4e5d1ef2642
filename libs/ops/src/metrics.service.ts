import { Inject, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRICS_MODULE_OPTIONS } from './metrics.module-definition';
import type { MetricsModuleOptions } from './metrics.options';
import type { OnResponseHooks } from './response-hooks';
import { routePattern } from './route-pattern';

/** The pg pool's counters, as TypeORM's PostgreSQL driver holds it. */
interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** Statuses worth watching for attacks: bad tokens, forbidden access, rate limiting. */
const REJECTIONS = new Set([401, 403, 429]);

/**
 * Prometheus metrics of this application (in a registry of its own unless the
 * options give one, so several applications in one process do not collide):
 * requests by route and status, latency, pool usage and the rejections that
 * show an attack.
 */
@Injectable()
export class MetricsService {
  readonly registry: Registry;
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  /** Deprecated: `http_server_request_duration_seconds` replaces it (removed in the next release). */
  private readonly duration: Histogram<'method' | 'route' | 'status'>;
  private readonly serverDuration: Histogram<
    'http_request_method' | 'http_route' | 'http_response_status_code'
  >;
  private readonly rejections: Counter<'route' | 'status'>;

  constructor(@Inject(METRICS_MODULE_OPTIONS) options: MetricsModuleOptions) {
    this.registry = options.registry ?? new Registry();
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    const buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Deprecated, use http_server_request_duration_seconds: HTTP request latency by method, route and status',
      labelNames: ['method', 'route', 'status'],
      buckets,
      registers: [this.registry],
    });
    // OpenTelemetry's http.server.request.duration, as Prometheus names it.
    this.serverDuration = new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP server requests (OpenTelemetry semantic conventions)',
      labelNames: ['http_request_method', 'http_route', 'http_response_status_code'],
      buckets,
      registers: [this.registry],
    });
    this.rejections = new Counter({
      name: 'http_rejections_total',
      help: 'Requests refused with 401, 403 or 429, by route and status',
      labelNames: ['route', 'status'],
      registers: [this.registry],
    });
    const dataSource = options.dataSource;
    if (!dataSource) return;
    const pool = () => (dataSource.driver as { master?: PgPool }).master;
    const gauge = (name: string, help: string, read: (p: PgPool) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const p = pool();
          this.set(p ? read(p) : 0);
        },
      });
    gauge(
      'db_pool_connections_in_use',
      'Pool connections checked out',
      (p) => p.totalCount - p.idleCount,
    );
    gauge('db_pool_connections_idle', 'Pool connections idle', (p) => p.idleCount);
    gauge(
      'db_pool_requests_waiting',
      'Requests waiting for a pool connection',
      (p) => p.waitingCount,
    );
  }

  /** Observes every request once its response has been sent (a Fastify `onResponse` hook). */
  observeRequests(fastify: OnResponseHooks): void {
    fastify.addHook('onResponse', (request, reply, done) => {
      const route = routePattern(request) ?? 'unmatched';
      const status = reply.statusCode;
      const labels = { method: request.method, route, status: String(status) };
      const seconds = reply.elapsedTime / 1000;
      this.duration.observe(labels, seconds);
      this.serverDuration.observe(
        {
          http_request_method: request.method,
          http_route: route,
          http_response_status_code: labels.status,
        },
        seconds,
      );
      this.requests.inc(labels);
      if (REJECTIONS.has(status)) this.rejections.inc({ route, status: labels.status });
      done();
    });
  }
}
