/**
 * Builds the service's OpenAPI document (the one served at `/docs-json`) as
 * stable JSON text, for `@session-service/sessions-client`; `export-openapi.ts` writes it.
 *
 * The real application module is built in Nest's preview mode: modules,
 * controllers and their metadata are scanned, but no provider is instantiated,
 * so no database connection is made and nothing listens. The environment is
 * fixed (not read from the shell) so the document does not depend on who runs it.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../apps/session-service/src/app.module';
import { loadConfig } from '../apps/session-service/src/config/app.config';
import { buildOpenApiDocument, createHttpAdapter } from '../apps/session-service/src/configure-app';

/** A fixed configuration: defaults everywhere, a placeholder key and a database never reached. */
const EXPORT_ENVIRONMENT: NodeJS.ProcessEnv = {
  NODE_ENV: 'development',
  JWT_SECRET: 'openapi-export-placeholder-secret-0123456789',
  DATABASE_URL: 'postgres://openapi-export@127.0.0.1:9/unused',
  DEMO_SEED: 'false',
  LOG_LEVEL: 'silent',
  SESSION_SWEEP_INTERVAL_MS: '0',
  SIGNALS_ISSUER: 'http://127.0.0.1:3000',
  SIGNALS_DELIVERY_WORKER: 'false',
};

/** Recursively sorts object keys (arrays keep their order), so equal documents serialise equally. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** The document as JSON text: keys sorted, two-space indent, final newline. */
export function stableJson(document: unknown): string {
  // Round-trip first: exactly what a client fetching /docs-json would read.
  return `${JSON.stringify(sortKeys(JSON.parse(JSON.stringify(document))), null, 2)}\n`;
}

export async function buildServedOpenApiDocument(): Promise<unknown> {
  const config = loadConfig(EXPORT_ENVIRONMENT);
  const app = await NestFactory.create(AppModule.forRoot(config), createHttpAdapter(config), {
    preview: true,
    abortOnError: false,
    logger: false,
  });
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}
