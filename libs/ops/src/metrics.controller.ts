import { Controller, Get, Header, Inject, SetMetadata, type Type } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import type { Registry } from 'prom-client';
import { METRICS_REGISTRY } from './metrics.tokens';
import { IP_THROTTLER, USER_THROTTLER } from './throttling';

/** `@ApiExcludeController()` of @nestjs/swagger, without depending on it: the scrape route is not part of an API document. */
const ExcludeFromApiDocument = SetMetadata('swagger/apiExcludeController', [true]);

/** The Prometheus text endpoint at `path`: never rate limited, not in the OpenAPI document. */
export function createMetricsController(path: string): Type<unknown> {
  @ExcludeFromApiDocument
  @SkipThrottle({ [IP_THROTTLER]: true, [USER_THROTTLER]: true })
  @Controller(path)
  class MetricsController {
    constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

    @Get()
    @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
    scrape(): Promise<string> {
      return this.registry.metrics();
    }
  }
  return MetricsController;
}
