import { Inject, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Logger } from 'pino';
import { fastifyInstanceOf } from './fastify-instance';
import { logRequests } from './logging';
import {
  ConfigurableRequestLoggingModule,
  REQUEST_LOGGER,
} from './request-logging.module-definition';

/**
 * One JSON line per answered request (`logRequests`: method, URL without its
 * query string, route pattern, status, duration, request, trace and span ids),
 * through a pino logger that redacts the query string of any URL in any line.
 *
 * What importing it does, and nothing else: adds one Fastify `onResponse`
 * hook when the application initialises (every route of the application,
 * the host's included, is logged), and provides `REQUEST_LOGGER`. With
 * `nestLogger: true` it also imports nestjs-pino's global `LoggerModule` on
 * the same logger. A host with a logger of its own leaves the module out.
 */
@Module({})
export class RequestLoggingModule extends ConfigurableRequestLoggingModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(REQUEST_LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  onModuleInit(): void {
    const fastify = fastifyInstanceOf(this.adapterHost, 'RequestLoggingModule');
    if (fastify) logRequests(fastify, this.logger);
  }
}
