import {
  applyDecorators,
  type CallHandler,
  createParamDecorator,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  UseFilters,
  UseGuards,
  UsePipes,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { ProblemExceptionFilter } from './problem.filter';
import {
  type HttpRequest,
  type RequestContext,
  requestContext,
  runInRequestContext,
} from './request-id.middleware';
import { ProblemRouteGuard, RouteInputs } from './route-inputs';
import { ProblemValidationPipe } from './validation';

/**
 * Checks a route's DTO arguments (body, query, path) with the library's own
 * rules before any pipe runs, for a host that wants them checked ahead of
 * its global pipes on routes of its own. The library's routes do not need
 * it: `@ProblemResponses()` answers the same 400 when a global pipe refuses
 * their input first (see `ProblemRouteGuard`), and otherwise costs one property
 * set per request.
 */
@Injectable()
export class ProblemInputsInterceptor implements NestInterceptor {
  private readonly inputs: RouteInputs;

  constructor(moduleRef: ModuleRef) {
    this.inputs = new RouteInputs(moduleRef);
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() === 'http') await this.inputs.check(context);
    return next.handle();
  }
}

/**
 * The request's ids (request id, trace id, span id) as a route argument: the
 * library's writing routes hand them down to the statements whose audit
 * events record them.
 */
export const RequestIds = createParamDecorator(
  (_data: unknown, context: ExecutionContext): RequestContext =>
    requestContext(context.getArgByIndex<HttpRequest>(0)),
);

/**
 * Makes the request's context (request id, trace id) the current one while
 * the route's handler runs, and in all it starts, so code below it that is
 * not handed the ids reads them with `currentRequestContext()`. For a host's
 * own routes that call the library's services without passing `RequestIds`:
 * the audit events of what they write then record the request's ids too.
 */
export class RequestContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<HttpRequest>();
    // `handle()` binds the handler's async scope where it is called: inside the run.
    return runInRequestContext(requestContext(req), () => next.handle());
  }
}

/**
 * A controller whose errors are Problems whatever the application around it
 * does: the Problem filter (also for its guards' 401 and 403), the library's
 * validation pipe, and its 400 naming each field even when an application's
 * global pipe refuses the input first (`ProblemRouteGuard`). No interceptor:
 * a route's handler runs as Nest calls it. The libraries' controllers carry
 * it; a host can put it on its own.
 */
export function ProblemResponses(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseFilters(ProblemExceptionFilter),
    UseGuards(ProblemRouteGuard),
    UsePipes(new ProblemValidationPipe()),
  );
}
