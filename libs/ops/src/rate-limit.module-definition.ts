import { ConfigurableModuleBuilder, type Provider } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { RATE_LIMIT_MODULE_OPTIONS, type RateLimitModuleOptions } from './rate-limit.options';
import { ACCESS_GRANTED_HANDLER, UserLimitOnAccess, UserThrottlerInterceptor } from './throttling';

/** Where the per-user limit runs: see `RateLimitModuleExtras.userLimitIn`. */
export type UserLimitPlacement = 'interceptor' | 'access-guards';

/** Options of `forRoot` / `forRootAsync` that decide which providers the module registers. */
export interface RateLimitModuleExtras {
  /**
   * `'interceptor'` (default): a global interceptor, after whatever guards a
   * route has, its own included. `'access-guards'`: inside the access guards
   * of `@session-service/auth` (`@Authenticated`, `@RequireRoles`,
   * `@OwnerOnly`), once they let the request through, with no global
   * interceptor (which wraps every route in an RxJS pipeline); routes
   * authenticated by other guards then have no per-user limit.
   */
  userLimitIn?: UserLimitPlacement;
}

/** The provider that runs the per-user limit where `userLimitIn` says. */
function userLimitProviders(placement: UserLimitPlacement = 'interceptor'): Provider[] {
  return placement === 'access-guards'
    ? [{ provide: ACCESS_GRANTED_HANDLER, useClass: UserLimitOnAccess }]
    : [{ provide: APP_INTERCEPTOR, useClass: UserThrottlerInterceptor }];
}

export { RATE_LIMIT_MODULE_OPTIONS };

export const {
  ConfigurableModuleClass: ConfigurableRateLimitModule,
  OPTIONS_TYPE: RATE_LIMIT_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: RATE_LIMIT_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<RateLimitModuleOptions>({
  // A token of its own file: the guards inject it without importing this one.
  optionsInjectionToken: RATE_LIMIT_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setExtras<RateLimitModuleExtras>({ userLimitIn: 'interceptor' }, (definition, extras) => ({
    ...definition,
    providers: [...(definition.providers ?? []), ...userLimitProviders(extras.userLimitIn)],
  }))
  .build();
