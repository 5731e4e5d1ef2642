import { createHash } from 'node:crypto';

/** CAEP 1.0 section 3.1: a session ended (revoked, signed out, expired). */
export const SESSION_REVOKED =
  'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
/** SSF 1.0 section 8.1.4: the verification event a receiver asks for. */
export const VERIFICATION_EVENT = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
/** OpenID Connect Back-Channel Logout 1.0 section 2.4: the logout token's event. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** Event types a stream may request: what this transmitter emits. */
export const EVENTS_SUPPORTED: readonly string[] = [SESSION_REVOKED];

/** SSF 1.0 delivery method URNs. */
export const PUSH_DELIVERY = 'urn:ietf:rfc:8935';
export const POLL_DELIVERY = 'urn:ietf:rfc:8936';

/** `typ` of a Security Event Token (RFC 8417 section 2.3) and of a logout token (Back-Channel Logout 1.0 section 2.4). */
export const SET_TYP = 'secevent+jwt';
export const LOGOUT_TYP = 'logout+jwt';

/** CAEP 1.0 section 2: who or what started the event. */
export type InitiatingEntity = 'admin' | 'user' | 'policy' | 'system';

/**
 * The feed row's `revoked_by` as a CAEP `initiating_entity`: `user:<id>` the
 * user, `admin:<id>` an admin, `policy` (or `policy:<name>`) a policy, and
 * everything else, `service:<id>` and the sweeper's `system`, the system.
 */
export function initiatingEntity(revokedBy: string): InitiatingEntity {
  const prefix = revokedBy.split(':', 1)[0];
  if (prefix === 'user') return 'user';
  if (prefix === 'admin') return 'admin';
  if (prefix === 'policy') return 'policy';
  return 'system';
}

/** One revocation of the feed, with the user's identity-provider subject when one is recorded. */
export interface RevocationEvent {
  feed_xid: string;
  feed_id: string;
  session_id: string;
  user_id: string;
  /** ISO 8601. */
  revoked_at: string;
  revoked_by: string;
  reason: string | null;
  /** The user's oldest subject mapping (`user_subjects`), if any. */
  subject_issuer: string | null;
  subject: string | null;
}

/** An RFC 9493 subject identifier. */
export type SubjectIdentifier =
  | { format: 'opaque'; id: string }
  | { format: 'iss_sub'; iss: string; sub: string }
  | { format: 'complex'; user?: SubjectIdentifier; session?: SubjectIdentifier };

/**
 * The session's subject in RFC 9493 complex form (SSF 1.0 section 3.2): the
 * user as `iss_sub` when an identity provider's subject is recorded for them,
 * else `opaque` with the user id; the session `opaque` with its id.
 */
export function revocationSubject(event: RevocationEvent): SubjectIdentifier {
  const user: SubjectIdentifier =
    event.subject_issuer && event.subject
      ? { format: 'iss_sub', iss: event.subject_issuer, sub: event.subject }
      : { format: 'opaque', id: event.user_id };
  return { format: 'complex', user, session: { format: 'opaque', id: event.session_id } };
}

/** Seconds since the epoch. */
export const epochSeconds = (iso: string | Date): number =>
  Math.floor((typeof iso === 'string' ? Date.parse(iso) : iso.getTime()) / 1000);

/** The claims of a CAEP `session-revoked` SET (RFC 8417, SSF 1.0 section 4, CAEP 1.0 section 3.1). */
export function sessionRevokedClaims(input: {
  issuer: string;
  audience: string;
  jti: string;
  issuedAt: number;
  event: RevocationEvent;
}): Record<string, unknown> {
  const { event } = input;
  const body: Record<string, unknown> = {
    event_timestamp: epochSeconds(event.revoked_at),
    initiating_entity: initiatingEntity(event.revoked_by),
  };
  if (event.reason) body.reason_admin = { en: event.reason };
  return {
    iss: input.issuer,
    jti: input.jti,
    iat: input.issuedAt,
    aud: input.audience,
    sub_id: revocationSubject(event),
    events: { [SESSION_REVOKED]: body },
  };
}

/** The claims of an SSF verification SET (SSF 1.0 section 8.1.4.2): the stream as its subject. */
export function verificationClaims(input: {
  issuer: string;
  audience: string;
  jti: string;
  issuedAt: number;
  streamId: string;
  state?: string;
}): Record<string, unknown> {
  return {
    iss: input.issuer,
    jti: input.jti,
    iat: input.issuedAt,
    aud: input.audience,
    sub_id: { format: 'opaque', id: input.streamId },
    events: { [VERIFICATION_EVENT]: input.state === undefined ? {} : { state: input.state } },
  };
}

/**
 * The claims of a logout token (Back-Channel Logout 1.0 section 2.4): `sid`
 * the session, `sub` its user, a short `exp`, the logout event, never a `nonce`.
 */
export function logoutTokenClaims(input: {
  issuer: string;
  clientId: string;
  jti: string;
  issuedAt: number;
  ttlSeconds: number;
  event: RevocationEvent;
}): Record<string, unknown> {
  return {
    iss: input.issuer,
    aud: input.clientId,
    iat: input.issuedAt,
    exp: input.issuedAt + input.ttlSeconds,
    jti: input.jti,
    sub: input.event.user_id,
    sid: input.event.session_id,
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
  };
}

/**
 * The `jti` of a feed row's SET on a stream: the same on every delivery
 * (a redelivered SET is recognisably the same), distinct per stream.
 */
export function feedJti(
  streamId: string,
  event: Pick<RevocationEvent, 'feed_xid' | 'feed_id'>,
): string {
  return `${streamId}:${event.feed_xid}:${event.feed_id}`;
}

/** A verification event's `jti`. */
export function verificationJti(streamId: string, eventId: string): string {
  return `${streamId}:v:${eventId}`;
}

export type ParsedJti =
  { kind: 'feed'; xid: string; id: string } | { kind: 'event'; id: string } | undefined;

const NUMBER = /^(0|[1-9][0-9]{0,19})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The feed row or event a `jti` of this stream names; undefined for anything else. */
export function parseJti(streamId: string, jti: string): ParsedJti {
  const parts = jti.split(':');
  if (parts.length !== 3 || parts[0] !== streamId) return undefined;
  if (parts[1] === 'v') return UUID.test(parts[2]) ? { kind: 'event', id: parts[2] } : undefined;
  if (!NUMBER.test(parts[1]) || !NUMBER.test(parts[2])) return undefined;
  if (BigInt(parts[1]) > 18446744073709551615n || BigInt(parts[2]) > 9223372036854775807n)
    return undefined;
  return { kind: 'feed', xid: parts[1], id: parts[2] };
}

/** A logout token's `jti`: stable for one feed row and relying party, so a retry is recognisably the same. */
export function logoutJti(
  clientId: string,
  event: Pick<RevocationEvent, 'feed_xid' | 'feed_id'>,
): string {
  return createHash('sha256')
    .update(`${clientId}\n${event.feed_xid}:${event.feed_id}`)
    .digest('base64url')
    .slice(0, 32);
}
