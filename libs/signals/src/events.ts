import { createHash } from 'node:crypto';

/** CAEP 1.0 section 3.1: a session ended (revoked, signed out, expired). */
export const SESSION_REVOKED =
  'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
/** CAEP 1.0 section 3.7: a session was established (a sign-in was recorded). */
export const SESSION_ESTABLISHED =
  'https://schemas.openid.net/secevent/caep/event-type/session-established';
/** SSF 1.0 section 8.1.4: the verification event a receiver asks for. */
export const VERIFICATION_EVENT = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
/** OpenID Connect Back-Channel Logout 1.0 section 2.4: the logout token's event. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/**
 * Event types a stream may request: what this transmitter emits.
 * `session-established` needs the sessions library's audit trail, whose
 * `created` rows are its source: see `eventsSupported`.
 */
export const EVENTS_SUPPORTED: readonly string[] = [SESSION_REVOKED, SESSION_ESTABLISHED];

/** The event types supported with the audit trail on or off. */
export function eventsSupported(auditTrail: boolean): readonly string[] {
  return auditTrail ? EVENTS_SUPPORTED : [SESSION_REVOKED];
}

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

/** One recorded sign-in (an audit trail `created` row), with its session's IP address and methods. */
export interface SignInEvent {
  feed_xid: string;
  feed_id: string;
  session_id: string;
  user_id: string;
  /** ISO 8601. */
  established_at: string;
  /** The session's IP address; null once the session row is gone. */
  ip: string | null;
  /** The session's authentication methods (RFC 8176 names); null once the session row is gone. */
  amr: string[] | null;
  subject_issuer: string | null;
  subject: string | null;
}

/**
 * A subject identifier: RFC 9493's `opaque` or `iss_sub`, or the `complex`
 * subject of SSF 1.0 (section 3.3), whose members are of those two.
 */
export type SubjectIdentifier =
  | { format: 'opaque'; id: string }
  | { format: 'iss_sub'; iss: string; sub: string }
  | { format: 'complex'; user?: SubjectIdentifier; session?: SubjectIdentifier };

/**
 * The session's subject as an SSF 1.0 complex subject (section 3.3): the
 * user as `iss_sub` when an identity provider's subject is recorded for them,
 * else `opaque` with the user id; the session `opaque` with its id.
 */
export function revocationSubject(
  event: Pick<RevocationEvent, 'user_id' | 'session_id' | 'subject_issuer' | 'subject'>,
): SubjectIdentifier {
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
    txn: feedTxn(event),
    aud: input.audience,
    sub_id: revocationSubject(event),
    events: { [SESSION_REVOKED]: body },
  };
}

/**
 * The claims of a CAEP `session-established` SET (CAEP 1.0 section 3.7): the
 * session's subject as for `session-revoked`, `event_timestamp` the sign-in,
 * and of the event's optional claims those the service records: `ips` (the
 * sign-in's address) and `amr`.
 */
export function sessionEstablishedClaims(input: {
  issuer: string;
  audience: string;
  jti: string;
  issuedAt: number;
  event: SignInEvent;
}): Record<string, unknown> {
  const { event } = input;
  const body: Record<string, unknown> = { event_timestamp: epochSeconds(event.established_at) };
  if (event.ip) body.ips = [event.ip];
  if (event.amr?.length) body.amr = event.amr;
  return {
    iss: input.issuer,
    jti: input.jti,
    iat: input.issuedAt,
    txn: signInTxn(event),
    aud: input.audience,
    sub_id: revocationSubject(event),
    events: { [SESSION_ESTABLISHED]: body },
  };
}

/**
 * The claims of an SSF verification SET (SSF 1.0 section 8.1.4.2): the stream
 * as its subject; `txn`, when given, that of the request (`verificationTxn`).
 */
export function verificationClaims(input: {
  issuer: string;
  audience: string;
  jti: string;
  issuedAt: number;
  txn?: string;
  streamId: string;
  state?: string;
}): Record<string, unknown> {
  return {
    iss: input.issuer,
    jti: input.jti,
    iat: input.issuedAt,
    ...(input.txn === undefined ? {} : { txn: input.txn }),
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
 * The `txn` of a feed row's SETs (RFC 8417 section 2.2, SSF 1.0 section
 * 4.1.9): the row's position in the revocation feed, which names the
 * revocation itself. It is the same in the SET of every stream and on every
 * delivery, so a receiver with several streams can tell that their SETs
 * report one revocation.
 */
export function feedTxn(event: Pick<RevocationEvent, 'feed_xid' | 'feed_id'>): string {
  return `${event.feed_xid}:${event.feed_id}`;
}

/** The `txn` of a sign-in's SETs: its position among the sign-ins, distinct from every feed row's. */
export function signInTxn(event: Pick<SignInEvent, 'feed_xid' | 'feed_id'>): string {
  return `s:${event.feed_xid}:${event.feed_id}`;
}

/** The `txn` of a verification event: the request's own (it is one stream's event). */
export function verificationTxn(eventId: string): string {
  return `v:${eventId}`;
}

/**
 * The `jti` of a feed row's SET on a stream: the same on every delivery
 * (a redelivered SET is recognisably the same), distinct per stream: the
 * stream and the row's `txn`.
 */
export function feedJti(
  streamId: string,
  event: Pick<RevocationEvent, 'feed_xid' | 'feed_id'>,
): string {
  return `${streamId}:${feedTxn(event)}`;
}

/** The `jti` of a sign-in's SET on a stream: stable, distinct from every feed row's. */
export function signInJti(
  streamId: string,
  event: Pick<SignInEvent, 'feed_xid' | 'feed_id'>,
): string {
  return `${streamId}:${signInTxn(event)}`;
}

/** A verification event's `jti`. */
export function verificationJti(streamId: string, eventId: string): string {
  return `${streamId}:${verificationTxn(eventId)}`;
}

export type ParsedJti =
  | { kind: 'feed'; xid: string; id: string }
  | { kind: 'signIn'; xid: string; id: string }
  | { kind: 'event'; id: string }
  | undefined;

const NUMBER = /^(0|[1-9][0-9]{0,19})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The feed row or event a `jti` of this stream names; undefined for anything else. */
export function parseJti(streamId: string, jti: string): ParsedJti {
  const parts = jti.split(':');
  if (parts.length === 4 && parts[0] === streamId && parts[1] === 's') {
    const position = parsePosition(parts[2], parts[3]);
    return position && { kind: 'signIn', ...position };
  }
  if (parts.length !== 3 || parts[0] !== streamId) return undefined;
  if (parts[1] === 'v') return UUID.test(parts[2]) ? { kind: 'event', id: parts[2] } : undefined;
  const position = parsePosition(parts[1], parts[2]);
  return position && { kind: 'feed', ...position };
}

/** An xid8 and a bigint, as decimal text in their ranges. */
function parsePosition(xid: string, id: string): { xid: string; id: string } | undefined {
  if (!NUMBER.test(xid) || !NUMBER.test(id)) return undefined;
  if (BigInt(xid) > 18446744073709551615n || BigInt(id) > 9223372036854775807n) return undefined;
  return { xid, id };
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
