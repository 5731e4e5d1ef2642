import type { HttpRequest } from '@session-service/problem';
import type { RoutedRequest } from './route-pattern';

/*
 * The parts of Fastify that `logRequests` and `MetricsService.observeRequests`
 * use, declared here rather than imported from `fastify` (an optional peer
 * dependency), so that this package's types compile in a host without
 * Fastify. A `FastifyInstance`, its requests and replies have them all.
 */

/** What an `onResponse` hook of this package reads of the request. */
export interface AnsweredRequest extends HttpRequest, RoutedRequest {
  readonly method: string;
  /** The URL as received, query string included. */
  readonly url: string;
}

/** What an `onResponse` hook of this package reads of the reply. */
export interface AnsweredReply {
  readonly statusCode: number;
  /** Milliseconds since the request arrived. */
  readonly elapsedTime: number;
}

/** An application that runs a hook once each response has been sent: a `FastifyInstance`. */
export interface OnResponseHooks {
  addHook(
    name: 'onResponse',
    hook: (request: AnsweredRequest, reply: AnsweredReply, done: () => void) => void,
  ): unknown;
}
