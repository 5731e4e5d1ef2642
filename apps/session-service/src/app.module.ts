import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { buildDataSourceOptions } from '@app/database';
import { ProblemModule } from '@app/problem';
import { SESSIONS_ENTITIES, SESSIONS_MIGRATIONS, SessionsModule } from '@app/sessions';
import type { AppConfig } from './config/app.config';
import { APP_CONFIG } from './config/app-config.token';
import { DatabaseUrlProvider } from './database-url.provider';
import { pinoHttpOptions } from './ops/logging';
import { OpsModule } from './ops/ops.module';
import {
  IP_THROTTLER,
  IpThrottlerGuard,
  USER_THROTTLER,
  UserThrottlerInterceptor,
} from './ops/throttling';

const MINUTE_MS = 60_000;

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        LoggerModule.forRoot({ pinoHttp: pinoHttpOptions(config) }),
        ProblemModule.forRoot({ serviceName: config.serviceName }),
        ScheduleModule.forRoot(),
        ThrottlerModule.forRoot({
          throttlers: [
            { name: IP_THROTTLER, ttl: MINUTE_MS, limit: config.rateLimit.ipPerMinute },
            { name: USER_THROTTLER, ttl: MINUTE_MS, limit: config.rateLimit.userPerMinute },
          ],
        }),
        TypeOrmModule.forRootAsync({
          extraProviders: [{ provide: APP_CONFIG, useValue: config }, DatabaseUrlProvider],
          inject: [DatabaseUrlProvider],
          useFactory: async (database: DatabaseUrlProvider) =>
            buildDataSourceOptions(
              { ...config.database, url: await database.url() },
              SESSIONS_ENTITIES,
              SESSIONS_MIGRATIONS,
            ),
        }),
        SessionsModule.forRoot({ ...config.sessions, auth: config.auth }),
        OpsModule,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: APP_GUARD, useClass: IpThrottlerGuard },
        { provide: APP_INTERCEPTOR, useClass: UserThrottlerInterceptor },
      ],
      exports: [APP_CONFIG],
    };
  }
}
