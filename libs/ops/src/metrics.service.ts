import { Inject, Injectable } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRICS_MODULE_OPTIONS } from './metrics.module-definition';
import type { MetricsModuleOptions } from './metrics.options';
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
  private readonly duration: Histogram<'method' | 'route' | 'status'>;
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
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by method, route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
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
  observeRequests(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (request, reply, done) => {
      const route = routePattern(request) ?? 'unmatched';
      const status = reply.statusCode;
      const labels = { method: request.method, route, status: String(status) };
      this.duration.observe(labels, reply.elapsedTime / 1000);
      this.requests.inc(labels);
      if (REJECTIONS.has(status)) this.rejections.inc({ route, status: labels.status });
      done();
    });
  }
}
