/** The parts of an Express 5 router layer this module reads. */
interface RouterLayer {
  match(path: string): boolean;
  route?: { path?: unknown; methods: Record<string, boolean> };
}

/**
 * A catch-all route (middleware mounted through the router, such as a
 * logger's `{/*splat}` for every method) says nothing about what a path
 * serves.
 */
export function isCatchAllRoute(path: unknown): boolean {
  return typeof path !== 'string' || path.includes('*');
}

interface ExpressLike {
  router?: { stack: RouterLayer[] };
}

interface FastifyLike {
  findRoute(options: { method: string; url: string }): unknown;
}

/** The methods a Fastify route can be declared with that an API serves. */
const FASTIFY_METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

function isFastify(app: unknown): app is FastifyLike {
  return typeof (app as Partial<FastifyLike> | undefined)?.findRoute === 'function';
}

/**
 * The methods some route serves at `path`, upper case; empty when no route
 * matches the path at all. Lets an unmatched request be told apart: 404 (no
 * such resource) or 405 (the resource exists, not with this method). Reads
 * the router of either HTTP adapter (Express or Fastify instance).
 */
export function allowedMethods(app: unknown, path: string): string[] {
  const methods = new Set<string>();
  if (isFastify(app)) {
    for (const method of FASTIFY_METHODS) {
      if (app.findRoute({ method, url: path })) methods.add(method);
    }
  } else {
    for (const layer of (app as ExpressLike).router?.stack ?? []) {
      if (!layer.route || isCatchAllRoute(layer.route.path) || !layer.match(path)) continue;
      for (const [method, enabled] of Object.entries(layer.route.methods)) {
        if (enabled && method !== '_all') methods.add(method.toUpperCase());
      }
    }
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}
