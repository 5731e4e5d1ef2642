/**
 * What `routePattern` reads of a request; a Fastify request (`FastifyRequest`)
 * has both. Declared here, not imported from `fastify`, so that this package's
 * types compile in a host without Fastify (an optional peer dependency).
 */
export interface RoutedRequest {
  /** Whether no route matched (the not-found handler answers). */
  readonly is404: boolean;
  /** The matched route's options; `url` is its pattern. */
  readonly routeOptions: { readonly url?: string | undefined };
}

/**
 * The matched route's pattern (e.g. `/sessions/user/:user_id/sessions`), never
 * the raw path; undefined when no route matched (the not-found handler
 * answered, also for a 405).
 */
export function routePattern(request: RoutedRequest): string | undefined {
  return request.is404 ? undefined : request.routeOptions.url;
}
