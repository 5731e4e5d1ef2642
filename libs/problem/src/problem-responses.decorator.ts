import {
  type ArgumentMetadata,
  applyDecorators,
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  type PipeTransform,
  type Type,
  UseFilters,
  UseInterceptors,
  UsePipes,
} from '@nestjs/common';
import { PARAMTYPES_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ModuleRef } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { ProblemExceptionFilter } from './problem.filter';
import { type HttpRequest, requestContext, runInRequestContext } from './request-id.middleware';
import { ProblemValidationPipe } from './validation';

/** The arguments whose input the library checks itself, and where a request carries each. */
const CHECKED: Partial<Record<RouteParamtypes, ArgumentMetadata['type']>> = {
  [RouteParamtypes.BODY]: 'body',
  [RouteParamtypes.QUERY]: 'query',
  [RouteParamtypes.PARAM]: 'param',
};

/** Types a host's ValidationPipe passes through unchecked; only DTO classes are checked first. */
const PLAIN_TYPES: readonly unknown[] = [String, Boolean, Number, Array, Object, Buffer, Date];

interface RouteArgument {
  index: number;
  data?: string;
  pipes?: (Type<PipeTransform> | PipeTransform)[];
}

/** One argument of a route that the input check covers, and the pipes it runs. */
interface CheckedArgument {
  type: ArgumentMetadata['type'];
  data?: string;
  metadata: ArgumentMetadata;
  pipes: (Type<PipeTransform> | PipeTransform)[];
}

interface InputRequest {
  body?: Record<string, unknown>;
  query?: Record<string, unknown>;
  params?: Record<string, unknown>;
}

/**
 * Checks a library route's DTO arguments (body, query, path) with the
 * library's own rules before any pipe runs. Nest runs an application's global
 * pipes before a controller's own, so without this a host's global
 * ValidationPipe would refuse a bad `page` first, in its own words; with it
 * the route answers its 400 Problem naming each field. An argument with pipes
 * of its own (such as the sign-in body's) is checked by those; the results are
 * dropped, the controller's pipes make the handler's arguments as usual.
 */
@Injectable()
export class ProblemInputsInterceptor implements NestInterceptor {
  private readonly validation = new ProblemValidationPipe();
  /** The checked arguments of each route, by handler and then class. */
  private readonly routes = new Map<unknown, Map<unknown, readonly CheckedArgument[]>>();

  constructor(private readonly moduleRef: ModuleRef) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() === 'http') await this.check(context);
    return next.handle();
  }

  /** Checks the route's DTO arguments of this request (see the class). */
  async check(context: ExecutionContext, route = this.checkedArguments(context)): Promise<void> {
    const req = context.getArgByIndex<InputRequest>(0);
    for (const { type, data, metadata, pipes } of route) {
      const source = type === 'body' ? req.body : type === 'query' ? req.query : req.params;
      let value: unknown = data === undefined ? source : source?.[data];
      // The library's own rules only refuse here: the value the route receives is the pipes' own.
      if (pipes.length === 1 && pipes[0] === this.validation) {
        await this.validation.check(value, metadata);
        continue;
      }
      for (const pipe of pipes) value = await this.instance(pipe).transform(value, metadata);
    }
  }

  /**
   * The arguments of the route that the check covers, read from its metadata
   * once per route (handler and class): decorators do not change once the
   * application runs.
   */
  checkedArguments(context: ExecutionContext): readonly CheckedArgument[] {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byClass = this.routes.get(handler);
    if (!byClass)
      this.routes.set(handler, (byClass = new Map<unknown, readonly CheckedArgument[]>()));
    let route = byClass.get(controller);
    if (!route) {
      route = this.readCheckedArguments(controller, handler.name);
      byClass.set(controller, route);
    }
    return route;
  }

  private readCheckedArguments(controller: Type, method: string): CheckedArgument[] {
    const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<
      string,
      RouteArgument
    >;
    const types = (Reflect.getMetadata(
      PARAMTYPES_METADATA,
      controller.prototype as object,
      method,
    ) ?? []) as unknown[];
    const checked: CheckedArgument[] = [];
    for (const [key, argument] of Object.entries(args)) {
      const type = CHECKED[Number(key.split(':')[0]) as RouteParamtypes];
      const metatype = types[argument.index] as Type | undefined;
      if (!type || !metatype || PLAIN_TYPES.includes(metatype)) continue;
      checked.push({
        type,
        data: argument.data,
        metadata: { type, metatype, data: argument.data },
        pipes: argument.pipes?.length ? argument.pipes : [this.validation],
      });
    }
    return checked;
  }

  private instance(pipe: Type<PipeTransform> | PipeTransform): PipeTransform {
    return typeof pipe === 'function' ? this.moduleRef.get(pipe, { strict: false }) : pipe;
  }
}

/**
 * Makes the request's context (request id, trace id) the current one while
 * the route's handler runs, and in all it starts, so the code below it (the
 * SQL that records audit events) reads it with `currentRequestContext()`
 * instead of being handed the request: no request-scoped provider.
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
 * `RequestContextInterceptor` and `ProblemInputsInterceptor` in one: the
 * input check runs in the request's context, as does everything the handler
 * starts. One interceptor rather than two, because each is a layer of RxJS
 * pipeline on every request of the route.
 */
@Injectable()
export class ProblemRouteInterceptor implements NestInterceptor {
  private readonly inputs: ProblemInputsInterceptor;

  constructor(moduleRef: ModuleRef) {
    this.inputs = new ProblemInputsInterceptor(moduleRef);
  }

  intercept(
    context: ExecutionContext,
    next: CallHandler,
  ): Observable<unknown> | Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.getArgByIndex<HttpRequest>(0);
    const route = this.inputs.checkedArguments(context);
    // `handle()` binds the handler's async scope where it is called: inside the run.
    if (route.length === 0) return runInRequestContext(requestContext(req), () => next.handle());
    return runInRequestContext(requestContext(req), async () => {
      await this.inputs.check(context, route);
      return next.handle();
    });
  }
}

/**
 * A controller whose errors are Problems whatever the application around it
 * does: the Problem filter (also for its guards' 401 and 403), the library's
 * validation pipe, its input check ahead of any global pipe, and the
 * request's context for the code below the handler. The
 * libraries' controllers carry it; a host can put it on its own.
 */
export function ProblemResponses(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    UseFilters(ProblemExceptionFilter),
    UseInterceptors(ProblemRouteInterceptor),
    UsePipes(new ProblemValidationPipe()),
  );
}
