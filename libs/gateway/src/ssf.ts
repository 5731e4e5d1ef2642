/** Identifiers from the OpenID Shared Signals Framework 1.0 and CAEP 1.0. */

/** RFC 8936 poll delivery, as SSF 1.0 names it in `delivery.method`. */
export const POLL_DELIVERY = 'urn:ietf:rfc:8936';
/** RFC 8935 push delivery. */
export const PUSH_DELIVERY = 'urn:ietf:rfc:8935';
/** CAEP 1.0 `session-revoked`. */
export const SESSION_REVOKED_EVENT =
  'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
/** SSF 1.0 verification event (answer to a verification request). */
export const VERIFICATION_EVENT = 'https://schemas.openid.net/secevent/ssf/event-type/verification';
/** SSF 1.0 stream-updated event (the transmitter paused, disabled or enabled the stream). */
export const STREAM_UPDATED_EVENT =
  'https://schemas.openid.net/secevent/ssf/event-type/stream-updated';
/** RFC 8417 section 2.3: the `typ` of a SET. */
export const SET_TYPE = 'secevent+jwt';
/** RFC 8935 section 2: the media type of a pushed SET. */
export const SET_CONTENT_TYPE = 'application/secevent+jwt';

/** Transmitter Configuration Metadata (SSF 1.0 section 7.1), the members the gateway reads. */
export interface TransmitterConfiguration {
  issuer: string;
  jwks_uri: string;
  delivery_methods_supported?: string[];
  configuration_endpoint?: string;
  status_endpoint?: string;
  verification_endpoint?: string;
}

/** Stream Configuration (SSF 1.0 section 8.1.1), the members the gateway reads. */
export interface StreamConfiguration {
  stream_id: string;
  iss?: string;
  aud?: string | string[];
  events_delivered?: string[];
  description?: string;
  delivery?: { method?: string; endpoint_url?: string };
}

/** RFC 8936 section 2.4 error codes, as sent back in `setErrs`. */
export type SetErrorCode =
  | 'invalid_request'
  | 'invalid_key'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'authentication_failed'
  | 'access_denied';

/**
 * The session a `session-revoked` event names: the `session` member of a
 * complex subject (SSF 1.0 section 3.3) in `sub_id`, an RFC 9493 `opaque`
 * identifier. Older CAEP drafts put the subject in the event's own `subject`;
 * both are read.
 */
export function revokedSessionId(
  payload: Record<string, unknown>,
  event: Record<string, unknown>,
): string | undefined {
  for (const subject of [payload.sub_id, event.subject]) {
    if (!isObject(subject)) continue;
    const session = subject.format === 'complex' ? subject.session : undefined;
    if (isObject(session) && session.format === 'opaque' && typeof session.id === 'string') {
      return session.id;
    }
  }
  return undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * SSF 1.0 section 7.2: the metadata lives at `/.well-known/ssf-configuration`,
 * inserted between the host and the path of an issuer that has a path.
 */
export function ssfConfigurationUrl(issuer: string): string {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = `/.well-known/ssf-configuration${path}`;
  return url.toString();
}
