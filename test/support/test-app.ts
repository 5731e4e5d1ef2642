import type { Provider } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { DestinationStream } from 'pino';
import { DataSource } from 'typeorm';
import { AppModule } from '../../apps/session-service/src/app.module';
import { loadConfig, type AppConfig } from '../../apps/session-service/src/config/app.config';
import {
  APP_OPTIONS,
  configureApp,
  createHttpAdapter,
} from '../../apps/session-service/src/configure-app';
import { TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET } from './tokens';
import { freePort } from './receivers';

/** Environment of the app under test: the run's database and a fixed HS256 secret. */
export function testEnvironment(overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const url = process.env.TEST_DATABASE_URL;
  if (!url)
    throw new Error('TEST_DATABASE_URL is not set: run the suite through jest (global setup)');
  return {
    NODE_ENV: 'test',
    DATABASE_URL: url,
    DATABASE_POOL_SIZE: '4',
    JWT_SECRET: TEST_JWT_SECRET,
    JWT_ISSUER: TEST_ISSUER,
    JWT_AUDIENCE: TEST_AUDIENCE,
    // Specs run the sweeper themselves, when they mean to.
    SESSION_SWEEP_INTERVAL_MS: '0',
    LOG_LEVEL: 'silent',
    SHUTDOWN_DRAIN_MS: '0',
    // The transmitter's routes are served (as in the OpenAPI document); specs deliver when they mean to.
    SIGNALS_ISSUER: 'http://127.0.0.1:3000',
    SIGNALS_DELIVERY_WORKER: 'false',
    ...overrides,
  };
}

export interface TestApp {
  app: NestFastifyApplication;
  dataSource: DataSource;
  config: AppConfig;
  close(): Promise<void>;
}

/** Boots the real application (same module, same HTTP wiring as main.ts) against the test database. */
export async function createTestApp(
  overrides: NodeJS.ProcessEnv = {},
  extra: {
    controllers?: (new (...args: never[]) => unknown)[];
    /** Providers beside the application module; a `useValue` one also replaces the application's provider of its token. */
    providers?: Provider[];
    /** Where the service's log lines go (standard output otherwise); set `LOG_LEVEL` too. */
    logDestination?: DestinationStream;
  } = {},
): Promise<TestApp> {
  const config = loadConfig(testEnvironment(overrides));
  let builder = Test.createTestingModule({
    imports: [AppModule.forRoot(config, { logDestination: extra.logDestination })],
    controllers: extra.controllers ?? [],
    providers: extra.providers ?? [],
  });
  // A value given for a token the application provides itself replaces the application's
  // (a SUBJECT_RESOLVER test double instead of the sessions library's resolver).
  for (const provider of extra.providers ?? []) {
    if (typeof provider === 'object' && 'useValue' in provider) {
      builder = builder.overrideProvider(provider.provide).useValue(provider.useValue);
    }
  }
  const moduleRef = await builder.compile();
  const app = configureApp(
    moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(config), {
      ...APP_OPTIONS,
      logger: ['fatal'],
    }),
  );
  await app.init();
  // Fastify routes requests only once its plugins have loaded.
  await app.getHttpAdapter().getInstance().ready();
  const dataSource = app.get(DataSource);
  return { app, dataSource, config, close: () => app.close() };
}

/** Empties the tables so a spec file starts from nothing. */
export async function resetDatabase(dataSource: DataSource): Promise<void> {
  const tables = [
    'sessions',
    'user_subjects',
    'users',
    'session_revocations',
    'session_events',
    'tenants',
    'user_session_limits',
  ];
  await dataSource.query(`TRUNCATE ${tables.map((t) => `session_service.${t}`).join(', ')}`);
}

/**
 * The application as a Shared Signals transmitter, listening on a free port of
 * 127.0.0.1, which is its issuer (`base`): the delivery worker on and the rate
 * limits out of the way of the tests' bursts. `env` adds to or overrides these.
 */
export async function startTransmitterApp(
  env: NodeJS.ProcessEnv = {},
): Promise<{ t: TestApp; base: string }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t = await createTestApp({
    SIGNALS_ISSUER: base,
    SIGNALS_DELIVERY_WORKER: 'true',
    RATE_LIMIT_IP_PER_MINUTE: '100000',
    RATE_LIMIT_USER_PER_MINUTE: '100000',
    ...env,
  });
  await t.app.listen(port, '127.0.0.1');
  return { t, base };
}
