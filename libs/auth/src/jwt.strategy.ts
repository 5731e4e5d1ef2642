import { Inject, Injectable, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { PassportStrategy } from '@nestjs/passport';
import type { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import passport from 'passport';
import { withoutStackTraces } from '@session-service/problem';
import { Strategy } from 'passport-jwt';
import { AUTH_OBSERVER, type AuthObserver } from './auth-observer';
import { AUTH_MODULE_OPTIONS } from './auth.module-definition';
import {
  type AuthModuleOptions,
  resolveAuthOptions,
  type ResolvedClaimPaths,
} from './auth.options';
import { type AuthenticatedUser, parseUserId } from './authenticated-user';
import { extractBearerToken } from './bearer-credentials';
import { type ClaimPath, readClaim } from './claim-path';
import { JwksKeyProvider } from './jwks-key.provider';
import { OptionalProvider } from './optional-provider';
import { isUuid, SessionStateLookup } from './session-state.port';
import { SUBJECT_RESOLVER, type SubjectResolver } from './subject-resolver.port';

/**
 * The passport name of the library's strategy: not `jwt`, so a host
 * application's own `jwt` strategy stays registered beside it.
 */
export const SESSIONS_JWT_STRATEGY = 'sessions-jwt';

let registeredStrategies = 0;

export interface TokenClaims {
  sub?: unknown;
  exp?: unknown;
  [claim: string]: unknown;
}

export class InvalidTokenClaimsError extends Error {}

/**
 * passport-jwt strategy. `algorithms`, `issuer` and `audience` are given at the
 * top level: passport-jwt 4 overwrites those inside `jsonWebTokenOptions` with
 * the top-level values even when the latter are undefined. With `jwks`, the
 * key of each token is looked up by its `kid` (JwksKeyProvider); a token whose
 * key cannot be found fails like any other invalid token (401).
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, SESSIONS_JWT_STRATEGY) {
  private readonly claimPaths: ResolvedClaimPaths;
  private readonly clockToleranceSeconds: number;
  private readonly sessions: SessionStateLookup;
  private readonly subjects: SubjectResolverLookup;
  /** The key a token is verified with: the configured one, or the JWKS key its header names. */
  private readonly keyFor: (token: string) => KeyObject | Promise<KeyObject>;
  /** jsonwebtoken's options, as passport-jwt passes them (its `_verifOpts`). */
  private readonly verifyOptions: jwt.VerifyOptions & { complete?: false };
  /**
   * The name this instance is also registered under. Passport's registry is
   * process-wide: two applications in one process (two instances of the
   * service, or the service beside a host) each keep their own keys and
   * session checks this way.
   */
  readonly passportName = `${SESSIONS_JWT_STRATEGY}-${++registeredStrategies}`;

  constructor(
    @Inject(AUTH_MODULE_OPTIONS) options: AuthModuleOptions,
    moduleRef: ModuleRef,
    /** Hears of the JWKS fetches and key changes. */
    @Optional() @Inject(AUTH_OBSERVER) observer?: AuthObserver,
  ) {
    const resolved = resolveAuthOptions(options);
    const jwks = resolved.jwks && new JwksKeyProvider(resolved.jwks, resolved.algorithms, observer);
    super({
      // Only the Authorization header: never a query string or body (RFC 6750 section 2.1);
      // one header, one b64token, and no `crit` extension the service does not understand.
      jwtFromRequest: extractBearerToken,
      // KeyObjects, not strings: jsonwebtoken 9 would try createPublicKey on a string first.
      ...(jwks
        ? {
            secretOrKeyProvider: (
              _request: unknown,
              rawToken: unknown,
              done: (error: unknown, key?: string) => void,
            ) => {
              void jwks.keyFor(rawToken).then(
                (key) => done(null, key as unknown as string),
                (error: unknown) => done(error),
              );
            },
          }
        : { secretOrKey: resolved.verificationKey as unknown as string }),
      algorithms: resolved.algorithms,
      issuer: resolved.issuer,
      audience: resolved.audience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: resolved.clockToleranceSeconds },
    });
    this.claimPaths = resolved.claimPaths;
    this.clockToleranceSeconds = resolved.clockToleranceSeconds;
    const key = resolved.verificationKey;
    this.keyFor = jwks ? (token) => jwks.keyFor(token) : () => key!;
    this.verifyOptions = {
      clockTolerance: resolved.clockToleranceSeconds,
      audience: resolved.audience,
      issuer: resolved.issuer,
      algorithms: resolved.algorithms,
      ignoreExpiration: false,
    };
    this.sessions = new SessionStateLookup(moduleRef);
    this.subjects = new SubjectResolverLookup(moduleRef);
    passport.use(this.passportName, this);
  }

  /**
   * The claims of a bearer token whose signature, algorithm and registered
   * claims pass, checked exactly as passport-jwt checks them for this
   * strategy (the same key and jsonwebtoken options); `validate` then makes
   * the caller. `JwtAuthGuard` calls the two itself, without passport's
   * per-request strategy object and callbacks. Rejects with what passport-jwt
   * would fail with (a jsonwebtoken error, or a `TokenKeyError`).
   */
  async verifyToken(token: string): Promise<TokenClaims> {
    const key = await this.keyFor(token);
    // A refused token is an answer (the guard's 401), not a fault: jsonwebtoken's error
    // for it goes unlogged, so it is made without a stack trace.
    return withoutStackTraces(() => jwt.verify(token, key, this.verifyOptions) as TokenClaims);
  }

  async validate(claims: TokenClaims): Promise<AuthenticatedUser> {
    // jsonwebtoken 9 accepts tokens without `exp`; a bearer token must expire (RFC 8725 section 3.10).
    if (typeof claims.exp !== 'number') throw new InvalidTokenClaimsError('token has no exp');
    // iat must be a NumericDate (RFC 7519 section 4.1.6) and not from the future.
    if (claims.iat !== undefined) {
      if (typeof claims.iat !== 'number') throw new InvalidTokenClaimsError('iat is not a number');
      if (claims.iat > Date.now() / 1000 + this.clockToleranceSeconds) {
        throw new InvalidTokenClaimsError('iat is in the future');
      }
    }
    const direct = readClaim(claims, this.claimPaths.userId);
    const userId = await userIdFromClaims(claims, direct, this.subjects);
    return callerFromClaims(claims, userId, this.claimPaths, this.sessions);
  }
}

