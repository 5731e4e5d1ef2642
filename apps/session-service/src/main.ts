import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { ConfigError } from './config/environment';
import { loadConfig } from './config/app.config';
import { configureApp } from './configure-app';
import { announceDemo } from './demo/demo';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const app = configureApp(await NestFactory.create(AppModule.forRoot(config)));
  await app.listen(config.port, config.host);
  const url = `http://localhost:${config.port}`;
  Logger.log(`Listening on ${url} (docs at ${url}/docs)`, 'Bootstrap');
  if (config.ephemeralSigningKey) await announceDemo(app, config, url);
}

void bootstrap();
