import { Controller, Get, Injectable, type ExecutionContext } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { Test } from '@nestjs/testing';
import {
  ACCESS_GRANTED_HANDLER,
  AccessGrantedGuard,
  type AccessGrantedHandler,
} from './access-granted.guard';

@Controller()
class Routes {
  @Get()
  list(): void {}
}

@Injectable()
class RecordingHandler implements AccessGrantedHandler {
  readonly seen: object[] = [];
  refuse?: Error;

  accessGranted(context: ExecutionContext): void {
    this.seen.push(context.switchToHttp().getRequest<object>());
    if (this.refuse) throw this.refuse;
  }
}

function httpContext(req: object, type = 'http'): ExecutionContext {
  const context = new ExecutionContextHost([req, {}], Routes, Routes.prototype.list);
  context.setType(type);
  return context;
}

async function guardWith(handler?: RecordingHandler): Promise<AccessGrantedGuard> {
  const module = await Test.createTestingModule({
    providers: [
      AccessGrantedGuard,
      ...(handler ? [{ provide: ACCESS_GRANTED_HANDLER, useValue: handler }] : []),
    ],
  }).compile();
  return module.get(AccessGrantedGuard);
}

describe('AccessGrantedGuard', () => {
  it('runs the handler once per request, however many access decorators the route stacks', async () => {
    const handler = new RecordingHandler();
    const guard = await guardWith(handler);
    const first = {};
    const second = {};
    expect(await guard.canActivate(httpContext(first))).toBe(true);
    expect(await guard.canActivate(httpContext(first))).toBe(true);
    expect(await guard.canActivate(httpContext(second))).toBe(true);
    expect(handler.seen).toEqual([first, second]);
    expect(handler.seen[0]).toBe(first);
    expect(handler.seen[1]).toBe(second);
  });

  it("lets the handler's refusal through as the request's error", async () => {
    const handler = new RecordingHandler();
    handler.refuse = new Error('too many requests');
    const guard = await guardWith(handler);
    await expect(guard.canActivate(httpContext({}))).rejects.toThrow('too many requests');
  });

  it('only lets the request through without a handler, and leaves other transports alone', async () => {
    expect(await (await guardWith()).canActivate(httpContext({}))).toBe(true);
    const handler = new RecordingHandler();
    const guard = await guardWith(handler);
    expect(await guard.canActivate(httpContext({}, 'rpc'))).toBe(true);
    expect(handler.seen).toEqual([]);
  });

  it('shares its token with packages that do not import it (a registered symbol)', () => {
    expect(ACCESS_GRANTED_HANDLER).toBe(Symbol.for('@session-service/auth:access-granted-handler'));
  });
});