/**
 * The integer user id `direct` (read at `userIdClaim`); otherwise the one the
 * application's SubjectResolver maps the claims' (`iss`, `sub`) to, if it has one.
 */
export async function userIdFromClaims(
  claims: Record<string, unknown>,
  direct: unknown,
  subjects: SubjectResolverLookup,
): Promise<string> {
  const userId = parseUserId(direct);
  if (userId) return userId;
  const resolver = subjects.get();
  const { iss, sub } = claims;
  if (!resolver || typeof iss !== 'string' || typeof sub !== 'string' || !iss || !sub) {
    throw new InvalidTokenClaimsError('token has no valid sub');
  }
  const mapped = parseUserId(await resolver.resolve(iss, sub));
  if (!mapped) throw new InvalidTokenClaimsError('token has no valid sub');
  return mapped;
}

/**
 * The application's `SubjectResolver`, looked up once on first use (the
 * sessions library provides it). Without one, only integer user ids are accepted.
 */
export class SubjectResolverLookup extends OptionalProvider<SubjectResolver> {
  constructor(moduleRef: ModuleRef) {
    super(moduleRef, SUBJECT_RESOLVER);
  }
}

/**
 * The caller a set of claims describes: a canonical user id, the roles at the
 * roles paths (their union), and the session named at the session path, which
 * must still be active (a token bound to a session stops working once it is
 * revoked or expired).
 */
export async function callerFromClaims(
  claims: Record<string, unknown>,
  subject: unknown,
  paths: Pick<ResolvedClaimPaths, 'roles' | 'session'>,
  sessions: SessionStateLookup,
): Promise<AuthenticatedUser> {
  const userId = parseUserId(subject);
  if (!userId) throw new InvalidTokenClaimsError('token has no valid sub');
  const sid = readClaim(claims, paths.session);
  if (sid !== undefined && !isUuid(sid))
    throw new InvalidTokenClaimsError('malformed session claim');
  if (sid !== undefined && !(await sessions.isActive(sid, userId))) {
    throw new InvalidTokenClaimsError('session is not active');
  }
  const caller: AuthenticatedUser = {
    userId,
    roles: readRolesAt(claims, paths.roles),
    sessionId: sid,
  };
  if (typeof claims.exp === 'number') caller.expiresAt = claims.exp;
  return caller;
}

/**
 * Roles at one path: an array claim (its strings), a space-separated string as
 * OAuth scopes are, or an object whose keys are the roles (Zitadel's
 * `urn:zitadel:iam:org:project:roles`).
 */
export function readRoles(claims: Record<string, unknown>, path: ClaimPath): string[] {
  const value = readClaim(claims, path);
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  if (Array.isArray(value)) return value.filter((r): r is string => typeof r === 'string');
  if (typeof value === 'object' && value !== null) return Object.keys(value);
  return [];
}

/** The union of the roles at every path, each once, in order of first appearance. */
export function readRolesAt(
  claims: Record<string, unknown>,
  paths: readonly ClaimPath[],
): string[] {
  return [...new Set(paths.flatMap((path) => readRoles(claims, path)))];
}
