import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Inject,
  Logger,
  Optional,
} from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { ServerResponse } from 'node:http';
import { allowedMethods } from './allowed-methods';
import { FieldViolation, Problem, PROBLEM_CONTENT_TYPE } from './problem.dto';
import {
  DEFAULT_PROBLEM_LOCALE,
  PROBLEM_CATALOG,
  ProblemDefinition,
  type ProblemLocale,
  genericProblem,
  problemForStatus,
} from './problem-catalog';
import {
  type DetailMessage,
  type I18nArgs,
  localize,
  negotiateProblemLocale,
  renderDetail,
} from './problem-i18n';
import { AmbiguousCredentialsError, AuthenticationError, ProblemError } from './problem.errors';
import {
  DEFAULT_PROBLEM_OPTIONS,
  PROBLEM_MODULE_OPTIONS,
  type ProblemModuleOptions,
} from './problem.options';
import { type HttpRequest, type RequestContext, requestContext } from './request-id.middleware';
import { isDatabaseUnavailable, isStatementTimeout } from './database-errors';
import { RouteInputs, routeRefusedByPipes } from './route-inputs';

interface Resolved {
  definition: ProblemDefinition;
  /** English; the filter writes it in the caller's language when it comes from a template. */
  detail: string;
  /** The template of `detail`; when absent, the filter tries to recognise one. */
  message?: DetailMessage;
  violations?: FieldViolation[];
  headers?: Record<string, string>;
}

/** The request members the filter reads, the same on Express and Fastify requests. */
type Request = HttpRequest & { method: string; originalUrl: string };

/** An Express response: Node's, with the helpers Express adds. */
interface ExpressResponse {
  headersSent: boolean;
  destroy(): void;
  setHeader(name: string, value: string): unknown;
  getHeader(name: string): number | string | string[] | undefined;
  status(code: number): ExpressResponse;
  type(contentType: string): ExpressResponse;
  send(body: string): unknown;
}

/** A Fastify reply: headers are kept until `send`, Node's response is `raw`. */
interface FastifyReply {
  raw: ServerResponse;
  sent: boolean;
  header(name: string, value: string): unknown;
  getHeader(name: string): number | string | string[] | undefined;
  code(status: number): FastifyReply;
  type(contentType: string): FastifyReply;
  send(body: string): unknown;
}

type Response = ExpressResponse | FastifyReply;

function isFastifyReply(res: Response): res is FastifyReply {
  return 'raw' in res && typeof (res as Partial<FastifyReply>).code === 'function';
}

/** A response to set headers on, of either adapter. */
export type HeaderTarget =
  Pick<ExpressResponse, 'getHeader' | 'setHeader'> | Pick<FastifyReply, 'getHeader' | 'header'>;

function setHeader(res: HeaderTarget, name: string, value: string): void {
  if ('setHeader' in res) res.setHeader(name, value);
  else res.header(name, value);
}

/** body-parser reports through http-errors: a 4xx status plus a machine `type` (entity.*, charset.*, ...). */
interface BodyParserError {
  status: number;
  type: string;
}

/** Fastify's body errors (`FST_ERR_CTP_*`), in body-parser's terms. */
function fromFastifyBodyError(e: unknown): BodyParserError | undefined {
  const { code, statusCode } = (e ?? {}) as { code?: unknown; statusCode?: unknown };
  if (typeof code !== 'string' || !code.startsWith('FST_ERR_CTP_')) return undefined;
  if (typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500) return undefined;
  return {
    status: statusCode,
    type: code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'entity.too.large' : 'request.unreadable',
  };
}

function isBodyParserError(e: unknown): e is BodyParserError {
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof (e as BodyParserError).status === 'number' &&
    (e as BodyParserError).status >= 400 &&
    (e as BodyParserError).status < 500 &&
    typeof (e as BodyParserError).type === 'string'
  );
}

/**
 * The one place errors become responses: every throw it sees, whether a
 * domain error, a framework HttpException, a validation failure, a database
 * fault or a bug, leaves as an RFC 9457 Problem. Internals (stack, SQL,
 * driver text) only go to the log, never to the client.
 *
 * It sees the errors of the library's controllers (`@ProblemResponses()`),
 * and of every route with `ProblemModule.forRoot({ global: true })`. Its
 * options come from `ProblemModule.forRoot`; without that module, the defaults.
 */
