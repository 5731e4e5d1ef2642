import {
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  NestInterceptor,
  type OnModuleInit,
  type Type,
} from '@nestjs/common';
import { ModuleRef, ModulesContainer } from '@nestjs/core';
import {
  type Resolvable,
  type ThrottlerGenerateKeyFunction,
  type ThrottlerGetTrackerFunction,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerOptions,
  type ThrottlerRequest,
} from '@nestjs/throttler';
// The metadata keys of `@Throttle()` and `@SkipThrottle()` (the package exports no constants).
import {
  THROTTLER_BLOCK_DURATION,
  THROTTLER_KEY_GENERATOR,
  THROTTLER_LIMIT,
  THROTTLER_SKIP,
  THROTTLER_TRACKER,
  THROTTLER_TTL,
} from '@nestjs/throttler/dist/throttler.constants';
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

/** The numbers a throttler applies to a request. */
interface Quota {
  limit: number;
  ttl: number;
  blockDuration: number;
}

/** What one throttler applies to one route, read from its decorators once. */
interface RouteLimit {
  /** Outside the module's scope, or `@SkipThrottle()` for this throttler. */
  skip: boolean;
  /** The numbers when none of them is a function of the request (the usual case). */
  quota?: Quota;
  limit: Resolvable<number>;
  ttl: Resolvable<number>;
  blockDuration?: Resolvable<number>;
  getTracker: ThrottlerGetTrackerFunction;
  generateKey: ThrottlerGenerateKeyFunction;
}

/** A number option as the library accepts it: a number, or a numeric string. */
function optionNumber(value: unknown, option: string, throttler: string): number {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || Number.isNaN(number)) {
    throw new Error(
      `Invalid "${option}" for the "${throttler}" throttler: expected a number, got ${JSON.stringify(value)}.`,
    );
  }
  return number;
}

/**
 * A route's numbers, its options resolved for `context` as the library does;
 * without a context, `undefined` when one of them is a function of the request.
 */
function quotaOf(route: RouteLimit, throttler: string): Quota | undefined;
function quotaOf(route: RouteLimit, throttler: string, context: ExecutionContext): Promise<Quota>;
function quotaOf(
  route: RouteLimit,
  throttler: string,
  context?: ExecutionContext,
): Quota | undefined | Promise<Quota> {
  const { limit, ttl, blockDuration = ttl } = route;
  if (context) {
    const resolve = async (option: Resolvable<number>) =>
      typeof option === 'function' ? option(context) : option;
    return Promise.all([resolve(limit), resolve(ttl), resolve(blockDuration)]).then((values) =>
      numbers(values, throttler),
    );
  }
  const values = [limit, ttl, blockDuration];
  return values.some((value) => typeof value === 'function')
    ? undefined
    : numbers(values, throttler);
}

function numbers([limit, ttl, blockDuration]: unknown[], throttler: string): Quota {
  return {
    limit: optionNumber(limit, 'limit', throttler),
    ttl: optionNumber(ttl, 'ttl', throttler),
    blockDuration: optionNumber(blockDuration, 'blockDuration', throttler),
  };
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
 *
 * The library's `canActivate` reads six decorator keys and awaits three
 * values on every request; here a route's options are read once (decorators
 * do not change once the application runs), and only options given as
 * functions (`@Throttle({ user: { limit: (context) => ... } })`) are
 * evaluated per request.
 */
abstract class ScopedThrottlerGuard extends ThrottlerGuard {
  protected abstract readonly throttlerName: string;
  protected abstract readonly scope: 'client_address' | 'user';
  @Inject(RateLimitScope) private readonly scopeOfRoutes!: RateLimitScope;
  /** This guard's own throttler; the other's options are never looked at. */
  private throttler?: ThrottlerOptions;
  /** The throttler's name as a Structured Fields String (`"ip"`). */
  private quotedName = '';
  /** Each route's options, by handler and then class. */
  private readonly routeLimits = new Map<unknown, Map<unknown, RouteLimit>>();

  async onModuleInit(): Promise<void> {
    await super.onModuleInit();
    this.throttler = this.throttlers.find(({ name }) => name === this.throttlerName);
    this.quotedName = JSON.stringify(this.throttlerName);
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const throttler = this.throttler;
    if (!throttler || this.skipsRequest(context)) return true;
    const route = this.routeLimit(context, throttler);
    if (route.skip) return true;
    const skipIf = throttler.skipIf ?? this.commonOptions.skipIf;
    if (skipIf?.(context)) return true;
    const quota = route.quota ?? (await quotaOf(route, this.throttlerName, context));
    return this.handleRequest({
      context,
      ...quota,
      throttler,
      getTracker: route.getTracker,
      generateKey: route.generateKey,
    });
  }

  /** Whether this request is left alone whatever its route (the per-user limit: no user). */
  protected skipsRequest(_context: ExecutionContext): boolean {
    return false;
  }

  private routeLimit(context: ExecutionContext, throttler: ThrottlerOptions): RouteLimit {
    const handler = context.getHandler();
    const classRef = context.getClass();
    let byClass = this.routeLimits.get(handler);
    if (!byClass) this.routeLimits.set(handler, (byClass = new Map<unknown, RouteLimit>()));
    const known = byClass.get(classRef);
    if (known) return known;
    const read = <T>(key: string): T | undefined =>
      this.reflector.getAllAndOverride<T | undefined>(key + this.throttlerName, [
        handler,
        classRef,
      ]);
    const route: RouteLimit = {
      skip: !this.scopeOfRoutes.covers(classRef) || Boolean(read<boolean>(THROTTLER_SKIP)),
      limit: read<Resolvable<number>>(THROTTLER_LIMIT) ?? throttler.limit,
      ttl: read<Resolvable<number>>(THROTTLER_TTL) ?? throttler.ttl,
      blockDuration: read<Resolvable<number>>(THROTTLER_BLOCK_DURATION) ?? throttler.blockDuration,
      getTracker:
        read<ThrottlerGetTrackerFunction>(THROTTLER_TRACKER) ??
        throttler.getTracker ??
        this.commonOptions.getTracker!,
      generateKey:
        read<ThrottlerGenerateKeyFunction>(THROTTLER_KEY_GENERATOR) ??
        throttler.generateKey ??
        this.commonOptions.generateKey!,
    };
    route.quota = quotaOf(route, this.throttlerName);
    byClass.set(classRef, route);
    return route;
  }

  /** The request and reply of the HTTP context, without a `switchToHttp()` object per call. */
  protected override getRequestResponse(context: ExecutionContext): {
    req: Record<string, unknown>;
    res: Record<string, unknown>;
  } {
    return { req: context.getArgByIndex(0), res: context.getArgByIndex(1) };
  }

  protected async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, blockDuration, getTracker, generateKey } = props;
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
    const name = this.quotedName;
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

  protected override skipsRequest(context: ExecutionContext): boolean {
    return !context.getArgByIndex<{ user?: RequestUser }>(0).user;
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
