/** Session lifetimes. Defaults follow NIST SP 800-63B for AAL2: 12 h absolute, 30 min idle. */
export interface SessionsModuleOptions {
  /** Absolute lifetime when the sign-in does not give one, seconds. */
  absoluteTtlSeconds?: number;
  /** Idle timeout when the sign-in does not give one, seconds. */
  idleTimeoutSeconds?: number;
  /** Bounds for a per-session `ttl_seconds`. */
  minAbsoluteTtlSeconds?: number;
  maxAbsoluteTtlSeconds?: number;
  /** Bounds for a per-session `idle_timeout_seconds`. */
  minIdleTimeoutSeconds?: number;
  maxIdleTimeoutSeconds?: number;
}

export type ResolvedSessionsOptions = Required<SessionsModuleOptions>;

export const SESSIONS_DEFAULTS: ResolvedSessionsOptions = {
  absoluteTtlSeconds: 12 * 3600,
  idleTimeoutSeconds: 30 * 60,
  minAbsoluteTtlSeconds: 60,
  maxAbsoluteTtlSeconds: 30 * 24 * 3600,
  minIdleTimeoutSeconds: 60,
  maxIdleTimeoutSeconds: 24 * 3600,
};

export function resolveSessionsOptions(options: SessionsModuleOptions): ResolvedSessionsOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  return { ...SESSIONS_DEFAULTS, ...defined };
}
