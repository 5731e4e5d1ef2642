export * from './auth-metrics';
export * from './logging';
export * from './metrics.module';
export * from './metrics.options';
export * from './metrics.service';
export * from './metrics.tokens';
export { METRICS_MODULE_OPTIONS } from './metrics.module-definition';
export * from './rate-limit-store';
export * from './rate-limit.module';
export * from './rate-limit.options';
export type { RateLimitModuleExtras, UserLimitPlacement } from './rate-limit.module-definition';
export * from './request-logging.module';
export * from './request-logging.options';
export {
  REQUEST_LOGGER,
  REQUEST_LOGGING_MODULE_OPTIONS,
} from './request-logging.module-definition';
export type { AnsweredReply, AnsweredRequest, OnResponseHooks } from './response-hooks';
export * from './route-pattern';
export * from './session-metrics';
export * from './throttler-storage';
export {
  IP_THROTTLER,
  RATELIMIT_HEADER,
  RATELIMIT_POLICY_HEADER,
  USER_THROTTLER,
} from './throttling';
