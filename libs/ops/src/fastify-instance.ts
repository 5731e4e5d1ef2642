import type { HttpAdapterHost } from '@nestjs/core';
import type { OnResponseHooks } from './response-hooks';

/**
 * The Fastify instance under the application's HTTP adapter, for a module
 * that observes requests with Fastify hooks: undefined without an HTTP
 * application (a testing module initialised on its own), a clear error on
 * any other adapter.
 */
export function fastifyInstanceOf(
  adapterHost: HttpAdapterHost,
  moduleName: string,
): OnResponseHooks | undefined {
  const adapter = adapterHost.httpAdapter;
  if (!adapter) return undefined;
  const type = adapter.getType();
  if (type !== 'fastify') {
    throw new Error(
      `${moduleName} observes requests through Fastify hooks: it needs @nestjs/platform-fastify (the HTTP adapter is ${type})`,
    );
  }
  return adapter.getInstance<OnResponseHooks>();
}
