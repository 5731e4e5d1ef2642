import {
  applyDecorators,
  type ArgumentsHost,
  Catch,
  type CanActivate,
  ConfigurableModuleBuilder,
  type ExceptionFilter,
  type ExecutionContext,
  HttpException,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { RevocationGateOptions } from './options';
import {
  bearerChallenge,
  type GatewayProblem,
  PROBLEM_CONTENT_TYPE,
  type RefusalReason,
} from './problem';
import { RevocationGate } from './revocation-gate';

export const {
  ConfigurableModuleClass: ConfigurableGatewayModule,
  MODULE_OPTIONS_TOKEN: GATEWAY_MODULE_OPTIONS,
  OPTIONS_TYPE: GATEWAY_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: GATEWAY_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<RevocationGateOptions>().setClassMethodName('forRoot').build();

/** A refusal of the gate: its Problem, rendered by `GatewayProblemFilter`. */
export class GatewayRefusalException extends HttpException {
  constructor(
    readonly problem: GatewayProblem,
    readonly reason: RefusalReason = 'token_invalid',
  ) {
    super(problem, problem.status);
  }
}

/**
 * Renders a refusal as `application/problem+json` (with `WWW-Authenticate`
 * on a 401), on the Express and the Fastify platforms alike. Scoped by
 * `@RequireSession()` to the routes it guards, never global.
 */
@Catch(GatewayRefusalException)
export class GatewayProblemFilter implements ExceptionFilter<GatewayRefusalException> {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: GatewayRefusalException, host: ArgumentsHost): void {
    const adapter = this.adapterHost.httpAdapter;
    const response: unknown = host.switchToHttp().getResponse();
    const { problem, reason } = exception;
    adapter.setHeader(response, 'content-type', PROBLEM_CONTENT_TYPE);
    if (problem.status === 401) {
      adapter.setHeader(response, 'www-authenticate', bearerChallenge(reason));
    }
    if (problem.status === 503) adapter.setHeader(response, 'retry-after', '1');
    adapter.reply(response, problem, problem.status);
  }
}

/**
 * Lets a request through when its bearer token verifies locally and its
 * session is not revoked; leaves `{ sessionId, claims }` on `request.gatewaySession`.
 */
@Injectable()
export class RevocationGuard implements CanActivate {
  constructor(private readonly gate: RevocationGate) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<{
      headers: Record<string, string | string[] | undefined>;
      gatewaySession?: unknown;
    }>();
    const header = request.headers.authorization;
    const decision = await this.gate.check(Array.isArray(header) ? header[0] : header);
    if (!decision.allowed) throw new GatewayRefusalException(decision.problem, decision.reason);
    request.gatewaySession = { sessionId: decision.sessionId, claims: decision.claims };
    return true;
  }
}

/** The guard and its Problem rendering on a controller or a route. */
export const RequireSession = (): MethodDecorator & ClassDecorator =>
  applyDecorators(UseGuards(RevocationGuard), UseFilters(GatewayProblemFilter));

/**
 * `GatewayModule.forRoot(options)` or `.forRootAsync({ useFactory, inject })`:
 * provides the `RevocationGate` (started when the module initialises, without
 * holding the application's start: until it is current, requests count as
 * stale), `RevocationGuard` and `GatewayProblemFilter`; stopped at shutdown.
 */
@Module({
  providers: [
    {
      provide: RevocationGate,
      inject: [GATEWAY_MODULE_OPTIONS],
      useFactory: (options: RevocationGateOptions) => new RevocationGate(options),
    },
    RevocationGuard,
    GatewayProblemFilter,
  ],
  exports: [RevocationGate, RevocationGuard, GatewayProblemFilter],
})
export class GatewayModule
  extends ConfigurableGatewayModule
  implements OnModuleInit, OnApplicationShutdown
{
  constructor(@Inject(RevocationGate) private readonly gate: RevocationGate) {
    super();
  }

  onModuleInit(): void {
    void this.gate.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.gate.stop();
  }
}

export { RevocationGate };
