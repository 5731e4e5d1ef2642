import type { ServerResponse } from 'node:http';
import { type ArgumentsHost, BadRequestException, type INestApplication } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  DocumentBuilder,
  getSchemaPath,
  type OpenAPIObject,
  type ResponseObject,
  SwaggerModule,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger } from 'nestjs-pino';
import { BEARER_SCHEME } from '@session-service/auth';
import {
  answerClientErrorsWithProblems,
  DEFAULT_PROBLEM_EXAMPLES,
  Problem,
  PROBLEM_CONTENT_TYPE,
  PROBLEM_MODULE_OPTIONS,
  ProblemExceptionFilter,
  type ProblemModuleOptions,
  problemExample,
  REQUEST_ID_HEADER,
  requestContext,
} from '@session-service/problem';
import { completeSessionsDocument } from '@session-service/sessions';
import type { AppConfig } from './config/app.config';
import { APP_CONFIG } from './config/app-config.token';
import { corsOptions } from './cors';
import { acceptBodies, BODY_LIMIT_BYTES } from './http-bodies';
import { forbidCaching } from './no-store';
import { separateManagement } from './ops/management';
import { closeGracefully } from './ops/graceful-close';
import { ShutdownState } from './ops/shutdown-state';
import { recordTraceAttributes } from './ops/trace-attributes';

/**
 * The longest path parameter the router accepts. Fastify's default (100)
 * would turn a longer one into a 404 before validation could name it; the
 * request line is bounded by Node's header size limit anyway.
 */
const MAX_PARAM_LENGTH = 16 * 1024;

/**
 * `TRUST_PROXY` as Express read it: addresses and subnets (proxy-addr, as
 * Fastify reads a string), true/false, or a hop count: the first n proxies
 * from this server are trusted (Fastify would trust none for a number).
 */
function trustProxy(
  setting: AppConfig['trustProxy'],
): boolean | string | ((address: string, hop: number) => boolean) {
  if (typeof setting !== 'number') return setting;
  return (_address, hop) => hop < setting;
}

/**
 * Adds CSP `upgrade-insecure-requests` to a response of a request served over
 * https (`request.protocol`, which honours TRUST_PROXY and `X-Forwarded-Proto`).
 * Over plain http the directive would make the browser fetch every asset of a
 * page (Swagger UI's scripts and styles) over https from a host name that has
 * no https listener, leaving the page blank; browsers only exempt localhost.
 * Runs after Nest's security hook, which wrote the policy.
 */
export function upgradeInsecureRequestsOverHttps(
  protocol: string,
  response: Pick<ServerResponse, 'getHeader' | 'setHeader'>,
): void {
  if (protocol !== 'https') return;
  const policy = response.getHeader('Content-Security-Policy');
  if (typeof policy !== 'string' || /(^|;)\s*upgrade-insecure-requests\s*(;|$)/.test(policy)) {
    return;
  }
  response.setHeader('Content-Security-Policy', `${policy};upgrade-insecure-requests`);
}

type FrameworkErrorHandler = (error: Error, request: FastifyRequest, reply: FastifyReply) => void;

/**
 * Answers a path that is not valid percent-encoding, which Fastify's router
 * rejects before any hook or route runs; per Fastify instance, as
 * `configureApp` sets it once the app, and with it the Problem filter, exists.
 */
const frameworkErrorHandlers = new WeakMap<object, FrameworkErrorHandler>();

/**
 * How often Node looks for requests past their time limit (its default is 30 s,
 * which would let a stalled request outlive a 10 s limit by up to 30 s).
 */
function timeoutCheckInterval(requestTimeoutMs: number): number {
  return Math.max(50, Math.min(1_000, Math.floor(requestTimeoutMs / 4)));
}

