import { Controller, Get } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import request from 'supertest';
import type { App } from 'supertest/types';
import { DataSource } from 'typeorm';
import { insertUser } from './support/factories';
import { expectProblem } from './support/schemas';
import { TcpProxy } from './support/tcp-proxy';
import { createTestApp, type TestApp } from './support/test-app';
import { bearer, tokenFor } from './support/tokens';

/** Routes that fail the way bugs do, to check what leaks and what does not. */
@Controller('test-failures')
class FailureController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get('throw')
  throwPlainError(): never {
    throw new Error('SELECT password FROM users -- secret internals');
  }

  @Get('bad-sql')
  async badSql(): Promise<unknown> {
    return this.dataSource.query('SELECT no_such_column FROM session_service.sessions');
  }
}

describe('Problem responses', () => {
  let t: TestApp;
  let http: App;

  beforeAll(async () => {
    t = await createTestApp({}, { controllers: [FailureController] });
    http = t.app.getHttpServer();
  });

  afterAll(() => t.close());

  it('echoes a well-formed X-Request-Id in the header and the body', async () => {
    const res = await request(http).get('/api/sessions/all').set('X-Request-Id', 'req_abc-123');
    const body = expectProblem(res, 401);
    expect(body.request_id).toBe('req_abc-123');
  });

  it('replaces an unsafe X-Request-Id with a generated one', async () => {
    const res = await request(http)
      .get('/api/sessions/all')
      .set('X-Request-Id', 'bad id\twith spaces');
    const body = expectProblem(res, 401);
    expect(body.request_id).toMatch(/^req_[0-9a-f-]{36}$/);
  });

  it('carries the standard members and the contract extensions', async () => {
    const res = await request(http).get('/sessions/user/7/sessions?page=2');
    const body = expectProblem(res, 401);
    expect(body).toMatchObject({
      type: '/problems/unauthorized',
      title: 'Unauthorized',
      status: 401,
      instance: '/sessions/user/7/sessions',
      code: 30240101,
      service: 'session-service',
    });
    expect(new Date(body.timestamp as string).toISOString()).toBe(body.timestamp);
  });

  it('answers an unknown route with a 404 Problem', async () => {
    const body = expectProblem(await request(http).get('/no/such/route'), 404);
    expect(body.code).toBe(30240403);
  });

  it('hides an unexpected error behind a 500 Problem', async () => {
    const res = await request(http).get('/test-failures/throw');
    const body = expectProblem(res, 500);
    expect(res.text).not.toContain('password');
    expect(body.code).toBe(30250001);
  });

  it('never shows SQL or driver text for a failed query', async () => {
    const res = await request(http).get('/test-failures/bad-sql');
    expectProblem(res, 500);
    expect(res.text).not.toMatch(/no_such_column|column|sessions/);
  });

  it('rejects an oversized body with a 413 Problem', async () => {
    const res = await request(http)
      .post('/api/sessions')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ user_agent: 'x'.repeat(200_000) }));
    expectProblem(res, 413);
  });
});

describe('database unavailable', () => {
  it('answers 503 with Retry-After while PostgreSQL is unreachable, and 200 again once it is back', async () => {
    const target = new URL(process.env.TEST_DATABASE_URL ?? '');
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const t = await createTestApp({
      DATABASE_URL: proxy.rewrite(target.toString()),
      DATABASE_CONNECT_TIMEOUT_MS: '500',
    });
    const http = t.app.getHttpServer() as App;
    const get = () =>
      request(http)
        .get('/sessions/user/31/sessions')
        .set(...bearer(tokenFor(31)));
    try {
      await insertUser(t.dataSource, 31, 'dan');
      await get().expect(200);

      await proxy.cut();
      const started = Date.now();
      const res = await get();
      const body = expectProblem(res, 503);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(res.headers['retry-after']).toBe('5');
      expect(body.retry_after).toBe(5);
      expect(body.code).toBe(30250301);

      await proxy.start();
      await get().expect(200);
    } finally {
      await proxy.cut().catch(() => undefined);
      await t.close().catch(() => undefined);
    }
  });
});
