import type { KeyObject } from 'node:crypto';
import type { Algorithm } from 'jsonwebtoken';
import type { AuthenticatedUser } from './authenticated-user';
import { type ClaimPath, ClaimPathError, parseClaimPath, parseClaimPathList } from './claim-path';

/** Settings shared by every key source. */
interface AuthCommonOptions {
  /** Explicit allow-list, one algorithm family (RFC 8725 section 3.1). */
  algorithms?: Algorithm[];
  issuer?: string;
  audience?: string;
  /** Leeway for `exp` and `nbf`, in seconds. */
  clockToleranceSeconds?: number;
  /**
   * Claim path (see claim-path.ts) of the user id, a positive integer: default
   * `sub`. A token whose value there is not one is resolved through the
   * application's SubjectResolver (`iss`, `sub`), if it has one.
   */
  userIdClaim?: string;
  /**
   * Claim paths of the roles: one path such as `roles` or `realm_access.roles`,
   * a comma-separated list, or an array; the roles are their union. A bracketed
   * JSON string is one literal name: `["https://example.com/roles"]`.
   */
  rolesClaim?: string | readonly string[];
  /** Role that may use the admin routes. */
  adminRole?: string;
  /** Role of the auth platform and gateways that record sessions. */
  serviceRole?: string;
  /** Role of Shared Signals receivers (`@session-service/signals`): they manage their own streams. */
  receiverRole?: string;
  /**
   * Claim path naming the session (of this service) a token was issued for; such a
   * token dies with its session. Default `session_id`: not `sid`, which identity
   * providers such as Keycloak fill with a session of their own.
   */
  sessionClaim?: string;
}

/** One key from configuration: an HMAC secret or an RSA/EC public key. */
export interface StaticKeyAuthOptions extends AuthCommonOptions {
  /** HMAC secret (`crypto.createSecretKey`) or RSA/EC public key (`crypto.createPublicKey`). */
  verificationKey: KeyObject;
  /** Explicit allow-list, one algorithm family (RFC 8725 section 3.1). */
  algorithms: Algorithm[];
  jwks?: undefined;
  hostStrategy?: undefined;
}

/** Where the keys of an identity provider are published, and how they are fetched. */
export type JwksOptions = (
  | {
      /** The JWKS endpoint (RFC 7517 section 5). */
      uri: string;
      oidcIssuer?: undefined;
    }
  | {
      /**
       * An OpenID Provider: `<issuer>/.well-known/openid-configuration` names the
       * JWKS endpoint, and is the expected `iss` of tokens unless `issuer` is given.
       */
      oidcIssuer: string;
      uri?: undefined;
    }
) & {
  /** How long a fetched key is used without asking the endpoint again (default 10 min). */
  cacheMaxAgeMs?: number;
  /** Fetches allowed per minute when a token names a key not in the cache (default 10). */
  refreshPerMinute?: number;
  /** Time limit of one fetch, body included (default 2 s). */
  timeoutMs?: number;
};

/** Keys of an identity provider, looked up by the token's `kid` in its JWKS. */
export interface JwksAuthOptions extends AuthCommonOptions {
  jwks: JwksOptions;
  /** Asymmetric algorithms only (RS*, PS*, ES*); default `RS256`, `ES256`. */
  algorithms?: Algorithm[];
  verificationKey?: undefined;
  hostStrategy?: undefined;
}

/**
 * The host application already authenticates with a passport strategy of its
 * own: the routes use it, and its `request.user` is mapped to the caller.
 */
export interface HostStrategyAuthOptions extends Pick<
  AuthCommonOptions,
  'rolesClaim' | 'adminRole' | 'serviceRole' | 'receiverRole' | 'sessionClaim'
> {
  /** Name the host's strategy is registered under with passport, e.g. `jwt`. */
  hostStrategy: string;
  /**
   * Turns the host strategy's user into the caller; `undefined` refuses the
   * request (401). Default: `defaultHostUser` (the user id from `userId`, `sub`
   * or `id`, roles from `rolesClaim`, the session from `sessionClaim`).
   */
  toUser?: (user: unknown) => AuthenticatedUser | undefined;
  verificationKey?: undefined;
  jwks?: undefined;
}

/** Tokens verified by the library: a configured key, or an identity provider's JWKS. */
export type TokenAuthOptions = StaticKeyAuthOptions | JwksAuthOptions;

/** How bearer tokens are verified and how their claims map to access rules. */
export type AuthModuleOptions = TokenAuthOptions | HostStrategyAuthOptions;

export function usesHostStrategy(options: AuthModuleOptions): options is HostStrategyAuthOptions {
  return typeof options.hostStrategy === 'string';
}

