import type { KeyObject } from 'node:crypto';
import type { CryptoKey, JWK } from 'jose';

/** A bearer token, or a function returning a current one (called per request). */
export type BearerToken = string | (() => string | Promise<string>);

/** How access tokens are verified: exactly one of `key`, `secret`, `jwksUrl` or `discovery`. */
export interface TokenVerificationOptions {
  /** A public key (or a shared key object) to verify with. */
  key?: KeyObject | CryptoKey | JWK;
  /** An HS256 shared secret (UTF-8), as the session service's `JWT_SECRET`. */
  secret?: string;
  /** A JWKS URL, fetched and cached by jose (refetched on an unknown `kid`). */
  jwksUrl?: string;
  /** OpenID Connect discovery: read `jwks_uri` from `<issuer>/.well-known/openid-configuration`. */
  discovery?: boolean;
  /** Expected `iss` (also the discovery base). */
  issuer?: string;
  /** Expected `aud`. */
  audience?: string | string[];
  /** Accepted algorithms (default: HS256 with `secret`, else the asymmetric JWS algorithms). */
  algorithms?: string[];
  /** Claim holding the session id: a name or a dotted path (default `session_id`). */
  sessionClaim?: string;
  /** Tolerated clock skew, seconds (default 5). */
  clockToleranceSeconds?: number;
}

/** The SSF stream the gateway follows. */
export interface SsfReceiverOptions {
  /** The transmitter's issuer URL; its metadata is at `/.well-known/ssf-configuration`. */
  issuer: string;
  /** Bearer token for stream management and polling (the transmitter's receiver role). */
  bearerToken: BearerToken;
  /** `poll` (RFC 8936, default) or `push` (RFC 8935: mount `handlePush` at `push.endpointUrl`). */
  delivery?: 'poll' | 'push';
  /**
   * Names this gateway's stream (`description`), so a restart reuses it rather
   * than creating another. Each gateway instance needs its own; default: the host name.
   */
  streamName?: string;
  /** Pause between polls that returned nothing, ms (default 250). */
  pollIntervalMs?: number;
  /** `maxEvents` per poll (default 100). */
  maxEvents?: number;
  /** Push delivery: the URL the transmitter posts to and the Authorization value it must send. */
  push?: { endpointUrl: string; authorization?: string };
  /** Push delivery: how often to ask for a verification event to prove the stream alive, ms (default 10 000). */
  verificationIntervalMs?: number;
  /** Expected SET `aud` (default: the stream's own `aud`). */
  audience?: string | string[];
  /** Accepted SET algorithms (default ES256, ES384, RS256, PS256, EdDSA). */
  algorithms?: string[];
}

/** The revocations made before the gateway started, read from the service's feed. */
export interface SnapshotOptions {
  /** Base URL of the session service (`GET <serviceUrl>/api/sessions/revocations`). */
  serviceUrl: string;
  /** A token with the service (or admin) role. */
  bearerToken: BearerToken;
  /** Page size (default 1000, the feed's maximum). */
  pageSize?: number;
}

export interface RevocationGateOptions {
  token: TokenVerificationOptions;
  ssf: SsfReceiverOptions;
  /** Without it a fresh gateway knows only the revocations made after its stream exists. */
  snapshot?: SnapshotOptions;
  /**
   * The longest lifetime of an access token, seconds: a revoked session is
   * remembered this long after its revocation (plus the clock tolerance).
   */
  maxTokenLifetimeSeconds: number;
  /** At most this many revoked sessions are kept (default 100 000). */
  maxRevokedSessions?: number;
  /** Longest time without a confirmed poll (or push verification) before the gate counts as stale, ms (default 30 000). */
  maxStalenessMs?: number;
  /** When stale (or not yet started): refuse every request (`closed`, default) or let verified tokens through (`open`). */
  failMode?: 'closed' | 'open';
  /** Status of a fail-closed refusal: 503 (default) or 401. */
  failClosedStatus?: 401 | 503;
  /** Base of Problem `type` URIs, e.g. `https://sessions.example.com/problems/` (default `about:blank`). */
  problemTypeBase?: string;
  /** Timeout of each call to the transmitter or the service, ms (default 10 000). */
  requestTimeoutMs?: number;
  /** Notified of failures the gate recovers from by itself (default: silent; see `health()`). */
  onError?: (error: Error) => void;
  /** For tests: the fetch implementation and clock. */
  fetch?: typeof fetch;
  now?: () => number;
}