/** The HTTP adapter of the service: Fastify, configured as `main.ts` and the tests use it. */
export function createHttpAdapter(config: AppConfig): FastifyAdapter {
  const { requestTimeoutMs, connectionTimeoutMs } = config.http;
  return new FastifyAdapter({
    // A request (headers and body) must arrive within requestTimeout, or it gets a 408
    // Problem and its socket closes (client-error.handler.ts); Node's headersTimeout
    // follows it. Fastify's defaults (0) would keep a stalled upload's socket forever.
    requestTimeout: requestTimeoutMs,
    http: {
      requestTimeout: requestTimeoutMs,
      connectionsCheckingInterval: timeoutCheckInterval(requestTimeoutMs),
    },
    // A socket with a request in flight that sees no traffic for this long is closed;
    // idle keep-alive sockets follow Fastify's keepAliveTimeout instead.
    connectionTimeout: connectionTimeoutMs,
    trustProxy: trustProxy(config.trustProxy),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    // Requests arriving while the server closes get a Problem (`closeGracefully`), not bare JSON.
    return503OnClosing: false,
    // The service binds no Nest middleware (its request hooks are Fastify's): without
    // @fastify/middie, no request walks an empty middleware chain.
    skipMiddie: true,
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      const handler = frameworkErrorHandlers.get(request.server);
      if (handler && (error as { code?: unknown }).code === 'FST_ERR_BAD_URL') {
        handler(error, request, reply);
      } else void reply.send(error);
    },
  });
}

/** Options for `NestFactory.create` and `createNestApplication`: the bodies are read by `http-bodies.ts`. */
export const APP_OPTIONS = { bodyParser: false } as const;

/**
 * Application-wide HTTP wiring shared by `main.ts` and the end-to-end tests, so
 * the tests exercise exactly what production serves.
 */
export function configureApp(app: NestFastifyApplication): NestFastifyApplication {
  app.useLogger(app.get(Logger));
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.raw.setHeader(REQUEST_ID_HEADER, requestContext(request).requestId);
    done();
  });
  forbidCaching(fastify);
  // The route and the caller on the request's span, when tracing is on (tracing.ts).
  recordTraceAttributes(fastify);
  // CORS_ORIGINS: pages of those origins may call the API (a hook ahead of every other).
  const { corsOrigins } = app.get<AppConfig>(APP_CONFIG);
  if (corsOrigins) app.enableCors(corsOptions(corsOrigins));
  // helmet 8's default headers, resolved once at start-up and written by Nest's request hook,
  // with `upgrade-insecure-requests` only for requests served over https (see below).
  app.useSecurityHeaders({
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    upgradeInsecureRequestsOverHttps(request.protocol, reply.raw);
    done();
  });
  // Request metrics and the request log are Fastify hooks that MetricsModule and
  // RequestLoggingModule (@session-service/ops) add when the app initialises.
  acceptBodies(fastify);
  const problemOptions = app.get<ProblemModuleOptions>(PROBLEM_MODULE_OPTIONS);
  const filter = new ProblemExceptionFilter(problemOptions, app.get(HttpAdapterHost));
  frameworkErrorHandlers.set(fastify, (_error, request, reply) => {
    // No hook ran for this request: the request id is set here.
    reply.raw.setHeader(REQUEST_ID_HEADER, requestContext(request).requestId);
    const host = {
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
    } as ArgumentsHost;
    filter.catch(new BadRequestException('The request path is not valid percent-encoding'), host);
  });
  closeGracefully(fastify, app.get(ShutdownState), (request, reply, exception) => {
    const host = {
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
    } as ArgumentsHost;
    filter.catch(exception, host);
  });
  // Fastify's own handler answers bare JSON; the Problem handler replaces it.
  fastify.server.removeAllListeners('clientError');
  answerClientErrorsWithProblems(fastify.server, problemOptions);
  // /metrics and the probes on MANAGEMENT_PORT when it is not PORT (ops/management.ts).
  separateManagement(app, (server) => answerClientErrorsWithProblems(server, problemOptions));
  if (app.get<AppConfig>(APP_CONFIG).apiDocsEnabled) setupSwagger(app);
  return app;
}

