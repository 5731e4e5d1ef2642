import type { OpenAPIV3 } from 'openapi-types';
import request from 'supertest';
import { createTestApp, type TestApp } from './support/test-app';

/**
 * The served OpenAPI document (/docs-json) held against the two published
 * contracts (/work/shared/seeds, laid out in docs/contracts.md), field by field:
 * each schema member's type, format and whether it is required, the parameters
 * of both seed endpoints, their responses and the security scheme. The tables
 * are written by hand from the seeds; any difference fails with a list of them.
 *
 * Rules the tables follow:
 * - a format is stated exactly where a seed states one (`000` states them, `001`
 *   states none); dto.Problem serves both seeds, so it carries the formats of `000`;
 * - required as the seed says: everything in `000`'s list, nothing in `001`;
 * - a member the service adds beyond a seed is listed under `extensions`
 *   (optional, so a seed client never misses it); any other extra member is drift.
 */

/** One member: `type` undefined means any JSON value (no `type` keyword). */
interface Member {
  type: string | undefined;
  format?: string;
  required: boolean;
  /** For an array: the schema name of its items; for an object member: its schema name. */
  ref?: string;
}

interface SchemaTable {
  members: Record<string, Member>;
  /** Members the service adds, with why; optional, not compared beyond being present. */
  extensions?: Record<string, string>;
  /** Members of a seed the service does not serve, with why. */
  omitted?: Record<string, string>;
}

const str = (required: boolean, format?: string): Member => ({ type: 'string', format, required });
const int = (required: boolean, format?: string): Member => ({ type: 'integer', format, required });
const bool = (required: boolean): Member => ({ type: 'boolean', required });

/** Seed 000: GET /api/sessions/all (its schemas have no names; the service names them). */
const SEED_000: Record<string, SchemaTable> = {
  AdminSessionListResponse: {
    members: {
      sessions: { type: 'array', required: true, ref: 'AdminSession' },
      total: int(true),
    },
    extensions: { next_cursor: 'only with the optional `limit` parameter (keyset paging)' },
  },
  AdminSession: {
    members: {
      session_id: str(true, 'uuid'),
      user_id: int(true),
      created_at: str(true, 'date-time'),
      expires_at: str(true, 'date-time'),
      last_activity: str(true, 'date-time'),
      ip_address: str(true),
      user_agent: str(true),
      auth_method: str(true),
      is_active: bool(true),
      username: str(true),
    },
  },
};

/** Seed 000's error envelope (401, 500): the standard members of dto.Problem. */
const SEED_000_PROBLEM: SchemaTable = {
  members: {
    type: str(false, 'uri-reference'),
    title: str(false),
    status: int(false, 'int32'),
    detail: str(false),
    instance: str(false, 'uri-reference'),
  },
  omitted: {
    error: 'legacy member, to be removed once handlers migrate (the seed says so)',
    details: 'legacy member, to be removed once handlers migrate',
    requestId: 'legacy member; served as request_id (seed 001)',
  },
};

/** Seed 001: GET /sessions/user/{user_id}/sessions. */
const SEED_001: Record<string, SchemaTable> = {
  'dto.SessionListResponse': {
    members: {
      code: int(false),
      items: { type: 'array', required: false, ref: 'dto.SessionResponse' },
      message: str(false),
      pagination: {
        type: undefined,
        required: false,
        ref: 'gitee_com_linmes_authms_base_dto.PageInfo',
      },
      timestamp: str(false),
      total: int(false),
    },
  },
  'dto.SessionResponse': {
    members: Object.fromEntries(
      [
        'amr',
        'authenticated_at',
        'created_at',
        'device_id',
        'device_type',
        'expires_at',
        'geoip',
        'id',
        'idle_expires_at',
        'ip',
        'last_active_at',
        'status',
        'tenant_id',
        'user_agent',
        'user_id',
      ].map((name) => [name, str(false)]),
    ),
  },
  'gitee_com_linmes_authms_base_dto.PageInfo': {
    members: {
      has_next: bool(false),
      has_prev: bool(false),
      page: int(false),
      page_size: int(false),
      total: int(false),
      total_pages: int(false),
    },
  },
  'dto.FieldViolation': {
    members: {
      code: str(false),
      description: str(false),
      field: str(false),
      // The seed's "object" is its generator's rendering of an untyped member: any JSON value.
      value: { type: undefined, required: false },
    },
  },
  'dto.Problem': {
    members: {
      code: int(false),
      detail: str(false),
      errors: { type: 'array', required: false, ref: 'dto.FieldViolation' },
      i18n_args: { type: 'object', required: false },
      i18n_key: str(false),
      instance: str(false, 'uri-reference'), // format from seed 000
      request_id: str(false),
      retry_after: int(false),
      service: str(false),
      span_id: str(false),
      status: int(false, 'int32'), // format from seed 000
      timestamp: str(false),
      title: str(false),
      trace_id: str(false),
      type: str(false, 'uri-reference'), // format from seed 000
    },
  },
};

