import type { KeyObject } from 'node:crypto';
import type { Algorithm } from 'jsonwebtoken';

/** How bearer tokens are verified and how their claims map to access rules. */
export interface AuthModuleOptions {
  /** HMAC secret (`crypto.createSecretKey`) or RSA/EC public key (`crypto.createPublicKey`). */
  verificationKey: KeyObject;
  /** Explicit allow-list, one algorithm family (RFC 8725 section 3.1). */
  algorithms: Algorithm[];
  issuer?: string;
  audience?: string;
  /** Leeway for `exp` and `nbf`, in seconds. */
  clockToleranceSeconds?: number;
  /** Dotted path of the roles claim, e.g. `roles` or `realm_access.roles`. */
  rolesClaim?: string;
  /** Role that may use the admin routes. */
  adminRole?: string;
  /** Role of the auth platform and gateways that record sessions. */
  serviceRole?: string;
  /** Claim naming the session a token was issued for; such a token dies with its session. */
  sessionClaim?: string;
}

export type ResolvedAuthOptions = Required<Omit<AuthModuleOptions, 'issuer' | 'audience'>> &
  Pick<AuthModuleOptions, 'issuer' | 'audience'>;

export const AUTH_DEFAULTS = {
  clockToleranceSeconds: 5,
  rolesClaim: 'roles',
  adminRole: 'admin',
  serviceRole: 'session-writer',
  sessionClaim: 'sid',
} as const;

export function resolveAuthOptions(options: AuthModuleOptions): ResolvedAuthOptions {
  return { ...AUTH_DEFAULTS, ...stripUndefined(options) } as ResolvedAuthOptions;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