export function setupSwagger(app: INestApplication): void {
  SwaggerModule.setup('docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'docs-json' });
}

/**
 * The OpenAPI document served at `/docs-json`; `scripts/export-openapi.ts`
 * builds it the same way (without a database) to generate `@session-service/sessions-client`.
 * `npm run lint:openapi` checks it against the OWASP API Security ruleset (`.spectral.yaml`).
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Session service')
      .setDescription(
        'Stores the sessions an auth platform records at each sign-in and answers which sessions a user has and which exist at all. Errors are RFC 9457 problems (`application/problem+json`).',
      )
      .setVersion('1.0')
      .addTag('Session Management', "A user's own sessions (their devices)")
      .addTag(
        'Admin sessions',
        'Every session, for admins; recording sign-ins, for the auth platform',
      )
      .addTag(
        'Revocation feed',
        'Revocations in commit order, for gateways that verify tokens locally',
      )
      .addTag('Tenants', "Tenants' session lifetimes and concurrent-session limits, for admins")
      .addTag(
        'Audit trail',
        'Every session event, who started it and the request behind it, for admins',
      )
      .addTag(
        'Shared Signals',
        'A Shared Signals Framework 1.0 transmitter: CAEP session-revoked events by poll (RFC 8936) or push (RFC 8935)',
      )
      .addTag(
        'Back-Channel Logout',
        'OpenID Connect Back-Channel Logout 1.0 relying parties, for admins',
      )
      .addBearerAuth(
        {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A JWS-signed JWT in `Authorization: Bearer`, verified following RFC8725 (JWT Best Current Practices): one configured algorithm family (never `none`), keys from configuration only (`jku`, `x5u` and `jwk` headers are ignored), `exp` required, `nbf`, `iss` and `aud` checked when configured.',
        },
        BEARER_SCHEME,
      )
      .build(),
  );
  // The URL every client already resolves against (OpenAPI's default), stated
  // with the audience and environment the OWASP ruleset asks for.
  document.servers = [
    Object.assign(
      {
        url: '/',
        description: 'This instance: the host serving this document (local, staging or production)',
      },
      { 'x-internal': true },
    ),
  ];
  documentBodyRefusals(document);
  documentRateLimits(document);
  placeProblemExamples(document);
  // A refused value is any JSON value (query and path values are strings, body
  // values any type): the member has no `type`, like the contract's untyped
  // `value` (a Go `interface{}`), rather than the `object` @nestjs/swagger infers.
  return completeSessionsDocument(document);
}

/**
 * The service's own body parser (http-bodies.ts) refuses, before any route
 * runs, a body over the size limit (413) and one that is not UTF-8 JSON
 * (415): each operation that takes a body documents both. Refused before the
 * rate limits count them, they carry none of their headers (the headers'
 * descriptions say so).
 */
function documentBodyRefusals(document: OpenAPIObject): void {
  const problem = (description: string, example: Problem) => ({
    description,
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(Problem) }, example } },
  });
  for (const item of Object.values(document.paths)) {
    for (const method of ['put', 'post', 'patch'] as const) {
      const operation = item[method];
      if (!operation?.requestBody) continue;
      operation.responses['413'] = problem(
        `The body is larger than ${BODY_LIMIT_BYTES / 1024} KiB`,
        problemExample({ kind: 'payloadTooLarge' }),
      );
      operation.responses['415'] = problem(
        'The body is not `application/json` (UTF-8), or its `Content-Encoding` is not read',
        problemExample({
          kind: 'unsupportedMediaType',
          variant: 'media_type',
          args: { media_type: 'text/plain' },
        }),
      );
    }
  }
}

/** Path parameters as the document's examples name them. */
const EXAMPLE_PATH_PARAMETERS: Record<string, string> = {
  user_id: '1001',
  session_id: '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10',
  tenant_id: 'tnt_xyz789',
  stream_id: 'f5b1e4c2-6d3a-4b8e-9f10-2a7c3e5d8b41',
  client_id: 'crm-web',
};

