import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
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
      { ...APP_OPTIONS, bufferLogs: true },
    ),
  );
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address() as AddressInfo;
  const url = `http://localhost:${address.port}`;
  Logger.log(
    `Listening on ${url}${config.apiDocsEnabled ? ` (docs at ${url}/docs)` : ' (API docs off)'}`,
    'Bootstrap',
  );
  // /metrics and the health probes, when MANAGEMENT_PORT is not PORT.
  const management = await listenManagement(app);
  if (management) {
    Logger.log(
      `Metrics and health probes on http://localhost:${management.port}/metrics, /health/live, /health/ready`,
      'Bootstrap',
    );
  }
  const demo = config.ephemeralSigningKey ? await announceDemo(app, config, url, print) : undefined;
  return { app, config, url, demo };
}
