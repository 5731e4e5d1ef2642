import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  Optional,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import {
  AmbiguousCredentialsError,
  AuthenticationError,
  isDatabaseUnavailable,
  isStatementTimeout,
} from '@session-service/problem';
import type { HttpRequest as Request } from './http-request';
import {
  AUTH_OBSERVER,
  type AuthObserver,
  notify,
  type VerifyFailureReason,
} from './auth-observer';
import { AUTH_MODULE_OPTIONS } from './auth.module-definition';
import {
  type AuthModuleOptions,
  resolveAuthOptions,
  type ResolvedClaimPaths,
} from './auth.options';
import type { AuthenticatedUser } from './authenticated-user';
import { type CredentialsRequest, readBearerCredentials } from './bearer-credentials';
import {
  callerFromClaims,
  InvalidTokenClaimsError,
  JwtStrategy,
  SESSIONS_JWT_STRATEGY,
  SubjectResolverLookup,
  type TokenClaims,
  userIdFromClaims,
} from './jwt.strategy';
import { readClaim } from './claim-path';
import { TokenKeyError } from './jwks-key.provider';
import { SessionStateLookup } from './session-state.port';

const BEARER_SCHEME_PREFIX = /^bearer(\s|$)/i;

type CallerRequest = Request & { user?: unknown };

