import type { AuthModuleOptions } from '@session-service/auth';
import { DEFAULT_SESSIONS_SCHEMA, validateSchemaName } from '@session-service/sessions';
import type { SigningKeyOptions } from './signing-keys';

/**
 * The transmitter: who it is, how it signs, who may manage streams, and the
 * timing of delivery. Every duration in milliseconds unless its name says otherwise.
 */
export interface SignalsModuleOptions extends SigningKeyOptions {
  /**
   * The transmitter's issuer (`iss` of every SET and logout token): the
   * service's public URL, an https URL without query or fragment. The
   * endpoints of `/.well-known/ssf-configuration` are under it.
   */
  issuer: string;
  /** Token verification and the role names (`receiverRole` for stream management, `adminRole` for relying parties). */
  auth: AuthModuleOptions;
  /** The PostgreSQL schema of the sessions tables (default `session_service`): the signal tables are there too. */
  schema?: string;
  /** Longest a poll request without `returnImmediately` waits for an event (RFC 8936 section 2.1). */
  pollTimeoutMs?: number;
  /**
   * How often the delivery worker, and each waiting poll, look at the feed
   * for changes of other instances (this instance's wake them at once: `FeedSignal`).
   */
  deliveryIntervalMs?: number;
  /** The first retry's delay after a failed push or logout delivery; doubled per failure, with jitter. */
  retryBaseMs?: number;
  /** The longest delay between two retries. */
  retryMaxMs?: number;
  /** Time limit of one push or logout request. */
  pushTimeoutMs?: number;
  /** Lifetime of a logout token (`exp - iat`), seconds. */
  logoutTokenTtlSeconds?: number;
  /** Run the delivery worker (push streams, relying parties) in this instance. */
  deliveryWorker?: boolean;
  /**
   * Whether the sessions library records its audit trail (its `audit`
   * option, default true): CAEP `session-established` is built from the
   * trail's sign-ins, so without it the event is not supported and a stream
   * requesting it is refused.
   */
  auditTrail?: boolean;
}

export type SignalsSettings = Omit<SignalsModuleOptions, 'auth'>;

export type ResolvedSignalsOptions = Required<Omit<SignalsSettings, keyof SigningKeyOptions>> &
  SigningKeyOptions;

export const SIGNALS_DEFAULTS = {
  schema: DEFAULT_SESSIONS_SCHEMA,
  pollTimeoutMs: 30_000,
  deliveryIntervalMs: 200,
  retryBaseMs: 1_000,
  retryMaxMs: 300_000,
  pushTimeoutMs: 5_000,
  logoutTokenTtlSeconds: 120,
  deliveryWorker: true,
  auditTrail: true,
} as const;

export function resolveSignalsOptions(options: SignalsSettings): ResolvedSignalsOptions {
  const defined = Object.fromEntries(
    Object.entries(options).filter(([key, v]) => v !== undefined && key !== 'auth'),
  );
  const resolved = { ...SIGNALS_DEFAULTS, ...defined } as ResolvedSignalsOptions;
  if (!resolved.issuer || !URL.canParse(resolved.issuer)) {
    throw new Error('SignalsModule: issuer must be the service URL (http or https)');
  }
  resolved.issuer = resolved.issuer.replace(/\/+$/, '');
  validateSchemaName(resolved.schema);
  return resolved;
}