@Catch()
export class ProblemExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');
  private readonly options: ProblemModuleOptions;
  private readonly inputs: RouteInputs;

  constructor(
    @Optional() @Inject(PROBLEM_MODULE_OPTIONS) options: ProblemModuleOptions | undefined,
    private readonly adapterHost: HttpAdapterHost,
    @Optional() moduleRef?: ModuleRef,
  ) {
    this.options = options ?? DEFAULT_PROBLEM_OPTIONS;
    this.inputs = new RouteInputs(moduleRef);
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const route =
      exception instanceof HttpException && !(exception instanceof ProblemError)
        ? routeRefusedByPipes(host.switchToHttp().getRequest())
        : undefined;
    if (!route) return this.answer(exception, host);
    // A pipe ahead of the route's own (an application's global one) refused the
    // input: when the library's rules refuse it too, their 400 names each field.
    this.inputs
      .check(route)
      .then(
        () => this.answer(exception, host),
        (refusal: unknown) =>
          this.answer(refusal instanceof ProblemError ? refusal : exception, host),
      )
      .catch((error: unknown) =>
        this.logger.error('No answer to a refused request', (error as Error)?.stack ?? error),
      );
  }

  private answer(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const resolved = this.resolve(exception, req);
    const { definition } = resolved;

    if (definition.status === 503 && exception instanceof ProblemError) {
      // Shed on purpose (a limit of this instance), not a fault: one line, no stack.
      this.logger.warn(`${req.method} ${req.originalUrl} -> 503 ${definition.slug}`);
    } else if (definition.status >= 500) {
      this.logger.error(
        `${req.method} ${req.originalUrl} -> ${definition.status}`,
        exception instanceof Error ? exception.stack : String(exception),
      );
    }

    const locale = negotiateProblemLocale(req.headers['accept-language']);
    const problem = buildProblem(
      definition,
      resolved.detail,
      safeInstance(req.originalUrl),
      requestContext(req),
      this.options,
      locale,
      resolved.message,
    );
    if (definition.status === 400) problem.errors = resolved.violations ?? [];
    const headers = { ...resolved.headers };
    if (definition.status === 503 || definition.status === 429) {
      const retryAfter = Number(headers['Retry-After'] ?? this.options.retryAfterSeconds);
      headers['Retry-After'] = String(retryAfter);
      problem.retry_after = retryAfter;
    }

    const body = JSON.stringify(problem);
    if (isFastifyReply(res)) {
      if (res.sent || res.raw.headersSent) {
        // A streamed body already started: the status line is gone, so end the stream.
        res.raw.destroy();
        return;
      }
      for (const [name, value] of Object.entries(headers)) res.header(name, value);
      setLanguageHeaders(res, locale);
      // Express adds the charset to a text body's type; Fastify leaves the type as given.
      res.code(definition.status).type(`${PROBLEM_CONTENT_TYPE}; charset=utf-8`).send(body);
      return;
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    setLanguageHeaders(res, locale);
    res.status(definition.status).type(PROBLEM_CONTENT_TYPE).send(body);
  }

  private resolve(exception: unknown, req: Request): Resolved {
    if (exception instanceof ProblemError) {
      const { definition } = exception;
      const headers = { ...exception.headers };
      if (definition.status === 401) {
        const presented =
          exception instanceof AuthenticationError
            ? exception.tokenPresented
            : Boolean(req.headers.authorization);
        headers['WWW-Authenticate'] = this.bearerChallenge(presented);
      }
      if (exception instanceof AmbiguousCredentialsError) {
        headers['WWW-Authenticate'] = this.bearerChallenge(true, 'invalid_request');
      }
      return {
        definition,
        detail: exception.detail,
        message: exception.detailTemplate,
        violations: exception.violations,
        headers,
      };
    }
    if (exception instanceof HttpException) return this.fromHttpException(exception, req);
    if (isBodyParserError(exception)) return this.fromBodyParser(exception);
    if (isStatementTimeout(exception)) return templated(PROBLEM_CATALOG.queryTimeout);
    if (isDatabaseUnavailable(exception)) {
      return templated(PROBLEM_CATALOG.databaseUnavailable);
    }
    return templated(PROBLEM_CATALOG.internal);
  }

  private fromHttpException(exception: HttpException, req: Request): Resolved {
    const status = exception.getStatus();
    if (status === 401) {
      return {
        ...templated(PROBLEM_CATALOG.unauthorized),
        headers: { 'WWW-Authenticate': this.bearerChallenge(Boolean(req.headers.authorization)) },
      };
    }
    if (status === 404 && !isRouterNotFound(exception)) {
      // A handler's own 404 (`NotFoundException('No such item')`): its message, not "no route".
      const definition = genericProblem(404);
      return { definition, detail: safeMessage(exception) ?? definition.title };
    }
    if (status === 404) {
      const path = req.originalUrl.split('?')[0];
      const allow = allowedMethods(this.adapterHost.httpAdapter?.getInstance(), path);
      if (allow.length > 0 && !allow.includes(req.method)) {
        return {
          ...templated(PROBLEM_CATALOG.methodNotAllowed, 'default', {
            method: req.method,
            path,
            allowed: allow.join(', '),
          }),
          headers: { Allow: allow.join(', ') },
        };
      }
      return templated(PROBLEM_CATALOG.routeNotFound, 'default', { method: req.method, path });
    }
    if (isBodyParserError(exception.cause)) return this.fromBodyParser(exception.cause);
    const bodyError = fromFastifyBodyError(exception.cause);
    if (bodyError) return this.fromBodyParser(bodyError);
    const definition = problemForStatus(status);
    return {
      definition,
      detail: status >= 500 ? definition.title : (safeMessage(exception) ?? definition.title),
    };
  }

  private fromBodyParser(error: BodyParserError): Resolved {
    switch (error.type) {
      case 'entity.too.large':
        return templated(PROBLEM_CATALOG.payloadTooLarge);
      case 'entity.parse.failed':
        return {
          ...templated(PROBLEM_CATALOG.malformedBody),
          violations: [{ field: 'body', code: 'format', description: 'Body must be valid JSON' }],
        };
      default:
        return templated(problemForStatus(error.status), 'common.body_unreadable');
    }
  }

  /** RFC 6750 section 3: `error` only when a token was actually presented. */
  private bearerChallenge(tokenPresented: boolean, error = 'invalid_token'): string {
    const realm = `Bearer realm="${this.options.serviceName}"`;
    return tokenPresented ? `${realm}, error="${error}"` : realm;
  }
}

