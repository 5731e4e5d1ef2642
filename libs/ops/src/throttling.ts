import {
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  NestInterceptor,
  type OnModuleInit,
  type Type,
} from '@nestjs/common';
import { ModuleRef, ModulesContainer, Reflector } from '@nestjs/core';
import {
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerRequest,
} from '@nestjs/throttler';
import { ProblemError } from '@session-service/problem';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { RATE_LIMIT_MODULE_OPTIONS, type RateLimitModuleOptions } from './rate-limit.options';

/** The authenticated caller as the sessions library's guards set it (`request.user`). */
interface RequestUser {
  userId?: string;
}

/**
 * Which routes `RateLimitModule` limits: all of them (`global`), or those of
 * the controllers declared in the given modules (found once, on first use).
 */
@Injectable()
export class RateLimitScope {
  private controllers?: ReadonlySet<Type<unknown>>;

  constructor(
    @Inject(RATE_LIMIT_MODULE_OPTIONS) private readonly options: RateLimitModuleOptions,
    private readonly modules: ModulesContainer,
  ) {
    if (!options.global && !options.modules?.length) {
      throw new Error(
        'RateLimitModule: say which routes to limit: `global: true`, or `modules: [...]` (e.g. [SessionsModule])',
      );
    }
  }

  covers(controller: Type<unknown>): boolean {
    if (this.options.global) return true;
    this.controllers ??= this.find(new Set(this.options.modules));
    return this.controllers.has(controller);
  }

  private find(wanted: ReadonlySet<Type<unknown>>): ReadonlySet<Type<unknown>> {
    const found = new Set<Type<unknown>>();
    for (const module of this.modules.values()) {
      if (!wanted.has(module.metatype as Type<unknown>)) continue;
      for (const wrapper of module.controllers.values())
        found.add(wrapper.metatype as Type<unknown>);
    }
    return found;
  }
}

/** Names of the two throttlers: `@SkipThrottle({ [IP_THROTTLER]: true, [USER_THROTTLER]: true })` leaves a route out. */
export const IP_THROTTLER = 'ip';
export const USER_THROTTLER = 'user';

/** The one Problem for both limits: 429 with `Retry-After` (RFC 6585) and `retry_after`. */
function tooManyRequests(
  detail: ThrottlerLimitDetail,
  scope: 'client_address' | 'user',
): ProblemError {
  const retryAfter = Math.max(1, Math.ceil(detail.timeToBlockExpire));
  return ProblemError.fromTemplate(
    'tooManyRequests',
    scope,
    { retry_after: retryAfter },
    { 'Retry-After': String(retryAfter) },
  );
}

/**
 * A `Reflector` whose `getAllAndOverride` remembers its answer per key and
 * route (handler and class): decorators do not change once the application
 * runs. Every other method is the reflector's own.
 */
function rememberingReflector(reflector: Reflector): Reflector {
  const answers = new WeakMap<object, WeakMap<object, Map<unknown, unknown>>>();
  const remembering = Object.create(reflector) as Reflector;
  remembering.getAllAndOverride = ((key: unknown, targets: [object, object]) => {
    const [handler, classRef] = targets;
    if (targets.length !== 2 || !handler || !classRef) {
      return reflector.getAllAndOverride(key as string, targets as never);
    }
    let byClass = answers.get(handler);
    if (!byClass) answers.set(handler, (byClass = new WeakMap()));
    let byKey = byClass.get(classRef);
    if (!byKey) byClass.set(classRef, (byKey = new Map()));
    if (!byKey.has(key))
      byKey.set(key, reflector.getAllAndOverride(key as string, targets as never));
    return byKey.get(key);
  }) as Reflector['getAllAndOverride'];
  return remembering;
}

/** The rate-limit fields of draft-ietf-httpapi-ratelimit-headers (10): Structured Fields Lists. */
export const RATELIMIT_POLICY_HEADER = 'RateLimit-Policy';
export const RATELIMIT_HEADER = 'RateLimit';

/** Adds one member to a List field, after those an earlier throttler wrote. */
function appendListMember(reply: FastifyReply, name: string, member: string): void {
  const current = reply.getHeader(name);
  reply.header(name, typeof current === 'string' && current ? `${current}, ${member}` : member);
}

/**
 * One named throttler of the two: counts one budget per tracker across all
 * routes (the library's default key is per route), states its policy and what
 * is left of it in the `RateLimit-Policy` and `RateLimit` fields
 * (`"ip";q=1200;w=60` and `"ip";r=1199;t=60`: quota, window, remaining,
 * seconds until the quota resets), and answers with the 429 Problem of its
 * scope.
 */
abstract class ScopedThrottlerGuard extends ThrottlerGuard {
  protected abstract readonly throttlerName: string;
  protected abstract readonly scope: 'client_address' | 'user';
  @Inject(RateLimitScope) private readonly routes!: RateLimitScope;

