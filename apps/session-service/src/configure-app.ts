import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { BEARER_SCHEME } from '@app/auth';
import { requestIdMiddleware } from '@app/problem';

/**
 * Application-wide HTTP wiring shared by `main.ts` and the end-to-end tests, so
 * the tests exercise exactly what production serves.
 */
export function configureApp(app: INestApplication): INestApplication {
  app.use(requestIdMiddleware);
  app.enableShutdownHooks();
  setupSwagger(app);
  return app;
}

export function setupSwagger(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
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
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
