import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import request from 'supertest';
import {
  generateSigningKey,
  JwksTestServer,
  signWith,
} from '../libs/auth/src/testing/jwks-test-server';
import { startServiceProcess as startService } from './support/service-process';
import { testEnvironment } from './support/test-app';
import { bearer, TEST_AUDIENCE, TEST_ISSUER, tokenFor } from './support/tokens';

/**
 * OpenTelemetry tracing of the real entry point (`main.ts`, in its own
 * process), exporting OTLP/JSON to a collector served by this test: the
 * server span continues the caller's `traceparent`, carries the route and the
 * user id, PostgreSQL spans hang below it, the JWKS fetch carries the trace
 * to the identity provider, and no span records the bearer
 * token, a query string or a statement's parameters.
 */
const USER = 9107;

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: OtlpValue }[];
}
interface OtlpExport {
  resourceSpans?: { scopeSpans?: { scope?: { name?: string }; spans?: OtlpSpan[] }[] }[];
}

/** OTLP sends ids as hex in JSON (the protobuf JSON mapping's exception for trace and span ids). */
const hex = (id: string | undefined): string | undefined =>
  id === undefined || id === ''
    ? undefined
    : /^[0-9a-f]+$/.test(id)
      ? id
      : Buffer.from(id, 'base64').toString('hex');

const text = (value: OtlpValue): string => {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(text).join(',');
  return String(value.intValue ?? value.boolValue ?? value.doubleValue ?? '');
};

const attribute = (span: OtlpSpan, key: string): string | undefined => {
  const found = span.attributes?.find((a) => a.key === key);
  return found ? text(found.value) : undefined;
};

class Collector {
  private constructor(
    private readonly server: Server,
    readonly spans: (OtlpSpan & { scope: string })[],
  ) {}

