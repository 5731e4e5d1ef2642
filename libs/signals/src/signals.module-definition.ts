import { ConfigurableModuleBuilder } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { SignalsModuleOptions } from './signals.options';

/** The TypeORM DataSource holding the sessions tables (and the signal tables beside them). */
export const SIGNALS_DATA_SOURCE = Symbol('SIGNALS_DATA_SOURCE');

export const {
  ConfigurableModuleClass: ConfigurableSignalsModule,
  MODULE_OPTIONS_TOKEN: SIGNALS_MODULE_OPTIONS,
  OPTIONS_TYPE: SIGNALS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SIGNALS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SignalsModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras({ dataSourceName: undefined as string | undefined }, (definition, extras) => ({
    ...definition,
    providers: [
      ...(definition.providers ?? []),
      { provide: SIGNALS_DATA_SOURCE, useExisting: getDataSourceToken(extras.dataSourceName) },
    ],
  }))
  .build();
