import { ConfigurableModuleBuilder, type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { createRedactingLogger } from './logging';
import type {
  RequestLoggingModuleExtras,
  RequestLoggingModuleOptions,
} from './request-logging.options';

/** Injection token of the pino logger `RequestLoggingModule` writes to. */
export const REQUEST_LOGGER = Symbol('REQUEST_LOGGER');

/**
 * Holds the options and the logger, so nestjs-pino's `LoggerModule` (when
 * `nestLogger` is set) can import the very same logger instance.
 */
@Module({})
export class RequestLoggerCoreModule {}

export const {
  ConfigurableModuleClass: ConfigurableRequestLoggingModule,
  MODULE_OPTIONS_TOKEN: REQUEST_LOGGING_MODULE_OPTIONS,
  OPTIONS_TYPE: REQUEST_LOGGING_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: REQUEST_LOGGING_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<RequestLoggingModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras<RequestLoggingModuleExtras>({ nestLogger: false }, (definition, extras) => {
    const core: DynamicModule = {
      module: RequestLoggerCoreModule,
      imports: definition.imports ?? [],
      providers: [
        ...(definition.providers ?? []),
        {
          provide: REQUEST_LOGGER,
          inject: [REQUEST_LOGGING_MODULE_OPTIONS],
          useFactory: (options: RequestLoggingModuleOptions): Logger =>
            options.logger ??
            createRedactingLogger(
              { level: options.level, base: options.base },
              options.destination,
            ),
        },
      ],
      exports: [REQUEST_LOGGING_MODULE_OPTIONS, REQUEST_LOGGER],
    };
    return {
      ...definition,
      imports: [
        core,
        ...(extras.nestLogger
          ? [
              // Nest's log only: requests are logged by a Fastify hook, so
              // nestjs-pino's per-request middleware is mounted on no route.
              LoggerModule.forRootAsync({
                imports: [core],
                inject: [REQUEST_LOGGER],
                useFactory: (logger: Logger) => ({ pinoHttp: { logger }, forRoutes: [] }),
              }),
            ]
          : []),
      ],
      providers: [],
      exports: [core],
    };
  })
  .build();
