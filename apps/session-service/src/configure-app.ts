import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, getSchemaPath, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { Express } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { BEARER_SCHEME } from '@app/auth';
import {
  answerClientErrorsWithProblems,
  Problem,
  PROBLEM_CONTENT_TYPE,
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
 * `npm run lint:openapi` checks it against the OWASP API Security ruleset (`.spectral.yaml`).
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Session service')
      .setDescription(
        'Stores the sessions an auth platform records at each sign-in and answers which sessions a user has and which exist at all. Errors are RFC 9457 problems (`application/problem+json`).',
      )
      .setVersion('1.0')
      .addTag('Session Management', "A user's own sessions (their devices)")
      .addTag(
        'Admin sessions',
        'Every session, for admins; recording sign-ins, for the auth platform',
      )
      .addTag(
        'Revocation feed',
        'Revocations in commit order, for gateways that verify tokens locally',
      )
      .addTag('Operations', 'Liveness and readiness probes (public, not rate limited)')
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A JWS-signed JWT in `Authorization: Bearer`, verified following RFC8725 (JWT Best Current Practices): one configured algorithm family (never `none`), keys from configuration only (`jku`, `x5u` and `jwk` headers are ignored), `exp` required, `nbf`, `iss` and `aud` checked when configured.',
        },
        BEARER_SCHEME,
      )
      .build(),
  );
  // The URL every client already resolves against (OpenAPI's default), stated
  // with the audience and environment the OWASP ruleset asks for.
  document.servers = [
    Object.assign(
      {
        url: '/',
        description: 'This instance: the host serving this document (local, staging or production)',
      },
      { 'x-internal': true },
    ),
  ];
  documentRateLimits(document);
  return document;
}

/**
 * Every authenticated operation is behind the per-IP and per-user throttlers
 * (`ops/throttling.ts`): document their 429 Problem and its `Retry-After`. The
 * public operations (the health probes) are exactly those with `@SkipThrottle`.
 */
function documentRateLimits(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation?.security?.length) continue;
      operation.responses['429'] = {
        description:
          'Too many requests from this client address or user; wait `Retry-After` seconds (also `retry_after`)',
        headers: {
          'Retry-After': {
            description: 'Seconds to wait before retrying (RFC 9110)',
            // The throttlers count per minute (app.module.ts), so a wait never exceeds 60 seconds.
            schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 60 },
          },
        },
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(Problem) } } },
      };
    }
  }
}
