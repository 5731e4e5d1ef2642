import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SessionsModuleOptions } from './sessions.options';

export const {
  ConfigurableModuleClass: ConfigurableSessionsModule,
  MODULE_OPTIONS_TOKEN: SESSIONS_MODULE_OPTIONS,
  OPTIONS_TYPE: SESSIONS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SESSIONS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SessionsModuleOptions>().setClassMethodName('forRoot').build();