interface ParameterRow {
  in: 'path' | 'query';
  type: string;
  format?: string;
  required: boolean;
  default?: unknown;
}

interface OperationTable {
  path: string;
  method: 'get';
  parameters: Record<string, ParameterRow>;
  /** Parameters the service adds: optional, so a seed client that never sends them is served. */
  extensionParameters?: string[];
  /** Status -> [media type, schema name]. */
  responses: Record<string, [string, string]>;
}

const PROBLEM: [string, string] = ['application/problem+json', 'dto.Problem'];

const OPERATIONS: OperationTable[] = [
  {
    path: '/api/sessions/all',
    method: 'get',
    parameters: {},
    extensionParameters: [
      'limit',
      'cursor',
      'user_id',
      'ip',
      'auth_method',
      'device_type',
      'active_since',
    ],
    responses: {
      '200': ['application/json', 'AdminSessionListResponse'],
      '401': PROBLEM,
      '500': PROBLEM,
    },
  },
  {
    path: '/sessions/user/{user_id}/sessions',
    method: 'get',
    parameters: {
      user_id: { in: 'path', type: 'string', required: true },
      page: { in: 'query', type: 'integer', required: false, default: 1 },
      page_size: { in: 'query', type: 'integer', required: false, default: 20 },
    },
    responses: {
      '200': ['application/json', 'dto.SessionListResponse'],
      '400': PROBLEM,
      '401': PROBLEM,
      '403': PROBLEM,
      '404': PROBLEM,
      '500': PROBLEM,
    },
  },
];

/** Seed 001 names the scheme `bearerAuth`; both endpoints require it. */
const SECURITY_SCHEME = { name: 'bearerAuth', type: 'http', scheme: 'bearer' };

type Schema = OpenAPIV3.SchemaObject;
type Ref = OpenAPIV3.ReferenceObject;

const refName = (node: Schema | Ref | undefined): string | undefined =>
  node && '$ref' in node ? node.$ref.replace('#/components/schemas/', '') : undefined;