/**
 * The request path as a valid URI reference (RFC 3986): without the query
 * string, and with any character a URI may not carry (including a stray `%`
 * of an undecodable escape) percent-encoded.
 */
export function safeInstance(originalUrl: string): string {
  return originalUrl
    .split('?')[0]
    .replace(/%(?![0-9A-Fa-f]{2})/g, '%25')
    .replace(/[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/g, (c) => encodeURIComponent(c));
}

/** Nest's answer for a request no route matched: `Cannot <METHOD> <url>` (RoutesResolver). */
function isRouterNotFound(exception: HttpException): boolean {
  return /^Cannot [A-Z]+ \//.test(exception.message);
}

/** A resolution whose detail is one of the definition's templates (or a shared one). */
function templated(
  definition: ProblemDefinition,
  variant = 'default',
  args: I18nArgs = {},
): Resolved {
  return {
    definition,
    detail: renderDetail(definition, variant, args),
    message: { variant, args },
  };
}

/**
 * `Content-Language` of the Problem, and `Vary: Accept-Language` (kept with
 * any other `Vary` members already set), so caches keep one copy per language.
 */
export function setLanguageHeaders(res: HeaderTarget, locale: ProblemLocale): void {
  setHeader(res, 'Content-Language', locale);
  const current = res.getHeader('Vary');
  const members = (Array.isArray(current) ? current.join(',') : String(current ?? ''))
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  if (members.includes('*') || members.some((m) => m.toLowerCase() === 'accept-language')) return;
  setHeader(res, 'Vary', [...members, 'Accept-Language'].join(', '));
}

/**
 * The Problem body of one occurrence of a problem kind. `detail` is the
 * English text; `title` and `detail` are written in `locale` (a detail no
 * template produced stays as written), and `i18n_args` carries the values
 * of the detail's template.
 */
export function buildProblem(
  definition: ProblemDefinition,
  detail: string,
  instance: string,
  context: RequestContext,
  options: ProblemModuleOptions,
  locale: ProblemLocale = DEFAULT_PROBLEM_LOCALE,
  message?: DetailMessage,
): Problem {
  const text = localize(definition, detail, locale, message);
  return {
    type: `${options.typeBaseUri}${definition.slug}`,
    title: text.title,
    status: definition.status,
    detail: text.detail,
    instance,
    code: definition.code,
    request_id: context.requestId,
    trace_id: context.traceId,
    span_id: context.spanId,
    timestamp: new Date().toISOString(),
    service: options.serviceName,
    i18n_key: definition.i18nKey,
    i18n_args: { ...text.args },
  };
}

/** Messages written by Nest's own pipes and exceptions are safe; anything else is not echoed. */
function safeMessage(exception: HttpException): string | undefined {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.filter((m) => typeof m === 'string').join('; ');
  return undefined;
}
