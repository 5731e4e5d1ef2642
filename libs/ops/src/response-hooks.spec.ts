import { Writable } from 'node:stream';
import { fastify } from 'fastify';
import { Registry } from 'prom-client';
import { createRedactingLogger, logRequests } from './logging';
import { MetricsService } from './metrics.service';
import { routePattern } from './route-pattern';

/**
 * The package declares the parts of Fastify it uses itself (`OnResponseHooks`,
 * `RoutedRequest`), so that its types need no `fastify`: a real Fastify
 * instance and its requests are given to them here, which also checks under
 * `npm run typecheck` that Fastify's types still fit those declarations.
 */
describe('on a Fastify instance', () => {
  function application() {
    const app = fastify();
    app.get('/items/:id', () => ({ ok: true }));
    return app;
  }

  it('logRequests writes one line per answered request, with its route pattern', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const app = application();
    logRequests(app, createRedactingLogger({ level: 'info' }, destination));
    await app.inject({ method: 'GET', url: '/items/7?token=secret' });
    await app.inject({ method: 'GET', url: '/nowhere' });
    await app.close();
    const [found, missing] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(found).toMatchObject({
      req: { method: 'GET', url: '/items/7' },
      res: { status: 200 },
      route: '/items/:id',
    });
    expect(missing).toMatchObject({ req: { url: '/nowhere' }, res: { status: 404 } });
    expect(missing).not.toHaveProperty('route');
  });

  it('MetricsService.observeRequests counts requests by route pattern', async () => {
    const metrics = new MetricsService({ registry: new Registry(), defaultMetrics: false });
    const app = application();
    metrics.observeRequests(app);
    await app.inject({ method: 'GET', url: '/items/1' });
    await app.inject({ method: 'GET', url: '/items/2' });
    await app.inject({ method: 'GET', url: '/nowhere' });
    await app.close();
    const text = await metrics.registry.getSingleMetricAsString('http_requests_total');
    expect(text).toContain('http_requests_total{method="GET",route="/items/:id",status="200"} 2');
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
  });

  it('routePattern takes a Fastify request', async () => {
    const routes: (string | undefined)[] = [];
    const app = application();
    app.addHook('onResponse', (request, _reply, done) => {
      routes.push(routePattern(request));
      done();
    });
    await app.inject({ method: 'GET', url: '/items/3' });
    await app.inject({ method: 'GET', url: '/nowhere' });
    await app.close();
    expect(routes).toEqual(['/items/:id', undefined]);
  });
});
