import type { IncomingMessage } from 'node:http';
import { isCatchAllRoute } from '@app/problem';

/**
 * The matched route's pattern (e.g. `/sessions/user/:user_id/sessions`), never
 * the raw path; undefined when only a catch-all (such as the request logger's
 * `{/*splat}`) matched.
 */
export function routePattern(req: IncomingMessage): string | undefined {
  const { route, baseUrl } = req as IncomingMessage & { route?: unknown; baseUrl?: unknown };
  if (typeof route !== 'object' || route === null) return undefined;
  const path = (route as { path?: unknown }).path;
  if (typeof path !== 'string' || isCatchAllRoute(path)) return undefined;
  return `${typeof baseUrl === 'string' ? baseUrl : ''}${path}`;
}
