import type { Registry } from 'prom-client';

/**
 * What the pool gauges read: a TypeORM `DataSource` on the `postgres` driver
 * (its pg pool), or anything shaped like one. Typed structurally, so the
 * library does not depend on TypeORM.
 */
export interface PooledDataSource {
  readonly driver: unknown;
}

/** Options of `MetricsModule.forRoot` / `forRootAsync`. */
export interface MetricsModuleOptions {
  /**
   * The prom-client registry the metrics are registered in (and the endpoint
   * serves): the host's own, e.g. prom-client's global `register`, or absent
   * for a registry of this module alone (several applications in one process
   * never collide).
   */
  registry?: Registry;
  /** Also collect Node.js process metrics (`collectDefaultMetrics`) in the registry; default `true`. Set `false` when the host's registry has them already. */
  defaultMetrics?: boolean;
  /** Adds `db_pool_connections_in_use`, `db_pool_connections_idle` and `db_pool_requests_waiting` of this DataSource's pool; absent: no pool gauges. */
  dataSource?: PooledDataSource;
}

/** Static settings of `forRoot` / `forRootAsync` (they decide which routes exist). */
export interface MetricsModuleExtras {
  /**
   * Path of the Prometheus text endpoint (`GET`); default `metrics`. `false`:
   * no endpoint, the host serves `MetricsService.registry` (or its own
   * registry) where it likes, e.g. on a management port.
   */
  path: string | false;
}
