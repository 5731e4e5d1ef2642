/** Injection token of the prom-client `Registry` `MetricsModule` registers its metrics in. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
