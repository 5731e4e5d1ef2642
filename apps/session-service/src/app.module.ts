import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import type { DestinationStream, Logger as PinoLogger } from 'pino';
import { buildDataSourceOptions, runMigrations } from '@session-service/database';
import { AUTH_OBSERVER } from '@session-service/auth';
import {
  AuthMetrics,
  createRedactingLogger,
  MetricsModule,
  RateLimitModule,
  RequestLoggingModule,
  SessionMetrics,
} from '@session-service/ops';
import { isDatabaseUnavailable, ProblemModule } from '@session-service/problem';
import {
  combineSessionsObservers,
  SESSIONS_OBSERVER,
  sessionsDatabase,
  SessionsModule,
} from '@session-service/sessions';
import { FeedSignal, SignalsModule } from '@session-service/signals';
import type { AppConfig } from './config/app.config';
import { APP_CONFIG } from './config/app-config.token';
import { DatabaseUrlProvider } from './database-url.provider';
import { OpsModule } from './ops/ops.module';

const MINUTE_MS = 60_000;

@Module({})
export class AppModule {
  static forRoot(
    config: AppConfig,
    options: { logDestination?: DestinationStream } = {},
  ): DynamicModule {
    const logger = createRedactingLogger(
      { level: config.logLevel, base: { service: config.serviceName } },
      options.logDestination,
    );
    // One registry for the request metrics and the rate-limit store's errors, served at /metrics.
    const registry = new Registry();
    // The library's tables in DATABASE_SCHEMA (default session_service).
    const sessionsTables = sessionsDatabase({ schema: config.sessions.schema });
    return {
      module: AppModule,
      global: true,
      imports: [
        // The request log (a Fastify hook) and Nest's own log (nestjs-pino), on one logger.
        RequestLoggingModule.forRoot({ logger, nestLogger: true }),
        // The standalone service answers Problems for every route, unknown ones included.
        ProblemModule.forRoot({ serviceName: config.serviceName, global: true }),
        ScheduleModule.forRoot(),
        // Every route but the probes, /metrics and the problem pages (@SkipThrottle);
        // in memory, or in Redis with REDIS_URL.
        RateLimitModule.forRoot({
          global: true,
          // Every authenticated route of the service uses the access guards of the auth library.
          userLimitIn: 'access-guards',
          ipLimit: config.rateLimit.ipPerMinute,
          userLimit: config.rateLimit.userPerMinute,
          windowMs: MINUTE_MS,
          redis: config.rateLimit.redis,
          failOpen: true,
          registry,
          logger,
        }),
        TypeOrmModule.forRootAsync({
          extraProviders: [{ provide: APP_CONFIG, useValue: config }, DatabaseUrlProvider],
          inject: [DatabaseUrlProvider],
          useFactory: async (database: DatabaseUrlProvider) => ({
            ...buildDataSourceOptions(
              { ...config.database, url: await database.url() },
              sessionsTables.entities,
              sessionsTables.migrations,
            ),
            retryAttempts: START_ATTEMPTS,
            retryDelay: START_RETRY_MS,
            toRetry: retryStartUp(logger),
          }),
          // The schema first, on a connection without request deadlines; then the pool.
          dataSourceFactory: async (options) => {
            await runMigrations(options!);
            return new DataSource(options!).initialize();
          },
        }),
        SessionsModule.forRoot({ ...config.sessions, auth: config.auth }),
        // The Shared Signals transmitter and Back-Channel Logout, with SIGNALS_ISSUER (or in demo mode).
        ...(config.signals
          ? [SignalsModule.forRoot({ ...config.signals, auth: config.auth })]
          : []),
        // GET /metrics, on the management listener when MANAGEMENT_PORT is not PORT (ops/management.ts).
        MetricsModule.forRootAsync({
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => ({ registry, dataSource }),
        }),
        OpsModule,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        // JWKS fetches and refused tokens counted in /metrics (the module is global: the auth guards see it).
        { provide: AUTH_OBSERVER, useExisting: AuthMetrics },
        // Sign-ins, ended sessions and the revocation feed's lag, for the sessions library;
        // with the transmitter, its delivery also wakes at this instance's sign-ins and revocations.
        {
          provide: SESSIONS_OBSERVER,
          inject: [SessionMetrics, { token: FeedSignal, optional: true }],
          useFactory: (metrics: SessionMetrics, signal?: FeedSignal) =>
            signal ? combineSessionsObservers(metrics, signal) : metrics,
        },
      ],
      exports: [APP_CONFIG, AUTH_OBSERVER, SESSIONS_OBSERVER],
    };
  }
}

/** Attempts to reach the database at start-up, and the wait between two. */
const START_ATTEMPTS = 10;
const START_RETRY_MS = 3000;

/**
 * Which start-up failures are retried: only a database that cannot be reached
 * yet (refused, starting up, a network error); a wrong password, a missing
 * database or a missing privilege stops the service at once. Each retry is
 * logged as it happens (Nest's own lines are held until the app is up).
 */
function retryStartUp(logger: PinoLogger): (error: unknown) => boolean {
  let attempt = 0;
  return (error) => {
    if (!isDatabaseUnavailable(error)) return false;
    attempt += 1;
    if (attempt < START_ATTEMPTS) {
      const { code, message } = error as { code?: unknown; message?: unknown };
      logger.warn(
        { code, error: message },
        `database unreachable at start-up; attempt ${attempt} of ${START_ATTEMPTS}, next in ${START_RETRY_MS / 1000} s`,
      );
    }
    return true;
  };
}