export interface ResolvedJwksOptions {
  uri?: string;
  oidcIssuer?: string;
  /** The discovery document's `issuer` must equal `oidcIssuer`: it is the expected `iss`. */
  requireDiscoveredIssuer: boolean;
  cacheMaxAgeMs: number;
  refreshPerMinute: number;
  timeoutMs: number;
}

export type ResolvedAuthOptions = Required<
  Omit<AuthCommonOptions, 'issuer' | 'audience' | 'algorithms'>
> &
  Pick<AuthCommonOptions, 'issuer' | 'audience'> & {
    algorithms: Algorithm[];
    verificationKey?: KeyObject;
    jwks?: ResolvedJwksOptions;
    hostStrategy?: string;
    toUser?: (user: unknown) => AuthenticatedUser | undefined;
    /** `userIdClaim`, `rolesClaim` and `sessionClaim`, parsed. */
    claimPaths: ResolvedClaimPaths;
  };

export interface ResolvedClaimPaths {
  userId: ClaimPath;
  roles: ClaimPath[];
  session: ClaimPath;
}

export const AUTH_DEFAULTS = {
  clockToleranceSeconds: 5,
  userIdClaim: 'sub',
  rolesClaim: 'roles',
  adminRole: 'admin',
  serviceRole: 'session-writer',
  receiverRole: 'ssf-receiver',
  sessionClaim: 'session_id',
} as const;

export const JWKS_DEFAULTS = {
  algorithms: ['RS256', 'ES256'] as Algorithm[],
  cacheMaxAgeMs: 10 * 60_000,
  refreshPerMinute: 10,
  timeoutMs: 2_000,
} as const;

/** Algorithms a JWKS key may verify: asymmetric families only, never HS* or none. */
export const JWKS_ALGORITHM = /^(RS|PS|ES)(256|384|512)$/;

export function resolveAuthOptions(options: AuthModuleOptions): ResolvedAuthOptions {
  const merged = { ...AUTH_DEFAULTS, ...stripUndefined(options) } as ResolvedAuthOptions;
  const resolved: ResolvedAuthOptions = { ...merged, claimPaths: resolveClaimPaths(merged) };
  if (options.hostStrategy !== undefined) {
    if (!options.hostStrategy) throw new Error('AuthModule: hostStrategy must name a strategy');
    if (options.verificationKey || options.jwks) {
      throw new Error('AuthModule: give hostStrategy or a key source, not both');
    }
    return { ...resolved, algorithms: [] };
  }
  if (!options.jwks) {
    if (!options.verificationKey)
      throw new Error('AuthModule: verificationKey, jwks or hostStrategy is required');
    return resolved;
  }
  if (options.verificationKey)
    throw new Error('AuthModule: give verificationKey or jwks, not both');
  const { uri, oidcIssuer } = options.jwks;
  if (Boolean(uri) === Boolean(oidcIssuer)) {
    throw new Error('AuthModule: jwks needs exactly one of uri and oidcIssuer');
  }
  const algorithms = options.algorithms ?? [...JWKS_DEFAULTS.algorithms];
  if (!algorithms.length || !algorithms.every((a) => JWKS_ALGORITHM.test(a))) {
    throw new Error(
      `AuthModule: JWKS keys allow RS*, PS* and ES* algorithms only, not ${algorithms.join(',')}`,
    );
  }
  return {
    ...resolved,
    algorithms,
    // OpenID Connect Discovery 1.0 section 4.3: the provider's issuer is the URL it was discovered at.
    issuer: options.issuer ?? oidcIssuer,
    jwks: {
      uri,
      oidcIssuer,
      requireDiscoveredIssuer: Boolean(oidcIssuer) && options.issuer === undefined,
      cacheMaxAgeMs: options.jwks.cacheMaxAgeMs ?? JWKS_DEFAULTS.cacheMaxAgeMs,
      refreshPerMinute: options.jwks.refreshPerMinute ?? JWKS_DEFAULTS.refreshPerMinute,
      timeoutMs: options.jwks.timeoutMs ?? JWKS_DEFAULTS.timeoutMs,
    },
  };
}

/** Parses the three claim settings; a malformed one is an error naming the option. */
export function resolveClaimPaths(
  options: Pick<ResolvedAuthOptions, 'userIdClaim' | 'rolesClaim' | 'sessionClaim'>,
): ResolvedClaimPaths {
  const parse = <T>(name: string, parser: () => T): T => {
    try {
      return parser();
    } catch (error) {
      if (error instanceof ClaimPathError) {
        throw new ClaimPathError(`AuthModule: ${name} is not a claim path: ${error.message}`);
      }
      throw error;
    }
  };
  return {
    userId: parse('userIdClaim', () => parseClaimPath(options.userIdClaim)),
    roles: parse('rolesClaim', () => parseClaimPathList(options.rolesClaim)),
    session: parse('sessionClaim', () => parseClaimPath(options.sessionClaim)),
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
