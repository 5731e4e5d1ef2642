import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import {
  getOptionsToken,
  getStorageToken,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { RateLimitStore } from './rate-limit-store';
import {
  ConfigurableRateLimitModule,
  RATE_LIMIT_MODULE_OPTIONS,
} from './rate-limit.module-definition';
import { RATE_LIMIT_DEFAULTS, type RateLimitModuleOptions } from './rate-limit.options';
import { IP_THROTTLER, IpThrottlerGuard, RateLimitScope, USER_THROTTLER } from './throttling';

/** The throttlers of `@nestjs/throttler`, as the options say. */
function throttlerOptions(options: RateLimitModuleOptions): ThrottlerModuleOptions {
  const ttl = options.windowMs ?? RATE_LIMIT_DEFAULTS.windowMs;
  const ip = options.ipLimit ?? RATE_LIMIT_DEFAULTS.ipLimit;
  const user = options.userLimit ?? RATE_LIMIT_DEFAULTS.userLimit;
  return [
    ...(ip === false ? [] : [{ name: IP_THROTTLER, ttl, limit: ip }]),
    ...(user === false ? [] : [{ name: USER_THROTTLER, ttl, limit: user }]),
  ];
}

/**
 * Rate limits: per client IP before authentication (a guard) and per
 * authenticated user after it (an interceptor, once the route's guards have
 * set `request.user`; or, with `userLimitIn: 'access-guards'`, the last step
 * of the access guards of `@session-service/auth`), each a fixed window
 * counted across all limited routes.
 * Every limited response carries `RateLimit-Policy` and `RateLimit`
 * (draft-ietf-httpapi-ratelimit-headers); past a limit, a 429 Problem with
 * `Retry-After`.
 *
 * What importing it does, and nothing else: registers one guard
 * (`APP_GUARD`) and one interceptor (`APP_INTERCEPTOR`; with `'access-guards'`
 * instead a handler of the access guards) that act on the
 * routes of the controllers of `modules` only (every route with
 * `global: true`); every other route passes through them untouched. It does
 * not import `@nestjs/throttler`'s global `ThrottlerModule`: its throttler
 * options and storage are providers of this module alone, so a host's own
 * throttler setup is not affected.
 */
@Module({
  providers: [
    RateLimitScope,
    {
      provide: RateLimitStore,
      inject: [RATE_LIMIT_MODULE_OPTIONS],
      useFactory: (options: RateLimitModuleOptions) =>
        new RateLimitStore({
          redis: options.store ? undefined : options.redis,
          failOpen: options.failOpen,
          registry: options.registry,
          logger: options.logger,
        }),
    },
    {
      provide: getStorageToken(),
      inject: [RATE_LIMIT_MODULE_OPTIONS, RateLimitStore],
      // The host's store is wrapped, so this module never runs its lifecycle hooks.
      useFactory: (options: RateLimitModuleOptions, own: RateLimitStore): ThrottlerStorage => {
        const store = options.store;
        return store ? { increment: (...args) => store.increment(...args) } : own;
      },
    },
    {
      provide: getOptionsToken(),
      inject: [RATE_LIMIT_MODULE_OPTIONS],
      useFactory: throttlerOptions,
    },
    { provide: APP_GUARD, useClass: IpThrottlerGuard },
    // The per-user limit's provider is added by forRoot, where `userLimitIn` says.
  ],
  exports: [RateLimitStore],
})
export class RateLimitModule extends ConfigurableRateLimitModule {}
