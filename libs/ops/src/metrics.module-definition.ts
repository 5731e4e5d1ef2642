import { ConfigurableModuleBuilder } from '@nestjs/common';
import { createMetricsController } from './metrics.controller';
import type { MetricsModuleExtras, MetricsModuleOptions } from './metrics.options';

export const {
  ConfigurableModuleClass: ConfigurableMetricsModule,
  MODULE_OPTIONS_TOKEN: METRICS_MODULE_OPTIONS,
  OPTIONS_TYPE: METRICS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: METRICS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<MetricsModuleOptions>()
  .setClassMethodName('forRoot')
  // Routes are registered before any async factory runs, so the path is a static extra.
  .setExtras<MetricsModuleExtras>({ path: 'metrics' }, (definition, extras) =>
    extras.path === false
      ? definition
      : {
          ...definition,
          controllers: [...(definition.controllers ?? []), createMetricsController(extras.path)],
        },
  )
  .build();
