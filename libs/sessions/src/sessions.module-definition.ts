import { ConfigurableModuleBuilder } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import type { SessionsModuleOptions } from './sessions.options';

export const {
  ConfigurableModuleClass: ConfigurableSessionsModule,
  MODULE_OPTIONS_TOKEN: SESSIONS_MODULE_OPTIONS,
  OPTIONS_TYPE: SESSIONS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SESSIONS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SessionsModuleOptions>()
  .setClassMethodName('forRoot')
  // Routes are registered before any async factory runs, so the prefix is a static extra.
  .setExtras({ routePrefix: '' }, (definition, extras) =>
    extras.routePrefix
      ? {
          ...definition,
          imports: [
            ...(definition.imports ?? []),
            RouterModule.register([{ path: extras.routePrefix, module: definition.module }]),
          ],
        }
      : definition,
  )
  .build();
