import type { IncomingMessage } from 'node:http';

/** The matched route's pattern (e.g. `/sessions/user/:user_id/sessions`), never the raw path. */
export function routePattern(req: IncomingMessage): string | undefined {
  const { route, baseUrl } = req as IncomingMessage & { route?: unknown; baseUrl?: unknown };
  if (typeof route !== 'object' || route === null) return undefined;
  const path = (route as { path?: unknown }).path;
  return typeof path === 'string'
    ? `${typeof baseUrl === 'string' ? baseUrl : ''}${path}`
    : undefined;
}
