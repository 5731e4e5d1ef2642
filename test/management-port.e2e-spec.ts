import request from 'supertest';
import type { App } from 'supertest/types';
import { listenManagement } from '../apps/session-service/src/ops/management';
import { expectProblem } from './support/schemas';
import { createTestApp, type TestApp } from './support/test-app';
import { adminToken, bearer } from './support/tokens';

const MANAGEMENT_PATHS = ['/metrics', '/health/live', '/health/ready'];
const DOCS_PATHS = ['/docs', '/docs-json'];

describe('production: metrics and probes on the management port, API docs off', () => {
  let t: TestApp;
  let api: App;
  let management: string;

  beforeAll(async () => {
    // MANAGEMENT_PORT=0: a free port, as 9000 (the production default) may be taken here.
    // Signals off: in production they need a signing key of their own.
    t = await createTestApp({
      NODE_ENV: 'production',
      SIGNALS_ISSUER: undefined,
      MANAGEMENT_PORT: '0',
    });
    api = t.app.getHttpServer();
    const address = await listenManagement(t.app);
    if (!address) throw new Error('no management listener');
    management = `http://127.0.0.1:${address.port}`;
  });

  afterAll(() => t.close());

  it('answers /metrics and /health/* with 404 on the API port', async () => {
    for (const path of MANAGEMENT_PATHS) {
      const res = await request(api).get(path);
      const body = expectProblem(res, 404);
      expect(body.type).toBe('/problems/route-not-found');
    }
  });

  it('answers /docs and /docs-json with 404 (API_DOCS_ENABLED defaults to false)', async () => {
    for (const path of DOCS_PATHS) {
      const res = await request(api).get(path);
      expectProblem(res, 404);
      // A Problem, not the public document: no cache keeps it.
      expect(res.headers['cache-control'], path).toBe('no-store');
    }
  });

  it('still serves the API on the API port', async () => {
    await request(api)
      .get('/api/sessions/all?limit=1')
      .set(...bearer(adminToken()))
      .expect(200);
  });

  it('serves /metrics and /health/* on the management port', async () => {
    const metrics = await request(management).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^http_requests_total\{/m);
    await request(management).get('/health/live').expect(200, { status: 'ok' });
    const ready = await request(management).get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({ status: 'ok' });
  });

  it('serves nothing else on the management port', async () => {
    for (const path of ['/api/sessions/all', '/sessions/user/1/sessions', ...DOCS_PATHS]) {
      const res = await request(management)
        .get(path)
        .set(...bearer(adminToken()));
      expectProblem(res, 404);
      expect(res.headers['cache-control'], path).toBe('no-store');
    }
  });
});

describe('production with API_DOCS_ENABLED=true', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      NODE_ENV: 'production',
      SIGNALS_ISSUER: undefined,
      MANAGEMENT_PORT: '0',
      API_DOCS_ENABLED: 'true',
    });
  });

  afterAll(() => t.close());

  it('serves Swagger UI and the OpenAPI document on the API port', async () => {
    const http = t.app.getHttpServer() as App;
    await request(http).get('/docs').expect(200);
    const doc = await request(http).get('/docs-json').expect(200);
    expect((doc.body as { openapi: string }).openapi).toMatch(/^3\./);
  });

  it('answers the documents on the management port with a 404 Problem no cache keeps', async () => {
    const address = await listenManagement(t.app);
    if (!address) throw new Error('no management listener');
    for (const path of DOCS_PATHS) {
      const res = await request(`http://127.0.0.1:${address.port}`).get(path);
      expectProblem(res, 404);
      expect(res.headers['cache-control'], path).toBe('no-store');
    }
  });
});

describe('development defaults: one listener for everything', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ NODE_ENV: 'development', DEMO_SEED: 'false' });
  });

  afterAll(() => t.close());

  it('serves metrics, probes and docs on the API port, with no management listener', async () => {
    const http = t.app.getHttpServer() as App;
    for (const path of [...MANAGEMENT_PATHS, ...DOCS_PATHS]) {
      const res = await request(http).get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
    }
    expect(await listenManagement(t.app)).toBeUndefined();
  });
});
