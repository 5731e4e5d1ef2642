import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIV3 } from 'openapi-types';
import request from 'supertest';
import type { App } from 'supertest/types';
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

  it('documents the bearer scheme', () => {
    expect(doc.components?.securitySchemes?.bearer).toMatchObject({
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
    expect(op.security).toEqual([{ bearer: [] }]);
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
      'delete /api/users/{user_id}/sessions',
      'get /api/sessions/revocations',
      'get /api/sessions/revocations/stream',
    ];
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item ?? {})
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => `${m} ${path}`),
    );
    // The health probes and /metrics are the management listener's (MANAGEMENT_PORT), not the API's.
    expect(documented.sort()).toEqual([...routes].sort());
    for (const route of routes) {
      const [method, path] = route.split(' ');
      const op = (doc.paths[path] as Record<string, OpenAPIV3.OperationObject>)[method];
      const errors = Object.entries(op.responses).filter(([status]) => Number(status) >= 400);
      expect(errors.map(([status]) => status)).toEqual(expect.arrayContaining(['401', '500']));
      for (const [, response] of errors) {
        expect(
          (response as OpenAPIV3.ResponseObject).content?.['application/problem+json']?.schema,
        ).toEqual({
          $ref: '#/components/schemas/dto.Problem',
        });
      }
      expect(op.security).toEqual([{ bearer: [] }]);
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
});
