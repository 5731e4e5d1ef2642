import type { FastifyCorsOptions } from '@fastify/cors';
import { REQUEST_ID_HEADER } from '@session-service/problem';
import type { AppConfig } from './config/app.config';

/**
 * What a page of another origin may do and read (CORS_ORIGINS): every method of
 * the API, the request headers it asks for (the preflight's list is echoed: the
 * origin is what is restricted), and the response headers a client acts on:
 * the request id, the rate limit's, `Retry-After`, the 401's challenge, the
 * Problem's language and a created resource's `Location`. Bearer tokens, not
 * cookies: no credentials mode. Preflights are cached for ten minutes. Any
 * OPTIONS request is answered as a preflight (204, the CORS headers only for
 * a listed origin), never with a plain-text refusal.
 */
export function corsOptions(origins: NonNullable<AppConfig['corsOrigins']>): FastifyCorsOptions {
  return {
    origin: origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    exposedHeaders: [
      REQUEST_ID_HEADER,
      'RateLimit',
      'RateLimit-Policy',
      'Retry-After',
      'WWW-Authenticate',
      'Content-Language',
      'Location',
    ],
    credentials: false,
    maxAge: 600,
    // @fastify/cors answers an OPTIONS request that is no preflight with a plain-text 400.
    strictPreflight: false,
  };
}