/**
 * Each Problem example's `instance` is the path of its own operation (the
 * request path, as the service writes it), with the path parameters filled in.
 */
function placeProblemExamples(document: OpenAPIObject): void {
  for (const [path, item] of Object.entries(document.paths)) {
    const instance = path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = EXAMPLE_PATH_PARAMETERS[name];
      if (!value) throw new Error(`No example value for the path parameter ${name} of ${path}`);
      return value;
    });
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      for (const response of Object.values(item[method]?.responses ?? {})) {
        const media = (response as ResponseObject).content?.[PROBLEM_CONTENT_TYPE];
        const example = media?.example as Problem | undefined;
        if (example) media!.example = { ...example, instance };
      }
    }
  }
}

/**
 * Every authenticated operation is behind the per-IP and per-user throttlers
 * (`RateLimitModule` of `@session-service/ops`): document their `RateLimit-Policy` and `RateLimit`
 * fields on each of its responses, and its 429 Problem with `Retry-After`. The
 * health probes and `/metrics`, which are not limited, are not in the document
 * (they belong to the management listener).
 */
function documentRateLimits(document: OpenAPIObject): void {
  const limits =
    'The per-client-address policy `"ip"` (before authentication) and, once the bearer token is verified, the per-user policy `"user"`';
  document.components = {
    ...document.components,
    headers: {
      ...document.components?.headers,
      'RateLimit-Policy': {
        description: `The quota policies that applied to this request (draft-ietf-httpapi-ratelimit-headers-10, a Structured Fields List): ${limits}, each with its quota \`q\` in requests and window \`w\` in seconds, e.g. \`"ip";q=1200;w=60, "user";q=600;w=60\`. Sent on every response of a limited operation except when the request is refused before it is counted (a body that is not JSON or is too large).`,
        schema: {
          type: 'string',
          maxLength: 128,
          pattern: '^"ip";q=[0-9]+;w=[0-9]+(, "user";q=[0-9]+;w=[0-9]+)?$',
          example: '"ip";q=1200;w=60, "user";q=600;w=60',
        },
      },
      RateLimit: {
        description: `What is left of each policy in \`RateLimit-Policy\` (draft-ietf-httpapi-ratelimit-headers-10, a Structured Fields List): remaining requests \`r\` and seconds \`t\` until the quota resets, e.g. \`"ip";r=1187;t=42, "user";r=596;t=42\`; \`r=0\` on a 429, whose \`t\` equals \`Retry-After\`. Sent whenever \`RateLimit-Policy\` is.`,
        schema: {
          type: 'string',
          maxLength: 128,
          pattern: '^"ip";r=[0-9]+;t=[0-9]+(, "user";r=[0-9]+;t=[0-9]+)?$',
          example: '"ip";r=1187;t=42, "user";r=596;t=42',
        },
      },
    },
  };
  const rateLimitHeaders = {
    RateLimit: { $ref: '#/components/headers/RateLimit' },
    'RateLimit-Policy': { $ref: '#/components/headers/RateLimit-Policy' },
  };
  for (const item of Object.values(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation) continue;
      operation.responses['429'] = {
        description:
          'Too many requests from this client address or user; wait `Retry-After` seconds (also `retry_after`)',
        headers: {
          'Retry-After': {
            description: 'Seconds to wait before retrying (RFC 9110)',
            // The throttlers count per minute (app.module.ts), so a wait never exceeds 60 seconds.
            schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 60 },
          },
        },
        content: {
          [PROBLEM_CONTENT_TYPE]: {
            schema: { $ref: getSchemaPath(Problem) },
            example: problemExample(DEFAULT_PROBLEM_EXAMPLES[429]),
          },
        },
      };
      for (const response of Object.values(operation.responses)) {
        if (!response || '$ref' in response) continue;
        response.headers = { ...response.headers, ...rateLimitHeaders };
      }
    }
  }
}
