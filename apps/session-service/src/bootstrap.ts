import type { AddressInfo } from 'node:net';
import { ConsoleLogger, Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { type AppConfig, loadConfig } from './config/app.config';
import { APP_OPTIONS, configureApp, createHttpAdapter } from './configure-app';
import { announceDemo, type DemoTokens } from './demo/demo';
import { listenManagement } from './ops/management';

export interface RunningService {
  app: NestFastifyApplication;
  config: AppConfig;
  url: string;
  /** Present in demo mode (no JWT key configured outside production). */
  demo?: DemoTokens;
}

/** Validates the configuration, builds the app, listens, and in demo mode seeds data and prints tokens. */
export async function startService(
  env: NodeJS.ProcessEnv,
  print: (text: string) => void = (text) => process.stdout.write(text),
): Promise<RunningService> {
  const config = loadConfig(env);
  const app = configureApp(
    await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot(config),
      createHttpAdapter(config),
      // Lines are held until the pino logger takes over (configureApp); should start-up fail
      // first (the database unreachable, say), Nest prints them through this one: JSON too.
      { ...APP_OPTIONS, bufferLogs: true, logger: startupLogger(config.logLevel) },
    ),
  );
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address() as AddressInfo;
  const url = `http://${displayHost(config.host)}:${address.port}`;
  Logger.log(
    `Listening on ${url}${config.apiDocsEnabled ? ` (docs at ${url}/docs)` : ' (API docs off)'}`,
    'Bootstrap',
  );
  // /metrics and the health probes, when MANAGEMENT_PORT is not PORT.
  const management = await listenManagement(app);
  if (management) {
    Logger.log(
      `Metrics and health probes on http://${displayHost(config.host)}:${management.port}/metrics, /health/live, /health/ready`,
      'Bootstrap',
    );
  }
  const demo = config.ephemeralSigningKey ? await announceDemo(app, config, url, print) : undefined;
  return { app, config, url, demo };
}

/**
 * The host of the address printed at start-up: the address the service is
 * bound to, or localhost when it listens on every interface.
 */
export function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

const NEST_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];
const PINO_TO_NEST: Record<AppConfig['logLevel'], number> = {
  silent: 0,
  fatal: 1,
  error: 2,
  warn: 3,
  info: 4,
  debug: 5,
  trace: 6,
};

/** Nest's logger of the start-up, writing JSON lines at the levels LOG_LEVEL lets through. */
export function startupLogger(level: AppConfig['logLevel']): ConsoleLogger {
  return new ConsoleLogger({
    json: true,
    colors: false,
    logLevels: NEST_LEVELS.slice(0, PINO_TO_NEST[level]),
  });
}
