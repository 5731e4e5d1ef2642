import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIV3 } from 'openapi-types';
import request from 'supertest';
import type { App } from 'supertest/types';
import { FIELD_VIOLATION_CODES } from '@session-service/problem';
import { createTestApp, type TestApp } from './support/test-app';

type Schema = OpenAPIV3.SchemaObject;

describe('OpenAPI document and Swagger UI', () => {
  let t: TestApp;
  let http: App;
  let doc: OpenAPIV3.Document;

  beforeAll(async () => {
    t = await createTestApp();
    http = t.app.getHttpServer();
    doc = (await request(http).get('/docs-json').expect(200)).body as OpenAPIV3.Document;
  });

  afterAll(() => t.close());

  const schema = (name: string): Schema => {
    const found = doc.components?.schemas?.[name];
    if (!found) throw new Error(`schema ${name} missing`);
    return found as Schema;
  };

  it('serves Swagger UI at /docs', async () => {
    const res = await request(http).get('/docs').redirects(1).expect(200);
    expect(res.text).toContain('swagger-ui');
  });

  it('is a valid OpenAPI 3 document', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  });

  /** Every operation of the document, as `METHOD path` and the operation. */
  const operations = (): [string, OpenAPIV3.OperationObject][] =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      (['get', 'put', 'post', 'patch', 'delete'] as const).flatMap((method) =>
        item?.[method]
          ? [
              [`${method.toUpperCase()} ${path}`, item[method]] as [
                string,
                OpenAPIV3.OperationObject,
              ],
            ]
          : [],
      ),
    );
  const responseOf = (operation: OpenAPIV3.OperationObject, status: string) =>
    operation.responses[status] as OpenAPIV3.ResponseObject | undefined;

  it('documents 413 and 415 Problems on every operation that takes a body, as the parser answers', () => {
    const withBody = operations().filter(([, operation]) => operation.requestBody);
    expect(withBody.length).toBeGreaterThanOrEqual(10);
    for (const [name, operation] of withBody) {
      for (const status of ['413', '415']) {
        expect(
          Object.keys(responseOf(operation, status)?.content ?? {}),
          `${name} ${status}`,
        ).toEqual(['application/problem+json']);
      }
    }
  });

  it('documents the headers a client acts on: WWW-Authenticate on 401, Retry-After on 503', () => {
    for (const [name, operation] of operations()) {
      const unauthorized = responseOf(operation, '401');
      if (unauthorized) expect(unauthorized.headers, name).toHaveProperty('WWW-Authenticate');
      expect(responseOf(operation, '503')?.headers, name).toHaveProperty('Retry-After');
    }
  });

  it('describes each response once, never its description joined to itself', () => {
    for (const [name, operation] of operations()) {
      for (const [status, response] of Object.entries(operation.responses)) {
        const { description } = response as OpenAPIV3.ResponseObject;
        const [first, ...rest] = description.split('\n\n');
        expect(rest, `${name} ${status}`).not.toContain(first);
      }
    }
  });

  it('documents the revocation stream as text/event-stream and the poll 400 in both of its shapes', () => {
    const stream = operations().find(([name]) => name === 'GET /api/sessions/revocations/stream')!;
    expect(Object.keys(responseOf(stream[1], '200')?.content ?? {})).toEqual(['text/event-stream']);
    const poll = operations().find(([name]) => name === 'POST /ssf/poll/{stream_id}')!;
    expect(Object.keys(responseOf(poll[1], '400')?.content ?? {}).sort()).toEqual([
      'application/json',
      'application/problem+json',
    ]);
  });

  it('documents the bearer scheme under the name seed 001 gives it', () => {
    expect(Object.keys(doc.components?.securitySchemes ?? {})).toEqual(['bearerAuth']);
    expect(doc.components?.securitySchemes?.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
  });

  it('carries every field of dto.SessionResponse with its type', () => {
    const props = schema('dto.SessionResponse').properties as Record<string, Schema>;
    const fields = [
      'id',
      'user_id',
      'tenant_id',
      'device_id',
      'device_type',
      'ip',
      'geoip',
      'user_agent',
      'amr',
      'status',
      'created_at',
      'authenticated_at',
      'last_active_at',
      'idle_expires_at',
      'expires_at',
    ];
    expect(Object.keys(props).sort()).toEqual([...fields].sort());
    for (const field of fields) {
      expect(props[field].type).toBe('string');
      expect(props[field].example).toBeDefined();
    }
  });

  it('carries dto.SessionListResponse and the PageInfo schema under their contract names', () => {
    expect(Object.keys(schema('dto.SessionListResponse').properties ?? {}).sort()).toEqual([
      'code',
      'items',
      'message',
      'pagination',
      'timestamp',
      'total',
    ]);
    const page = schema('gitee_com_linmes_authms_base_dto.PageInfo').properties as Record<
      string,
      Schema
    >;
    expect(Object.keys(page).sort()).toEqual([
      'has_next',
      'has_prev',
      'page',
      'page_size',
      'total',
      'total_pages',
    ]);
    expect(page.has_next.type).toBe('boolean');
  });

  it('carries dto.Problem and dto.FieldViolation', () => {
    const problem = Object.keys(schema('dto.Problem').properties ?? {});
    for (const field of [
      'type',
      'title',
      'status',
      'detail',
      'instance',
      'code',
      'request_id',
      'timestamp',
      'service',
      'errors',
    ]) {
      expect(problem).toContain(field);
    }
    expect(Object.keys(schema('dto.FieldViolation').properties ?? {}).sort()).toEqual([
      'code',
      'description',
      'field',
      'value',
    ]);
  });

  it('carries every field of the admin list, all required, with formats', () => {
    const s = schema('AdminSession');
    const expected: Record<string, [string, string?]> = {
      session_id: ['string', 'uuid'],
      user_id: ['integer'],
      created_at: ['string', 'date-time'],
      expires_at: ['string', 'date-time'],
      last_activity: ['string', 'date-time'],
      ip_address: ['string'],
      user_agent: ['string'],
      auth_method: ['string'],
      is_active: ['boolean'],
      username: ['string'],
    };
    expect([...(s.required ?? [])].sort()).toEqual(Object.keys(expected).sort());
    const props = s.properties as Record<string, Schema>;
    for (const [field, [type, format]] of Object.entries(expected)) {
      expect(props[field].type).toBe(type);
      if (format) expect(props[field].format).toBe(format);
    }
    expect(schema('AdminSessionListResponse').required).toEqual(
      expect.arrayContaining(['sessions', 'total']),
    );
  });

  it('documents the user route with its parameters and every error as application/problem+json', () => {
    const op = doc.paths['/sessions/user/{user_id}/sessions']?.get as OpenAPIV3.OperationObject;
    const params = (op.parameters as OpenAPIV3.ParameterObject[]).map((p) => `${p.in}:${p.name}`);
    expect(params.sort()).toEqual(['path:user_id', 'query:page', 'query:page_size']);
    for (const status of ['400', '401', '403', '404', '500']) {
      const response = op.responses[status] as OpenAPIV3.ResponseObject;
      expect(response.content?.['application/problem+json']?.schema).toEqual({
        $ref: '#/components/schemas/dto.Problem',
      });
    }
    expect(op.security).toEqual([{ bearerAuth: [] }]);
  });

  it('documents every route, each error response as a dto.Problem under application/problem+json', () => {
    const routes = [
      'get /sessions/user/{user_id}/sessions',
      'delete /sessions/user/{user_id}/sessions',
      'delete /sessions/user/{user_id}/sessions/{session_id}',
      'get /api/sessions/all',
      'post /api/sessions',
      'get /api/sessions/{session_id}',
      'delete /api/sessions/{session_id}',
      'post /api/sessions/{session_id}/touch',
      'get /api/sessions/{session_id}/status',
      'get /api/users/{user_id}',
      'delete /api/users/{user_id}/sessions',
      'get /api/sessions/revocations',
      'get /api/sessions/revocations/stream',
      'put /api/users/{user_id}/session-limit',
      'delete /api/users/{user_id}/session-limit',
      'post /api/tenants',
      'get /api/tenants',
      'get /api/tenants/{tenant_id}',
      'patch /api/tenants/{tenant_id}',
      'delete /api/tenants/{tenant_id}',
      'get /api/sessions/events',
      'get /api/users/{user_id}/events',

      'post /ssf/streams',
      'get /ssf/streams',
      'patch /ssf/streams',
      'put /ssf/streams',
      'delete /ssf/streams',
      'get /ssf/status',
      'post /ssf/status',
      'post /ssf/subjects/add',
      'post /ssf/subjects/remove',
      'post /ssf/verify',
      'post /ssf/poll/{stream_id}',
      'post /api/relying-parties',
      'get /api/relying-parties',
      'get /api/relying-parties/{client_id}',
      'delete /api/relying-parties/{client_id}',
    ];
    // Discovery (SSF 1.0 section 7, RFC 7517) is public: no token, no 401.
    const publicRoutes = ['get /.well-known/ssf-configuration', 'get /.well-known/jwks.json'];
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item ?? {})
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => `${m} ${path}`),
    );
    // The health probes and /metrics are the management listener's (MANAGEMENT_PORT), not the API's.
    expect(documented.sort()).toEqual([...routes, ...publicRoutes].sort());
    for (const route of routes) {
      const [method, path] = route.split(' ');
      const op = (doc.paths[path] as Record<string, OpenAPIV3.OperationObject>)[method];
      const errors = Object.entries(op.responses).filter(([status]) => Number(status) >= 400);
      expect(errors.map(([status]) => status)).toEqual(expect.arrayContaining(['401', '500']));
      for (const [status, response] of errors) {
        // RFC 8936 prescribes the body of an invalid poll request: {"err", "description"}.
        if (route === 'post /ssf/poll/{stream_id}' && status === '400') continue;
        expect(
          (response as OpenAPIV3.ResponseObject).content?.['application/problem+json']?.schema,
        ).toEqual({
          $ref: '#/components/schemas/dto.Problem',
        });
      }
      expect(op.security).toEqual([{ bearerAuth: [] }]);
    }
  });

  it('documents the RateLimit-Policy and RateLimit fields on every response of every operation, and Retry-After on 429', () => {
    const headers = doc.components?.headers ?? {};
    for (const name of ['RateLimit', 'RateLimit-Policy']) {
      const header = headers[name] as OpenAPIV3.HeaderObject;
      expect(header?.schema).toMatchObject({ type: 'string' });
      expect(header?.description).toMatch(/draft-ietf-httpapi-ratelimit-headers/);
    }
    let operations = 0;
    for (const item of Object.values(doc.paths)) {
      for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
        const op = item?.[method];
        if (!op) continue;
        operations++;
        for (const [status, response] of Object.entries(op.responses)) {
          const documented = (response as OpenAPIV3.ResponseObject).headers ?? {};
          expect({ status, headers: Object.keys(documented) }).toEqual({
            status,
            headers: expect.arrayContaining(['RateLimit', 'RateLimit-Policy']) as string[],
          });
          expect(documented.RateLimit).toEqual({ $ref: '#/components/headers/RateLimit' });
          if (status === '429') {
            expect(Object.keys(documented)).toContain('Retry-After');
          }
        }
        expect(Object.keys(op.responses)).toContain('429');
      }
    }
    expect(operations).toBeGreaterThanOrEqual(12);
  });

  it('documents the admin routes with their Problem responses', () => {
    const list = doc.paths['/api/sessions/all']?.get as OpenAPIV3.OperationObject;
    const create = doc.paths['/api/sessions']?.post as OpenAPIV3.OperationObject;
    expect(Object.keys(list.responses)).toEqual(
      expect.arrayContaining(['200', '401', '403', '500']),
    );
    expect(Object.keys(create.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403']),
    );
  });

  it('sends CSP upgrade-insecure-requests over plain http never, so assets load from any host name', async () => {
    for (const path of ['/docs', '/problems', '/docs-json']) {
      const res = await request(http).get(path).set('Host', 'sessions.example.test').redirects(1);
      expect(res.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(res.headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
    }
    // Not behind a trusted proxy (TRUST_PROXY=false): X-Forwarded-Proto is not believed.
    const spoofed = await request(http).get('/docs').set('X-Forwarded-Proto', 'https').redirects(1);
    expect(spoofed.headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
  });

  it('gives the admin list no parameter example that Try it out would send', () => {
    const op = doc.paths['/api/sessions/all']?.get as OpenAPIV3.OperationObject;
    const params = op.parameters as OpenAPIV3.ParameterObject[];
    expect(params.map((p) => p.name).sort()).toEqual(
      ['active_since', 'auth_method', 'cursor', 'device_type', 'ip', 'limit', 'user_id'].sort(),
    );
    for (const param of params) {
      const schema = param.schema as Schema;
      expect({ name: param.name, required: param.required }).toEqual({
        name: param.name,
        required: false,
      });
      expect({ name: param.name, example: param.example ?? schema.example }).toEqual({
        name: param.name,
        example: undefined,
      });
      expect({ name: param.name, default: schema.default }).toEqual({
        name: param.name,
        default: undefined,
      });
    }
  });

  it('shows each documented error status its own Problem example, as the service writes it', () => {
    const expected: Record<string, [string, number]> = {
      '400': ['invalid-request', 30240001],
      '401': ['unauthorized', 30240101],
      '403': ['role-required', 30240303],
      '404': ['user-not-found', 30240401],
      '409': ['session-not-active', 30240902],
      '429': ['too-many-requests', 30242901],
      '500': ['internal-error', 30250001],
      '503': ['database-unavailable', 30250301],
    };
    const userList = doc.paths['/sessions/user/{user_id}/sessions']
      ?.get as OpenAPIV3.OperationObject;
    const examples = (op: OpenAPIV3.OperationObject) =>
      Object.fromEntries(
        Object.entries(op.responses)
          .filter(([status]) => Number(status) >= 400)
          .map(([status, r]) => [
            status,
            (r as OpenAPIV3.ResponseObject).content?.['application/problem+json']
              ?.example as Record<string, unknown>,
          ]),
      );
    const listed = examples(userList);
    expect(Object.keys(listed).sort()).toEqual(['400', '401', '403', '404', '429', '500', '503']);
    expect(listed['403']).toMatchObject({ type: '/problems/not-resource-owner', code: 30240302 });
    expect(listed['400']).toMatchObject({
      errors: [{ field: 'page_size', code: 'range', value: 500 }],
      instance: '/sessions/user/1001/sessions',
    });
    expect(listed['401'].retry_after).toBeUndefined();
    expect(listed['401'].errors).toBeUndefined();
    expect(listed['503'].retry_after).toBe(5);
    expect(listed['429'].retry_after).toBe(42);

    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(
        item as Record<string, OpenAPIV3.OperationObject>,
      )) {
        for (const [status, example] of Object.entries(examples(op))) {
          const where = `${method} ${path} ${status}`;
          // RFC 8936's own error body (application/json), not a Problem.
          if (path === '/ssf/poll/{stream_id}' && status === '400') continue;
          expect(example, where).toBeDefined();
          expect(example.status, where).toBe(Number(status));
          expect(String(example.code).slice(3, 6), where).toBe(status);
          expect(example.instance, where).toBe(
            path
              .replace('{user_id}', '1001')
              .replace('{session_id}', '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10')
              .replace('{tenant_id}', 'tnt_xyz789')
              .replace('{stream_id}', 'f5b1e4c2-6d3a-4b8e-9f10-2a7c3e5d8b41')
              .replace('{client_id}', 'crm-web'),
          );
          // A sign-in's 409 is its subject already mapped to another user.
          if (method === 'post' && path === '/api/sessions' && status === '409') {
            expect(example, where).toMatchObject({
              type: '/problems/subject-taken',
              code: 30240903,
            });
          } else if (method === 'post' && path === '/api/tenants' && status === '409') {
            expect(example, where).toMatchObject({ type: '/problems/tenant-exists' });
          } else if (method === 'post' && path === '/api/relying-parties' && status === '409') {
            // A second registration of one client_id.
            expect(example, where).toMatchObject({
              type: '/problems/relying-party-exists',
              code: 30240910,
            });
          } else if (
            expected[status] &&
            !(status === '403' || status === '404' || path.startsWith('/health'))
          ) {
            expect(example, where).toMatchObject({
              type: `/problems/${expected[status][0]}`,
              code: expected[status][1],
            });
          }
          // retry_after only where the service sends it; field errors only on 400s.
          expect('retry_after' in example, where).toBe(status === '429' || status === '503');
          expect('errors' in example, where).toBe(status === '400');
          for (const error of (example.errors as { code: string }[] | undefined) ?? []) {
            expect(FIELD_VIOLATION_CODES, where).toContain(error.code);
          }
        }
      }
    }
  });
});

describe('CSP behind a trusted proxy that terminates https', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ TRUST_PROXY: 'loopback' });
  });

  afterAll(() => t.close());

  it('adds upgrade-insecure-requests to requests the proxy says came over https, only those', async () => {
    const http = t.app.getHttpServer();
    const https = await request(http).get('/docs').set('X-Forwarded-Proto', 'https').redirects(1);
    const csp = String(https.headers['content-security-policy']);
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp.split(';').filter((d) => d === 'upgrade-insecure-requests')).toHaveLength(1);
    const plain = await request(http).get('/docs').set('X-Forwarded-Proto', 'http').redirects(1);
    expect(plain.headers['content-security-policy']).not.toMatch(/upgrade-insecure-requests/);
  });
});