/** Every difference between the served document and the tables, one line each. */
function contractDrift(doc: OpenAPIV3.Document): string[] {
  const drift: string[] = [];
  const schemas = doc.components?.schemas ?? {};

  const compareSchema = (name: string, table: SchemaTable) => {
    const served = schemas[name] as Schema | undefined;
    if (!served) return drift.push(`schema ${name}: not served`);
    const properties = (served.properties ?? {}) as Record<string, Schema | Ref>;
    const required = new Set(served.required ?? []);
    for (const [member, want] of Object.entries(table.members)) {
      const where = `${name}.${member}`;
      const got = properties[member];
      if (!got) {
        drift.push(`${where}: not served`);
        continue;
      }
      const ref = refName(got) ?? refName((got as Schema).allOf?.[0]);
      const schema = '$ref' in got ? undefined : got;
      if (want.ref && want.type !== 'array') {
        if (ref !== want.ref) drift.push(`${where}: schema ${ref ?? 'inline'}, seed ${want.ref}`);
      } else {
        if (schema?.type !== want.type) {
          drift.push(`${where}: type ${schema?.type ?? '(any)'}, seed ${want.type ?? '(any)'}`);
        }
        if (schema?.format !== want.format) {
          drift.push(
            `${where}: format ${schema?.format ?? '(none)'}, seed ${want.format ?? '(none)'}`,
          );
        }
        if (want.type === 'array' && want.ref) {
          const items = refName((schema as OpenAPIV3.ArraySchemaObject).items);
          if (items !== want.ref) drift.push(`${where}: items ${items}, seed ${want.ref}`);
        }
      }
      if (required.has(member) !== want.required) {
        drift.push(
          `${where}: ${required.has(member) ? 'required' : 'optional'}, seed ${want.required ? 'required' : 'optional'}`,
        );
      }
    }
    const known = new Set([...Object.keys(table.members), ...Object.keys(table.extensions ?? {})]);
    for (const member of Object.keys(properties)) {
      if (!known.has(member)) drift.push(`${name}.${member}: served, in no seed`);
    }
    for (const member of Object.keys(table.extensions ?? {})) {
      if (required.has(member)) drift.push(`${name}.${member}: an extension, yet required`);
    }
    for (const member of Object.keys(table.omitted ?? {})) {
      if (properties[member]) drift.push(`${name}.${member}: served, the tables omit it`);
    }
  };

  for (const [name, table] of Object.entries({ ...SEED_000, ...SEED_001 }))
    compareSchema(name, table);
  // dto.Problem carries seed 000's envelope too: the same members, checked against 000's rows.
  compareSchema('dto.Problem', {
    members: SEED_000_PROBLEM.members,
    extensions: Object.fromEntries(
      Object.keys(SEED_001['dto.Problem'].members).map((m) => [m, 'seed 001']),
    ),
    omitted: SEED_000_PROBLEM.omitted,
  });

  const scheme = doc.components?.securitySchemes?.[SECURITY_SCHEME.name] as
    OpenAPIV3.HttpSecurityScheme | undefined;
  if (scheme?.type !== SECURITY_SCHEME.type || scheme?.scheme !== SECURITY_SCHEME.scheme) {
    drift.push(
      `security scheme ${SECURITY_SCHEME.name}: ${JSON.stringify(scheme) ?? 'not served'}`,
    );
  }
  for (const other of Object.keys(doc.components?.securitySchemes ?? {})) {
    if (other !== SECURITY_SCHEME.name) drift.push(`security scheme ${other}: served, in no seed`);
  }

  for (const op of OPERATIONS) {
    const where = `${op.method.toUpperCase()} ${op.path}`;
    const served = doc.paths[op.path]?.[op.method];
    if (!served) {
      drift.push(`${where}: not served`);
      continue;
    }
    if (JSON.stringify(served.security) !== JSON.stringify([{ [SECURITY_SCHEME.name]: [] }])) {
      drift.push(
        `${where}: security ${JSON.stringify(served.security)}, seed ${SECURITY_SCHEME.name}`,
      );
    }
    const params = (served.parameters ?? []) as OpenAPIV3.ParameterObject[];
    for (const [name, want] of Object.entries(op.parameters)) {
      const got = params.find((p) => p.name === name);
      if (!got) {
        drift.push(`${where} parameter ${name}: not served`);
        continue;
      }
      const schema = got.schema as Schema;
      const row = `${where} parameter ${name}`;
      if (got.in !== want.in) drift.push(`${row}: in ${got.in}, seed ${want.in}`);
      if (schema.type !== want.type) drift.push(`${row}: type ${schema.type}, seed ${want.type}`);
      if (schema.format !== want.format) {
        drift.push(`${row}: format ${schema.format ?? '(none)'}, seed ${want.format ?? '(none)'}`);
      }
      if (Boolean(got.required) !== want.required) {
        drift.push(`${row}: required ${Boolean(got.required)}, seed ${want.required}`);
      }
      if (schema.default !== want.default) {
        drift.push(`${row}: default ${String(schema.default)}, seed ${String(want.default)}`);
      }
    }
    for (const got of params) {
      if (op.parameters[got.name]) continue;
      if (!op.extensionParameters?.includes(got.name)) {
        drift.push(`${where} parameter ${got.name}: served, in no seed`);
      } else if (got.required)
        drift.push(`${where} parameter ${got.name}: an extension, yet required`);
    }
    for (const [status, [mediaType, schemaName]] of Object.entries(op.responses)) {
      const response = served.responses[status] as OpenAPIV3.ResponseObject | undefined;
      const got = refName(response?.content?.[mediaType]?.schema);
      if (got !== schemaName) {
        drift.push(`${where} ${status}: ${mediaType} ${got ?? 'missing'}, seed ${schemaName}`);
      }
    }
  }
  return drift;
}

describe('the served OpenAPI document against both published contracts', () => {
  let t: TestApp;
  let doc: OpenAPIV3.Document;

  beforeAll(async () => {
    t = await createTestApp();
    doc = (await request(t.app.getHttpServer()).get('/docs-json').expect(200))
      .body as OpenAPIV3.Document;
  });

  afterAll(() => t.close());

  it('has no drift: every schema member, parameter, response and the security scheme as the seeds say', () => {
    expect(contractDrift(doc)).toEqual([]);
  });

  it('reports a changed type, format, required flag, parameter or scheme (the check can fail)', () => {
    const changed = structuredClone(doc);
    const schemas = changed.components!.schemas as Record<string, Schema>;
    (schemas['gitee_com_linmes_authms_base_dto.PageInfo'].properties!.total as Schema).type =
      'number';
    (schemas['dto.Problem'].properties!.status as Schema).format = undefined;
    schemas.AdminSession.required = schemas.AdminSession.required!.filter((m) => m !== 'username');
    const op = changed.paths['/sessions/user/{user_id}/sessions']!.get!;
    ((op.parameters![1] as OpenAPIV3.ParameterObject).schema as Schema).type = 'number';
    changed.components!.securitySchemes = {
      bearer: changed.components!.securitySchemes!.bearerAuth,
    };
    expect(contractDrift(changed)).toEqual(
      expect.arrayContaining([
        'gitee_com_linmes_authms_base_dto.PageInfo.total: type number, seed integer',
        'dto.Problem.status: format (none), seed int32',
        'AdminSession.username: optional, seed required',
        'GET /sessions/user/{user_id}/sessions parameter page: type number, seed integer',
        'security scheme bearerAuth: not served',
      ]),
    );
  });
});
