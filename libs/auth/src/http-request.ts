import type { IncomingHttpHeaders } from 'node:http';

/**
 * The parts of an HTTP request the guards read. Both Nest platforms
 * (Express and Fastify) give requests of this shape, so the library's types
 * do not depend on either.
 */
export interface HttpRequest {
  headers: IncomingHttpHeaders;
  params: Record<string, string | undefined>;
}