  /**
   * Only this guard's own throttler: the other's route options are never
   * looked up here. Those of its own are read once per route: the library
   * looks up six decorator keys per throttler on every request.
   */
  async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    this.throttlers = this.throttlers.filter(({ name }) => name === this.throttlerName);
    (this as unknown as { reflector: Reflector }).reflector = rememberingReflector(this.reflector);
  }

  /** Routes outside the module's scope are neither counted nor given the fields. */

  protected shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(!this.routes.covers(context.getClass()));
  }

  protected async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration, getTracker, generateKey } = props;
    if (throttler.name !== this.throttlerName) return true;
    const { req, res } = this.getRequestResponse(context);
    const tracker = await getTracker(req, context);
    const key = generateKey(context, tracker, this.throttlerName);
    const record = await this.storageService.increment(
      key,
      ttl,
      limit,
      blockDuration,
      this.throttlerName,
    );
    const reply = res as unknown as FastifyReply;
    const name = JSON.stringify(this.throttlerName);
    appendListMember(
      reply,
      RATELIMIT_POLICY_HEADER,
      `${name};q=${limit};w=${Math.ceil(ttl / 1000)}`,
    );
    if (record.isBlocked) {
      const retryAfter = Math.max(1, Math.ceil(record.timeToBlockExpire));
      appendListMember(reply, RATELIMIT_HEADER, `${name};r=0;t=${retryAfter}`);
      await this.throwThrottlingException(context, { ...record, limit, ttl, key, tracker });
    }
    const remaining = Math.max(0, limit - record.totalHits);
    appendListMember(reply, RATELIMIT_HEADER, `${name};r=${remaining};t=${record.timeToExpire}`);
    return true;
  }

  protected generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `${name}-${tracker}`;
  }

  protected throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw tooManyRequests(detail, this.scope);
  }
}

/**
 * Per client IP, before authentication. The IP is Fastify's `request.ip`, which
 * honours `X-Forwarded-For` only from proxies trusted by `TRUST_PROXY`, so a
 * client cannot pick its own address.
 */
@Injectable()
export class IpThrottlerGuard extends ScopedThrottlerGuard {
  protected readonly throttlerName = IP_THROTTLER;
  protected readonly scope = 'client_address';

  protected getTracker(req: Record<string, unknown>): Promise<string> {
    return Promise.resolve(`ip:${String((req as unknown as FastifyRequest).ip)}`);
  }
}

/** Per authenticated user; runs as an interceptor, after the JWT guard has set `req.user`. */
@Injectable()
export class UserThrottlerGuard extends ScopedThrottlerGuard {
  protected readonly throttlerName = USER_THROTTLER;
  protected readonly scope = 'user';

  protected async shouldSkip(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<FastifyRequest & { user?: RequestUser }>();
    return !req.user || (await super.shouldSkip(context));
  }

  protected getTracker(req: Record<string, unknown>): Promise<string> {
    const user = (req as { user?: RequestUser }).user;
    return Promise.resolve(`user:${user?.userId ?? ''}`);
  }
}

/** The per-user limit's guard, made for a module's own use (it is no provider of its own). */
async function userThrottler(moduleRef: ModuleRef): Promise<UserThrottlerGuard> {
  const guard = await moduleRef.create(UserThrottlerGuard);
  await guard.onModuleInit();
  return guard;
}

/** The per-user limit after all of a route's guards (`userLimitIn: 'interceptor'`). */
@Injectable()
export class UserThrottlerInterceptor implements NestInterceptor, OnModuleInit {
  private guard!: UserThrottlerGuard;

  constructor(private readonly moduleRef: ModuleRef) {}

  async onModuleInit(): Promise<void> {
    this.guard = await userThrottler(this.moduleRef);
  }

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    if (context.getType() === 'http') await this.guard.canActivate(context);
    return next.handle();
  }
}

/**
 * The token under which `@session-service/auth`'s `AccessGrantedGuard` looks
 * for its handler: the same registered symbol, so neither package depends on
 * the other.
 */
export const ACCESS_GRANTED_HANDLER = Symbol.for('@session-service/auth:access-granted-handler');

/**
 * The per-user limit inside the access guards of `@session-service/auth`
 * (`userLimitIn: 'access-guards'`): run once a request has passed them.
 */
@Injectable()
export class UserLimitOnAccess implements OnModuleInit {
  private guard!: UserThrottlerGuard;

  constructor(private readonly moduleRef: ModuleRef) {}

  async onModuleInit(): Promise<void> {
    this.guard = await userThrottler(this.moduleRef);
  }

  async accessGranted(context: ExecutionContext): Promise<void> {
    await this.guard.canActivate(context);
  }
}
