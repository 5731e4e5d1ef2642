import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { Express } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { BEARER_SCHEME } from '@app/auth';
import {
  answerClientErrorsWithProblems,
  PROBLEM_MODULE_OPTIONS,
  type ProblemModuleOptions,
  requestIdMiddleware,
} from '@app/problem';
import type { AppConfig } from './config/app.config';
import { APP_CONFIG } from './config/app-config.token';
import { MetricsService } from './ops/metrics.service';

/**
 * Application-wide HTTP wiring shared by `main.ts` and the end-to-end tests, so
 * the tests exercise exactly what production serves.
 */
export function configureApp(app: INestApplication): INestApplication {
  const config = app.get<AppConfig>(APP_CONFIG);
  app.useLogger(app.get(Logger));
  const express = app.getHttpAdapter().getInstance() as Express;
  express.set('trust proxy', config.trustProxy);
  express.disable('x-powered-by');
  app.use(requestIdMiddleware);
  app.use(app.get(MetricsService).middleware);
  app.use(helmet());
  answerClientErrorsWithProblems(
    app.getHttpServer() as Server,
    app.get<ProblemModuleOptions>(PROBLEM_MODULE_OPTIONS),
  );
  setupSwagger(app);
  return app;
}

export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
}

/**
 * The OpenAPI document served at `/docs-json`; `scripts/export-openapi.ts`
 * builds it the same way (without a database) to generate `@app/sessions-client`.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Session service')
      .setDescription(
        'Stores the sessions an auth platform records at each sign-in and answers which sessions a user has and which exist at all. Errors are RFC 9457 problems (`application/problem+json`).',
      )
      .setVersion('1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_SCHEME)
      .build(),
  );
}
