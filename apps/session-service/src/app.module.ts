import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import type { DestinationStream } from 'pino';
import { buildDataSourceOptions, runMigrations } from '@session-service/database';
import { ProblemModule } from '@session-service/problem';
import { sessionsDatabase, SessionsModule } from '@session-service/sessions';
import type { AppConfig } from './config/app.config';
import { APP_CONFIG } from './config/app-config.token';
import { DatabaseUrlProvider } from './database-url.provider';
import { createRootLogger, ROOT_LOGGER } from './ops/logging';
import { OpsModule } from './ops/ops.module';
import { RateLimitStore } from './ops/rate-limit-store';
import {
  IP_THROTTLER,
  IpThrottlerGuard,
  USER_THROTTLER,
  UserThrottlerInterceptor,
} from './ops/throttling';

const MINUTE_MS = 60_000;

@Module({})
export class AppModule {
  static forRoot(
    config: AppConfig,
    options: { logDestination?: DestinationStream } = {},
  ): DynamicModule {
    const logger = createRootLogger(config, options.logDestination);
    // The library's tables in DATABASE_SCHEMA (default session_service).
    const sessionsTables = sessionsDatabase({ schema: config.sessions.schema });
    return {
      module: AppModule,
      global: true,
      imports: [
        // Nest's log only: requests are logged by a Fastify hook (configure-app.ts),
        // so nestjs-pino's per-request middleware is mounted on no route.
        LoggerModule.forRoot({ pinoHttp: { logger }, forRoutes: [] }),
        ProblemModule.forRoot({ serviceName: config.serviceName }),
        ScheduleModule.forRoot(),
        ThrottlerModule.forRootAsync({
          imports: [OpsModule],
          inject: [RateLimitStore],
          // In memory, or in Redis with REDIS_URL (ops/rate-limit-store.ts).
          useFactory: (storage: RateLimitStore) => ({
            storage,
            throttlers: [
              { name: IP_THROTTLER, ttl: MINUTE_MS, limit: config.rateLimit.ipPerMinute },
              { name: USER_THROTTLER, ttl: MINUTE_MS, limit: config.rateLimit.userPerMinute },
            ],
          }),
        }),
        TypeOrmModule.forRootAsync({
          extraProviders: [{ provide: APP_CONFIG, useValue: config }, DatabaseUrlProvider],
          inject: [DatabaseUrlProvider],
          useFactory: async (database: DatabaseUrlProvider) =>
            buildDataSourceOptions(
              { ...config.database, url: await database.url() },
              sessionsTables.entities,
              sessionsTables.migrations,
            ),
          // The schema first, on a connection without request deadlines; then the pool.
          dataSourceFactory: async (options) => {
            await runMigrations(options!);
            return new DataSource(options!).initialize();
          },
        }),
        SessionsModule.forRoot({ ...config.sessions, auth: config.auth }),
        OpsModule,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: ROOT_LOGGER, useValue: logger },
        { provide: APP_GUARD, useClass: IpThrottlerGuard },
        { provide: APP_INTERCEPTOR, useClass: UserThrottlerInterceptor },
      ],
      exports: [APP_CONFIG, ROOT_LOGGER],
    };
  }
}
