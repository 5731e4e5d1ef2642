import { ConfigurableModuleBuilder } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { SessionsModuleOptions } from './sessions.options';

/**
 * The TypeORM DataSource the library works on: the host's default one, or the
 * one named by the `dataSourceName` option (`TypeOrmModule.forRoot({ name })`).
 */
export const SESSIONS_DATA_SOURCE = Symbol('SESSIONS_DATA_SOURCE');

export const {
  ConfigurableModuleClass: ConfigurableSessionsModule,
  MODULE_OPTIONS_TOKEN: SESSIONS_MODULE_OPTIONS,
  OPTIONS_TYPE: SESSIONS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SESSIONS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SessionsModuleOptions>()
  .setClassMethodName('forRoot')
  // Routes are registered before any async factory runs, so the prefix is a static extra.
  // So is the DataSource's name: its provider is an alias Nest resolves (and
  // waits for, as TypeORM initialises and migrates it) before the library's.
  .setExtras(
    { routePrefix: '', dataSourceName: undefined as string | undefined },
    (definition, extras) => {
      const dataSource = {
        provide: SESSIONS_DATA_SOURCE,
        useExisting: getDataSourceToken(extras.dataSourceName),
      };
      return {
        ...definition,
        providers: [...(definition.providers ?? []), dataSource],
        imports: extras.routePrefix
          ? [
              ...(definition.imports ?? []),
              RouterModule.register([{ path: extras.routePrefix, module: definition.module }]),
            ]
          : definition.imports,
      };
    },
  )
  .build();
