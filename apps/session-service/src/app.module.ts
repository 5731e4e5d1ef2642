import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '@app/auth';
import { buildDataSourceOptions } from '@app/database';
import { ProblemModule } from '@app/problem';
import { SESSIONS_ENTITIES, SESSIONS_MIGRATIONS, SessionsModule } from '@app/sessions';
import type { AppConfig } from './config/app.config';
import { APP_CONFIG } from './config/app-config.token';
import { DatabaseUrlProvider } from './database-url.provider';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ProblemModule.forRoot({ serviceName: config.serviceName }),
        ScheduleModule.forRoot(),
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
        AuthModule.forRoot({ isGlobal: true, ...config.auth }),
        SessionsModule.forRoot(config.sessions),
      ],
      providers: [{ provide: APP_CONFIG, useValue: config }],
      exports: [APP_CONFIG],
    };
  }
}