/**
 * Authenticates the bearer token with the library's strategy, or with the
 * host application's own passport strategy (`hostStrategy`), whose user is
 * then mapped to the caller and held to the same rules: a canonical user id,
 * and a session (if it names one) that is still active. Every failure
 * (missing, malformed, expired, not yet valid, wrongly signed, `alg: none`,
 * missing claims, revoked session) becomes the same 401 Problem: the response
 * never says which check failed.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly passport: CanActivate;
  /** The library's own strategy, verified without passport's per-request machinery. */
  private readonly strategy?: JwtStrategy;
  private readonly sessions: SessionStateLookup;
  private readonly subjects: SubjectResolverLookup;
  private readonly host?: {
    toUser?: (user: unknown) => AuthenticatedUser | undefined;
    claimPaths: ResolvedClaimPaths;
    /** `userIdClaim` was given: the user id is read there, not from `userId`, `sub` or `id`. */
    userIdClaimSet: boolean;
  };

  constructor(
    @Inject(AUTH_MODULE_OPTIONS) options: AuthModuleOptions,
    moduleRef: ModuleRef,
    @Optional() @Inject(JwtStrategy) strategy?: JwtStrategy | null,
    @Optional() @Inject(AUTH_OBSERVER) private readonly observer?: AuthObserver,
  ) {
    const resolved = resolveAuthOptions(options);
    const handle = this.handleRequest.bind(this);
    // Passport's guard for this module's strategy, answering failures with Problems.
    const PassportGuard = AuthGuard(
      resolved.hostStrategy ?? strategy?.passportName ?? SESSIONS_JWT_STRATEGY,
    );
    this.passport = new (class extends PassportGuard {
      handleRequest<TUser>(
        err: unknown,
        user: TUser | false,
        info: unknown,
        ctx: ExecutionContext,
      ) {
        return handle(err, user, info, ctx);
      }
    })();
    if (!resolved.hostStrategy && strategy) this.strategy = strategy;
    if (resolved.hostStrategy) {
      this.host = {
        toUser: resolved.toUser,
        claimPaths: resolved.claimPaths,
        userIdClaimSet: options.userIdClaim !== undefined,
      };
    }
    this.sessions = new SessionStateLookup(moduleRef);
    this.subjects = new SubjectResolverLookup(moduleRef);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Read strictly before any strategy runs, the host's included: two Authorization headers
    // are ambiguous (400 invalid_request, RFC 6750 section 3.1), and a Bearer credential that
    // is not exactly one token (trailing text, a second token, a `crit` the service does not
    // understand) is refused like any other bad token.
    const credentials = readBearerCredentials(
      context.switchToHttp().getRequest<CredentialsRequest>(),
    );
    if (credentials.kind === 'ambiguous') throw new AmbiguousCredentialsError();
    if (credentials.kind === 'malformed') {
      this.handleRequest(null, false, new MalformedCredentialsError(), context);
    }
    if (this.strategy) {
      // The library's strategy, run as passport runs it: a missing or refused token is a
      // failure (`info`), an error of the claims checks (the session check) an error.
      if (credentials.kind !== 'token') return this.handleRequest(null, false, undefined, context);
      let claims: TokenClaims;
      try {
        claims = await this.strategy.verifyToken(credentials.token);
      } catch (refused) {
        return this.handleRequest(null, false, refused, context);
      }
      const req = context.switchToHttp().getRequest<CallerRequest>();
      try {
        req.user = await this.strategy.validate(claims);
      } catch (error) {
        // A claim the checks refuse is a 401; anything else (the session check's database
        // failing, a bug) is a fault the filter answers as such, never blamed on the token.
        if (!(error instanceof InvalidTokenClaimsError)) throw error;
        this.handleRequest(error, false, undefined, context);
      }
      return true;
    }
    await this.passport.canActivate(context);
    if (this.host) {
      const req = context.switchToHttp().getRequest<CallerRequest>();
      try {
        req.user = await this.callerOfHost(req.user);
      } catch (error) {
        this.handleRequest(error, false, undefined, context);
      }
    }
    return true;
  }

  handleRequest<TUser = AuthenticatedUser>(
    err: unknown,
    user: TUser | false,
    info: unknown,
    context: ExecutionContext,
  ): TUser {
    // The session check could not reach the database, or its statement ran past
    // statement_timeout: a 503, never a pass and never a misleading 401.
    if (isDatabaseUnavailable(err) || isStatementTimeout(err)) throw err;
    if (err || !user) {
      const req = context.switchToHttp().getRequest<Request>();
      // RFC 6750 section 3.1: another scheme (Basic, Token, ...) is no bearer token; no error code.
      const presented = BEARER_SCHEME_PREFIX.test(req.headers.authorization ?? '');
      // Only presented tokens count as refused; the reason is for metrics, never for the client.
      if (presented) notify(this.observer, 'verifyFailed', verifyFailureReason(err ?? info));
      throw AuthenticationError.refuse(
        presented ? 'The bearer token was not accepted' : 'A bearer token is required',
        presented,
      );
    }
    return user;
  }

  /**
   * The caller behind the host strategy's user: mapped by `toUser`, or read
   * like token claims (the user id at `userIdClaim`, by default `userId`,
   * `sub` or `id`; a user id that is not an integer is resolved through the
   * subject mappings like a token's, by `iss` and `sub`).
   */
  private async callerOfHost(user: unknown): Promise<AuthenticatedUser> {
    const { toUser, claimPaths, userIdClaimSet } = this.host!;
    if (toUser) {
      const mapped = toUser(user);
      if (!mapped) throw new InvalidTokenClaimsError('the host user maps to no caller');
      const claims = { roles: mapped.roles, sid: mapped.sessionId };
      return callerFromClaims(
        claims,
        mapped.userId,
        { roles: [['roles']], session: ['sid'] },
        this.sessions,
      );
    }
    if (typeof user !== 'object' || user === null) {
      throw new InvalidTokenClaimsError('the host user is not an object');
    }
    const claims = user as Record<string, unknown>;
    const direct = userIdClaimSet
      ? readClaim(claims, claimPaths.userId)
      : (claims.userId ?? claims.sub ?? claims.id);
    const userId = await userIdFromClaims(claims, direct, this.subjects);
    return callerFromClaims(claims, userId, claimPaths, this.sessions);
  }
}

/** A Bearer credential that is not exactly one token (refused before any strategy runs). */
class MalformedCredentialsError extends Error {}

/**
 * Why a presented token was refused, from the error the strategy (passport-jwt,
 * jsonwebtoken, the key provider or the claims checks) raised. The response
 * never says; this is for metrics only.
 */
export function verifyFailureReason(error: unknown): VerifyFailureReason {
  if (error instanceof MalformedCredentialsError) return 'malformed';
  if (error instanceof TokenKeyError) return error.reason;
  if (error instanceof InvalidTokenClaimsError) {
    return /session is not active/.test(error.message) ? 'session' : 'claims';
  }
  if (!(error instanceof Error)) return 'malformed';
  // jsonwebtoken's errors, by name: passport-jwt may load its own copy of the library.
  switch (error.name) {
    case 'TokenExpiredError':
      return 'expired';
    case 'NotBeforeError':
      return 'claims';
    case 'JsonWebTokenError':
      if (/signature|algorithm/.test(error.message)) return 'signature';
      if (/^jwt (audience|issuer|subject|id|nonce)|maxAge|payload/i.test(error.message)) {
        return 'claims';
      }
      return 'malformed';
    default:
      return 'malformed';
  }
}
