import type { HttpAdapterHost } from '@nestjs/core';
import {
  type ArgumentsHost,
  BadRequestException,
  ForbiddenException,
  HttpException,
  Logger,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { type MockInstance, vi } from 'vitest';
import type { FieldViolation, Problem } from './problem.dto';
import {
  AuthenticationError,
  NotResourceOwnerError,
  ProblemError,
  UserNotFoundError,
  ValidationFailedError,
} from './problem.errors';
import { ProblemExceptionFilter } from './problem.filter';
import type { ProblemModuleOptions } from './problem.options';

/** An HTTP adapter with no routes: every unknown path is a plain 404. */
const noRoutes = {
  httpAdapter: { getInstance: () => ({ router: { stack: [] } }) },
} as unknown as HttpAdapterHost;

interface FakeRequest {
  method: string;
  originalUrl: string;
  headers: Record<string, string | undefined>;
}

class FakeResponse {
  headersSent = false;
  destroyed = false;
  statusCode?: number;
  contentType?: string;
  body?: string;
  readonly headers: Record<string, string> = {};
  readonly calls: string[] = [];

  status(code: number): this {
    this.calls.push('status');
    this.statusCode = code;
    return this;
  }

  type(contentType: string): this {
    this.calls.push('type');
    this.contentType = contentType;
    return this;
  }

  setHeader(name: string, value: string): this {
    this.calls.push('setHeader');
    this.headers[name] = value;
    return this;
  }

  getHeader(name: string): string | undefined {
    return this.headers[name];
  }

  send(body: string): this {
    this.calls.push('send');
    this.body = body;
    return this;
  }

  destroy(): void {
    this.destroyed = true;
  }

  problem(): Problem {
    if (this.body === undefined) throw new Error('nothing was sent');
    return JSON.parse(this.body) as Problem;
  }
}

const options: ProblemModuleOptions = {
  serviceName: 'svc',
  typeBaseUri: '/problems/',
  retryAfterSeconds: 5,
};

function run(
  exception: unknown,
  request: Partial<FakeRequest> = {},
): { res: FakeResponse; req: FakeRequest } {
  const req: FakeRequest = {
    method: 'GET',
    originalUrl: '/sessions/user/42/sessions?page=2&page_size=10',
    headers: {},
    ...request,
  };
  const res = new FakeResponse();
  const host = {
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
  } as unknown as ArgumentsHost;
  new ProblemExceptionFilter(options, noRoutes).catch(exception, host);
  return { res, req };
}

describe('ProblemExceptionFilter', () => {
  let logError: MockInstance<Logger['error']>;

  beforeEach(() => {
    logError = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    logError.mockRestore();
  });

  describe('ValidationFailedError', () => {
    const violations: FieldViolation[] = [
      { field: 'page_size', code: 'range', description: 'page_size must be between 1 and 100' },
      { field: 'page', code: 'type', description: 'page must be an integer' },
    ];

    it('answers 400 with every violation as an application/problem+json Problem', () => {
      const { res } = run(new ValidationFailedError(violations), {
        headers: { 'x-request-id': 'abc-123' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.contentType).toBe('application/problem+json');
      expect(res.calls[res.calls.length - 1]).toBe('send');
      const problem = res.problem();
      expect(problem).toMatchObject({
        type: '/problems/invalid-request',
        title: 'Invalid Request Parameters',
        status: 400,
        code: 30240001,
        instance: '/sessions/user/42/sessions',
        request_id: 'abc-123',
        service: 'svc',
        i18n_key: 'error.invalid_request',
        detail: 'page_size must be between 1 and 100; page must be an integer',
      });
      expect(problem.errors).toEqual(violations);
      expect(problem.retry_after).toBeUndefined();
      expect(Number.isNaN(Date.parse(problem.timestamp ?? ''))).toBe(false);
    });

    it('keeps the query string out of instance', () => {
      const { res } = run(new ValidationFailedError(violations), {
        originalUrl: '/a/b?secret=token',
      });
      expect(res.problem().instance).toBe('/a/b');
      expect(res.body).not.toContain('secret=token');
    });

    it('makes up a request id when X-Request-Id is not acceptable', () => {
      const { res, req } = run(new ValidationFailedError(violations), {
        headers: { 'x-request-id': 'bad id\r\nInjected: yes' },
      });
      const requestId = res.problem().request_id;
      expect(requestId).toMatch(/^req_[0-9a-f-]{36}$/);
      expect(
        (req as FakeRequest & { requestContext?: { requestId: string } }).requestContext?.requestId,
      ).toBe(requestId);
    });

    it('carries the trace id of a valid traceparent and a new span id', () => {
      const { res } = run(new ValidationFailedError(violations), {
        headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      });
      expect(res.problem().trace_id).toBe('0af7651916cd43dd8448eb211c80319c');
      expect(res.problem().span_id).toMatch(/^[0-9a-f]{16}$/);
      expect(res.problem().span_id).not.toBe('b7ad6b7169203331');
    });

    it.each([
      'garbage',
      '00-00000000000000000000000000000000-b7ad6b7169203331-01',
      'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    ])('starts a new trace for an invalid traceparent %j', (traceparent) => {
      const { res } = run(new ValidationFailedError(violations), { headers: { traceparent } });
      expect(res.problem().trace_id).toMatch(/^[0-9a-f]{32}$/);
      expect(res.problem().trace_id).not.toBe('0af7651916cd43dd8448eb211c80319c');
      expect(res.problem().trace_id).not.toMatch(/^0+$/);
    });

    it('does not log 4xx problems as errors', () => {
      run(new ValidationFailedError(violations));
      expect(logError).not.toHaveBeenCalled();
    });
  });

  describe('401', () => {
    it('challenges without an error code when no token was presented', () => {
      const { res } = run(new AuthenticationError('A bearer token is required', false));
      expect(res.statusCode).toBe(401);
      expect(res.headers['WWW-Authenticate']).toBe('Bearer realm="svc"');
      const problem = res.problem();
      expect(problem).toMatchObject({
        type: '/problems/unauthorized',
        code: 30240101,
        detail: 'A bearer token is required',
      });
      expect(problem.errors).toBeUndefined();
    });

    it('says invalid_token when a token was presented', () => {
      const { res } = run(new AuthenticationError('The bearer token was not accepted', true));
      expect(res.statusCode).toBe(401);
      expect(res.headers['WWW-Authenticate']).toBe('Bearer realm="svc", error="invalid_token"');
    });

    it('turns a Nest UnauthorizedException into the same Problem, based on the Authorization header', () => {
      const withToken = run(new UnauthorizedException(), {
        headers: { authorization: 'Bearer abc' },
      }).res;
      expect(withToken.statusCode).toBe(401);
      expect(withToken.headers['WWW-Authenticate']).toBe(
        'Bearer realm="svc", error="invalid_token"',
      );
      expect(withToken.problem().type).toBe('/problems/unauthorized');

      const withoutToken = run(new UnauthorizedException()).res;
      expect(withoutToken.headers['WWW-Authenticate']).toBe('Bearer realm="svc"');
    });
  });

  it("answers a handler's own NotFoundException with its message, not as route-not-found", () => {
    const { res } = run(new NotFoundException('No such item'), {
      method: 'GET',
      originalUrl: '/items/2',
    });
    expect(res.problem()).toMatchObject({
      type: '/problems/http-404',
      status: 404,
      detail: 'No such item',
    });
  });

  it('answers a Nest NotFoundException as route-not-found, naming method and path only', () => {
    const { res } = run(new NotFoundException('Cannot GET /nope?x=1'), {
      method: 'DELETE',
      originalUrl: '/nope?x=1',
    });
    expect(res.statusCode).toBe(404);
    expect(res.problem()).toMatchObject({
      type: '/problems/route-not-found',
      code: 30240403,
      detail: 'No route matches DELETE /nope',
      instance: '/nope',
    });
  });

  it('answers a Nest ForbiddenException as the generic forbidden Problem', () => {
    const { res } = run(new ForbiddenException());
    expect(res.statusCode).toBe(403);
    expect(res.headers['WWW-Authenticate']).toBeUndefined();
    expect(res.problem()).toMatchObject({
      type: '/problems/forbidden',
      code: 30240301,
      detail: 'Forbidden',
    });
  });

  it('answers domain errors with their own catalog entry', () => {
    const owner = run(new NotResourceOwnerError()).res;
    expect(owner.statusCode).toBe(403);
    expect(owner.problem().type).toBe('/problems/not-resource-owner');

    const missing = run(new UserNotFoundError('42')).res;
    expect(missing.statusCode).toBe(404);
    expect(missing.problem()).toMatchObject({
      type: '/problems/user-not-found',
      detail: 'User 42 does not exist',
    });
  });

  it('gives a Nest BadRequestException an empty errors array and its message', () => {
    const { res } = run(new BadRequestException('Validation failed (numeric string is expected)'));
    expect(res.statusCode).toBe(400);
    expect(res.problem()).toMatchObject({
      detail: 'Validation failed (numeric string is expected)',
      errors: [],
    });
  });

  it('never echoes the message of a 5xx HttpException', () => {
    const { res } = run(new HttpException('db password is hunter2', 502));
    expect(res.statusCode).toBe(502);
    expect(res.body).not.toContain('hunter2');
  });

  describe('unexpected errors', () => {
    it('answers 500 without leaking the message or the stack', () => {
      const error = new Error('select * from secret');
      const { res } = run(error);
      expect(res.statusCode).toBe(500);
      expect(res.contentType).toBe('application/problem+json');
      const body = res.body ?? '';
      expect(body.toLowerCase()).not.toContain('select');
      expect(body).not.toContain('secret');
      expect(body).not.toContain('stack');
      expect(body).not.toContain('at ');
      expect(res.problem()).toMatchObject({
        type: '/problems/internal-error',
        status: 500,
        code: 30250001,
      });
      expect(res.headers['Retry-After']).toBeUndefined();
    });

    it('logs the stack instead', () => {
      const error = new Error('select * from secret');
      run(error, { method: 'POST', originalUrl: '/api/sessions' });
      expect(logError).toHaveBeenCalledWith('POST /api/sessions -> 500', error.stack);
    });

    it('handles a thrown non-object', () => {
      const { res } = run('boom');
      expect(res.statusCode).toBe(500);
      expect(res.body).not.toContain('boom');
    });
  });

  describe('database unavailable', () => {
    it.each([
      [
        'a pg connection error',
        Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      ],
      ['a plain object with a network code', { code: 'ECONNREFUSED' }],
      ['a TypeORM QueryFailedError-like wrapper', { driverError: { code: '57P01' } }],
    ])('answers %s with 503 and Retry-After', (_label, error) => {
      const { res } = run(error);
      expect(res.statusCode).toBe(503);
      expect(res.headers['Retry-After']).toBe('5');
      const problem = res.problem();
      expect(problem).toMatchObject({
        type: '/problems/database-unavailable',
        status: 503,
        code: 30250301,
        retry_after: 5,
      });
      expect(res.body).not.toContain('ECONNREFUSED');
      expect(res.body).not.toContain('57P01');
      expect(logError).toHaveBeenCalledTimes(1);
    });

    it('does not treat an ordinary SQL error as unavailability', () => {
      const { res } = run({ driverError: { code: '42P01', message: 'relation does not exist' } });
      expect(res.statusCode).toBe(500);
      expect(res.headers['Retry-After']).toBeUndefined();
    });
  });

  describe('body-parser errors', () => {
    it('answers a JSON parse failure with 400 malformed-body', () => {
      const { res } = run({ status: 400, type: 'entity.parse.failed', body: '{"select' });
      expect(res.statusCode).toBe(400);
      const problem = res.problem();
      expect(problem).toMatchObject({
        type: '/problems/malformed-body',
        code: 30240002,
        errors: [{ field: 'body', code: 'format', description: 'Body must be valid JSON' }],
      });
      expect(res.body).not.toContain('select');
    });

    it('answers a too large body with 413', () => {
      const { res } = run({ status: 413, type: 'entity.too.large' });
      expect(res.statusCode).toBe(413);
      expect(res.problem()).toMatchObject({
        type: '/problems/payload-too-large',
        code: 30241301,
      });
      expect(res.problem().errors).toBeUndefined();
    });

    it.each([
      [415, 'charset.unsupported', '/problems/unsupported-media-type'],
      [415, 'encoding.unsupported', '/problems/unsupported-media-type'],
      [413, 'parameters.too.many', '/problems/payload-too-large'],
    ])('answers a %i body-parser %s error with its own status', (status, type, problemType) => {
      const { res } = run({ status, type });
      expect(res.statusCode).toBe(status);
      expect(res.problem().type).toBe(problemType);
    });

    it('recognises a body-parser error wrapped as the cause of an HttpException', () => {
      const wrapped = new BadRequestException('Unexpected token', {
        cause: { status: 400, type: 'entity.parse.failed' },
      });
      const { res } = run(wrapped);
      expect(res.statusCode).toBe(400);
      expect(res.problem().type).toBe('/problems/malformed-body');
    });

    it('maps other entity.* failures by status', () => {
      const { res } = run({ status: 415, type: 'entity.verify.failed' });
      expect(res.statusCode).toBe(415);
      expect(res.problem().type).toBe('/problems/unsupported-media-type');
    });
  });

  it('destroys the stream instead of writing when headers were already sent', () => {
    const req: FakeRequest = { method: 'GET', originalUrl: '/x', headers: {} };
    const res = new FakeResponse();
    res.headersSent = true;
    const host = {
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
    } as unknown as ArgumentsHost;
    new ProblemExceptionFilter(options, noRoutes).catch(new Error('late'), host);
    expect(res.destroyed).toBe(true);
    expect(res.calls).toEqual([]);
  });

  it('lets a Retry-After header set on a ProblemError win over the default', () => {
    const error = new ProblemError('databaseUnavailable', 'Down for maintenance', [], {
      'Retry-After': '30',
    });
    const { res } = run(error);
    expect(res.statusCode).toBe(503);
    expect(res.headers['Retry-After']).toBe('30');
    expect(res.problem().retry_after).toBe(30);
  });
});

describe('ProblemExceptionFilter in other languages', () => {
  beforeEach(() => {
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  const zh = { headers: { 'accept-language': 'zh-CN' } };

  it('answers English with Content-Language en and Vary: Accept-Language by default', () => {
    const { res } = run(new UserNotFoundError('42'));
    expect(res.headers['Content-Language']).toBe('en');
    expect(res.headers.Vary).toBe('Accept-Language');
    expect(res.problem()).toMatchObject({
      title: 'User Not Found',
      detail: 'User 42 does not exist',
      i18n_key: 'error.user_not_found',
      i18n_args: { user_id: '42' },
    });
  });

  it('writes title and detail in Chinese and keeps everything else', () => {
    const english = run(new UserNotFoundError('42')).res.problem();
    const { res } = run(new UserNotFoundError('42'), zh);
    expect(res.headers['Content-Language']).toBe('zh-CN');
    const problem = res.problem();
    expect(problem).toMatchObject({
      title: '用户不存在',
      detail: '用户 42 不存在',
      i18n_key: 'error.user_not_found',
      i18n_args: { user_id: '42' },
    });
    for (const member of ['type', 'status', 'code', 'instance', 'service', 'i18n_key'] as const) {
      expect(problem[member]).toEqual(english[member]);
    }
  });

  it('translates a detail written as a plain string when a template produces it', () => {
    const { res } = run(new ProblemError('sessionNotActive', 'Session s-9 is revoked'), zh);
    expect(res.statusCode).toBe(409);
    expect(res.problem()).toMatchObject({
      title: '会话未处于活动状态',
      detail: '会话 s-9 的状态为 revoked',
      i18n_args: { session_id: 's-9', status: 'revoked' },
    });
  });

  it('keeps validation messages in English, translates the title, and sends empty i18n_args', () => {
    const violations: FieldViolation[] = [
      { field: 'page', code: 'type', description: 'page must be an integer' },
    ];
    const { res } = run(new ValidationFailedError(violations), zh);
    expect(res.headers['Content-Language']).toBe('zh-CN');
    expect(res.problem()).toMatchObject({
      title: '请求参数无效',
      detail: 'page must be an integer',
      i18n_args: {},
      errors: violations,
    });
  });

  it('renders the filter’s own templates with their arguments', () => {
    const { res } = run(new NotFoundException('Cannot DELETE /nope?x=1'), {
      method: 'DELETE',
      originalUrl: '/nope?x=1',
      headers: { 'accept-language': 'fr;q=1, zh;q=0.8' },
    });
    expect(res.problem()).toMatchObject({
      title: '路由不存在',
      detail: '没有与 DELETE /nope 匹配的路由',
      i18n_key: 'error.route_not_found',
      i18n_args: { method: 'DELETE', path: '/nope' },
    });
  });

  it('translates the body-parser, database and internal details', () => {
    expect(run({ status: 400, type: 'entity.parse.failed' }, zh).res.problem().detail).toBe(
      '请求体不是有效的 JSON',
    );
    expect(run({ code: 'ECONNREFUSED' }, zh).res.problem().detail).toBe(
      '会话存储暂时不可用，请稍后重试',
    );
    expect(run(new Error('x'), zh).res.problem()).toMatchObject({
      title: '服务器内部错误',
      detail: '发生意外错误；报告问题时请提供 request_id',
    });
    expect(run({ status: 413, type: 'parameters.too.many' }, zh).res.problem().detail).toBe(
      '无法读取请求体',
    );
  });

  it('translates a Nest exception whose message is the title', () => {
    expect(run(new ForbiddenException(), zh).res.problem()).toMatchObject({
      title: '禁止访问',
      detail: '禁止访问',
    });
  });

  it('keeps the challenge and the status of a 401 in every language', () => {
    const { res } = run(new AuthenticationError('The bearer token was not accepted', true), zh);
    expect(res.statusCode).toBe(401);
    expect(res.headers['WWW-Authenticate']).toBe('Bearer realm="svc", error="invalid_token"');
    expect(res.problem()).toMatchObject({ code: 30240101, detail: 'Bearer 令牌未被接受' });
  });

  it('adds Accept-Language to a Vary header set earlier, once', () => {
    const req: FakeRequest = { method: 'GET', originalUrl: '/x', headers: {} };
    const res = new FakeResponse();
    res.headers.Vary = 'Origin';
    const host = {
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
    } as unknown as ArgumentsHost;
    new ProblemExceptionFilter(options, noRoutes).catch(new UserNotFoundError('1'), host);
    expect(res.headers.Vary).toBe('Origin, Accept-Language');

    const again = new FakeResponse();
    again.headers.Vary = 'accept-language';
    const host2 = {
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => again }),
    } as unknown as ArgumentsHost;
    new ProblemExceptionFilter(options, noRoutes).catch(new UserNotFoundError('1'), host2);
    expect(again.headers.Vary).toBe('accept-language');
  });
});
