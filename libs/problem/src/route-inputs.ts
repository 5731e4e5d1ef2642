import {
  type ArgumentMetadata,
  type CanActivate,
  type ExecutionContext,
  Injectable,
  type PipeTransform,
  type Type,
} from '@nestjs/common';
import { PARAMTYPES_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { ModuleRef } from '@nestjs/core';
import { assertUtf8RawBody } from './body-errors';
import { ProblemValidationPipe } from './validation';

/** The arguments whose input the library checks itself, and where a request carries each. */
const CHECKED: Partial<Record<RouteParamtypes, ArgumentMetadata['type']>> = {
  [RouteParamtypes.BODY]: 'body',
  [RouteParamtypes.QUERY]: 'query',
  [RouteParamtypes.PARAM]: 'param',
};

/** Types a host's ValidationPipe passes through unchecked; only DTO classes are checked. */
const PLAIN_TYPES: readonly unknown[] = [String, Boolean, Number, Array, Object, Buffer, Date];

interface RouteArgument {
  index: number;
  data?: string;
  pipes?: (Type<PipeTransform> | PipeTransform)[];
}

/** One argument of a route that the input check covers, and the pipes it runs. */
export interface CheckedArgument {
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
 * A route's DTO arguments (body, query, path) checked with the library's own
 * rules, whatever pipes ran or did not run before: an argument with pipes of
 * its own (such as the sign-in body's) is checked by those, every other one
 * by the library's validation pipe. The results are dropped; the check only
 * refuses, with the pipes' own errors.
 */
export class RouteInputs {
  private readonly validation = new ProblemValidationPipe();
  /** The checked arguments of each route, by handler and then class. */
  private readonly routes = new Map<unknown, Map<unknown, readonly CheckedArgument[]>>();

  /** `moduleRef` resolves pipes given as classes; without it, each is constructed. */
  constructor(private readonly moduleRef?: ModuleRef) {}

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
    if (typeof pipe !== 'function') return pipe;
    return this.moduleRef?.get(pipe, { strict: false }) ?? new pipe();
  }
}

/** Where `ProblemRouteGuard` leaves the route a request is for. */
const PROBLEM_ROUTE = Symbol('problem route');
/** Nest's mark on a request its pipes refused (`@nestjs/core`, since 12.4), read where it is kept. */
const REJECTED_BY_PIPES = Symbol.for('nestjs:rejected-by-pipes');

type RouteCarrier = { [PROBLEM_ROUTE]?: ExecutionContext; [REJECTED_BY_PIPES]?: boolean };

/**
 * Notes on the request which route of `@ProblemResponses()` it is for, and
 * refuses a body whose raw bytes (kept with `rawBody: true`) are not UTF-8;
 * it costs one property per request and, with no raw body, nothing else. When a
 * pipe then refuses the request (an application's global pipe runs before
 * the route's own), the Problem filter checks the input with the library's
 * rules and answers their 400, naming each field (`routeRefusedByPipes`).
 */
@Injectable()
export class ProblemRouteGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() === 'http') {
      const request = context.getArgByIndex<RouteCarrier>(0);
      request[PROBLEM_ROUTE] = context;
      assertUtf8RawBody(request);
    }
    return true;
  }
}

/**
 * The route of `@ProblemResponses()` whose pipes refused `req` (so its
 * handler never ran); undefined for any other request or error.
 */
export function routeRefusedByPipes(req: unknown): ExecutionContext | undefined {
  if (typeof req !== 'object' || req === null) return undefined;
  const carrier = req as RouteCarrier;
  return carrier[REJECTED_BY_PIPES] === true ? carrier[PROBLEM_ROUTE] : undefined;
}