  static async start(): Promise<Collector> {
    const spans: (OtlpSpan & { scope: string })[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url === '/v1/traces') {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
          for (const resource of body.resourceSpans ?? []) {
            for (const scope of resource.scopeSpans ?? []) {
              for (const span of scope.spans ?? []) {
                spans.push({
                  ...span,
                  traceId: hex(span.traceId)!,
                  spanId: hex(span.spanId)!,
                  parentSpanId: hex(span.parentSpanId),
                  scope: scope.scope?.name ?? '',
                });
              }
            }
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    const collector = new Collector(server, spans);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return collector;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/traces`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('OpenTelemetry tracing of the real process', () => {
  let collector: Collector;
  let db: Client;

  beforeAll(async () => {
    collector = await Collector.start();
    db = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await db.connect();
  });

  // After the service started: its migrations create the tables.
  const seed = () =>
    db.query(
      'INSERT INTO session_service.users (id, username) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING',
      [USER, 'traced'],
    );

  afterAll(async () => {
    await db.end();
    await collector.close();
  });

  it('continues the incoming trace; the server span has the route and user, pg spans below it, no secrets', async () => {
    const service = await startService(
      testEnvironment({
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.url,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_SERVICE_NAME: 'session-service-test',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      }),
    );
    try {
      await seed();
      const traceId = randomBytes(16).toString('hex');
      const parentId = randomBytes(8).toString('hex');
      const token = tokenFor(USER);
      const querySecret = `q${randomBytes(6).toString('hex')}`;
      const res = await request(service.url)
        .get(`/sessions/user/${USER}/sessions?page=1&marker=${querySecret}`)
        .set(...bearer(token))
        .set('traceparent', `00-${traceId}-${parentId}-01`);
      // Unknown query parameters are refused or ignored; either way the request was traced.
      expect([200, 400]).toContain(res.status);
      const ok = await request(service.url)
        .get(`/sessions/user/${USER}/sessions?page=1`)
        .set(...bearer(token))
        .set('traceparent', `00-${traceId}-${parentId}-01`)
        .expect(200);

      const deadline = Date.now() + 10_000;
      const serverSpans = () =>
        collector.spans.filter((s) => s.traceId === traceId && s.parentSpanId === parentId);
      while (Date.now() < deadline && serverSpans().length < 2) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const servers = serverSpans();
      expect(servers, service.output()).toHaveLength(2);
      for (const server of servers) {
        expect(server.kind).toBe(2); // SERVER
        expect(attribute(server, 'http.route')).toBe('/sessions/user/:user_id/sessions');
        expect(attribute(server, 'enduser.id')).toBe(String(USER));
      }
      // The successful request's server span: its status code, and pg spans below it.
      const server = servers.find((s) => attribute(s, 'http.response.status_code') === '200')!;
      expect(server).toBeDefined();
      const inTrace = collector.spans.filter((s) => s.traceId === traceId);
      const descends = (span: OtlpSpan, ancestor: string): boolean => {
        for (let s: OtlpSpan | undefined = span; s;) {
          if (s.parentSpanId === ancestor) return true;
          s = inTrace.find((p) => p.spanId === s!.parentSpanId);
        }
        return false;
      };
      const pg = inTrace.filter((s) => /pg/.test(s.scope) && descends(s, server.spanId));
      expect(pg.length, JSON.stringify(inTrace.map((s) => [s.scope, s.name]))).toBeGreaterThan(0);

      // The Problem-free response still names the trace in the log line's trace_id / span_id.
      expect(ok.headers['x-request-id']).toBeDefined();
      const logLine = service
        .output()
        .split('\n')
        .find((line) => line.includes(traceId) && line.includes('"span_id"'));
      expect(logLine).toBeDefined();
      // The log's span is the request's: the server span or Fastify's request span below it.
      const logged = (JSON.parse(logLine!) as { span_id: string }).span_id;
      const loggedSpan = inTrace.find((s) => s.spanId === logged);
      const serverIds = servers.map((s) => s.spanId);
      expect(serverIds.includes(logged) || serverIds.includes(loggedSpan?.parentSpanId ?? '')).toBe(
        true,
      );

      // Nothing secret in any span of the service: token, query values, statement parameters.
      for (const span of collector.spans) {
        for (const { key, value } of span.attributes ?? []) {
          const v = text(value);
          expect(v, key).not.toContain(token);
          expect(v, key).not.toContain(token.split('.')[2]);
          expect(v, key).not.toContain(querySecret);
          expect(v, key).not.toContain('page=1');
          expect(key).not.toMatch(/db\.postgresql\.values|db\.query\.parameter/);
        }
      }
      for (const span of pg) {
        for (const { key, value } of span.attributes ?? []) {
          // The user id is a statement parameter; it appears only as the statement's placeholder.
          if (key.startsWith('db.')) expect(text(value), key).not.toContain(String(USER));
        }
      }
    } finally {
      service.child.kill('SIGTERM');
      await once(service.child, 'exit');
    }
  });

  it('is off without an exporter: nothing is sent', async () => {
    const before = collector.spans.length;
    const service = await startService(
      testEnvironment({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' }),
    );
    try {
      await seed();
      await request(service.url)
        .get(`/sessions/user/${USER}/sessions`)
        .set(...bearer(tokenFor(USER)))
        .expect(200);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(collector.spans.length).toBe(before);
    } finally {
      service.child.kill('SIGTERM');
      await once(service.child, 'exit');
    }
  });

  it('carries the trace to the identity provider: the JWKS fetch sends traceparent', async () => {
    const key = generateSigningKey('RS256');
    const jwks = await JwksTestServer.start([key]);
    const service = await startService(
      testEnvironment({
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        JWT_SECRET: '',
        JWT_JWKS_URL: jwks.jwksUrl,
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: collector.url,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
      }),
    );
    try {
      await seed();
      const traceId = randomBytes(16).toString('hex');
      const token = signWith(
        key,
        { sub: String(USER) },
        { issuer: TEST_ISSUER, audience: TEST_AUDIENCE },
      );
      await request(service.url)
        .get(`/sessions/user/${USER}/sessions`)
        .set(...bearer(token))
        .set('traceparent', `00-${traceId}-${randomBytes(8).toString('hex')}-01`)
        .expect(200);
      expect(jwks.jwksRequests).toBe(1);
      expect(jwks.traceparents).toHaveLength(1);
      expect(jwks.traceparents[0].split('-')[1]).toBe(traceId);
    } finally {
      service.child.kill('SIGTERM');
      await once(service.child, 'exit');
      await jwks.close();
    }
  });
});
