import { AsyncResource } from 'node:async_hooks';
import { Controller, Get, Query } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { Test } from '@nestjs/testing';
import { IsInt, Min } from 'class-validator';
import { Type } from 'class-transformer';
import { firstValueFrom, defer } from 'rxjs';
import { ProblemRouteInterceptor } from './problem-responses.decorator';
import { currentRequestContext, requestContext } from './request-id.middleware';

class PageQuery {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page!: number;
}

@Controller()
class Routes {
  @Get()
  list(@Query() query: PageQuery): PageQuery {
    return query;
  }
}

async function interceptor(): Promise<ProblemRouteInterceptor> {
  const module = await Test.createTestingModule({ providers: [ProblemRouteInterceptor] }).compile();
  return module.get(ProblemRouteInterceptor);
}

function contextFor(req: object): ExecutionContextHost {
  const context = new ExecutionContextHost([req, {}], Routes, Routes.prototype.list);
  context.setType('http');
  return context;
}

describe('ProblemRouteInterceptor', () => {
  it('runs the handler, and what it starts, in the request context', async () => {
    const req = { headers: { 'x-request-id': 'req-route-1' }, query: { page: '2' } };
    let seen: string | undefined;
    // As Nest's own: `handle()` binds the handler to the async scope it is called in.
    const handler = {
      handle: () =>
        defer(
          AsyncResource.bind(async () => {
            await new Promise((resolve) => setTimeout(resolve, 1));
            seen = currentRequestContext()?.requestId;
            return 'done';
          }),
        ),
    };
    const result = await (await interceptor()).intercept(contextFor(req), handler);
    expect(await firstValueFrom(result)).toBe('done');
    expect(seen).toBe('req-route-1');
    expect(requestContext(req).requestId).toBe('req-route-1');
    expect(currentRequestContext()).toBeUndefined();
  });

  it("refuses a route's invalid input before the handler is called", async () => {
    const req = { headers: {}, query: { page: '0' } };
    let called = false;
    const handler = {
      handle: () => {
        called = true;
        return defer(() => Promise.resolve('done'));
      },
    };
    await expect(
      Promise.resolve((await interceptor()).intercept(contextFor(req), handler)),
    ).rejects.toMatchObject({ status: 400 });
    expect(called).toBe(false);
  });
});
