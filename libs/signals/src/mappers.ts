import { ValidationFailedError } from '@session-service/problem';
import { isStorableText } from '@session-service/sessions';
import type { RelyingParty } from './dto/relying-party.dto';
import { type StreamConfiguration, type StreamStatusResponse, subjectRule } from './dto/ssf.dto';
import { POLL_DELIVERY, PUSH_DELIVERY, type SubjectIdentifier } from './events';
import type { RelyingPartyRow, StreamRow } from './signals.repository';
import type { StreamsService } from './streams.service';

export function toStreamConfiguration(
  row: StreamRow,
  streams: StreamsService,
): StreamConfiguration {
  return {
    stream_id: row.id,
    iss: streams.options.issuer,
    aud: row.audience,
    events_supported: [...streams.eventsSupported],
    events_requested: row.events_requested,
    events_delivered: streams.eventsDelivered(row),
    delivery: {
      method: row.delivery_method,
      endpoint_url:
        row.delivery_method === POLL_DELIVERY
          ? streams.url(`/ssf/poll/${row.id}`)
          : (row.endpoint_url ?? ''),
    },
    min_verification_interval: 0,
    ...(row.description === null ? {} : { description: row.description }),
  };
}

export function toStreamStatus(row: StreamRow, backlog: number): StreamStatusResponse {
  return {
    stream_id: row.id,
    status: row.status,
    ...(row.status_reason === null ? {} : { reason: row.status_reason }),
    backlog,
    attempts: row.attempts,
    last_error: row.last_error,
    last_error_at: row.last_error_at,
    last_delivered_at: row.last_delivered_at,
    next_attempt_at: row.delivery_method === PUSH_DELIVERY ? row.next_attempt_at : null,
  };
}

export function toRelyingParty(row: RelyingPartyRow, backlog: number): RelyingParty {
  return {
    client_id: row.client_id,
    backchannel_logout_uri: row.backchannel_logout_uri,
    backchannel_logout_session_required: row.backchannel_logout_session_required,
    created_at: row.created_at,
    backlog,
    attempts: row.attempts,
    last_error: row.last_error,
    last_delivered_at: row.last_delivered_at,
  };
}

const text = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= 255 && isStorableText(value);

/**
 * A subject this transmitter can match: an RFC 9493 `opaque` or `iss_sub`
 * identifier, or an SSF 1.0 complex subject (section 3.3) of those (user, session).
 */
export function parseSubject(value: unknown, field = 'subject', nested = false): SubjectIdentifier {
  const bad = () => ValidationFailedError.forField(field, 'format', subjectRule(field, nested));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad();
  const s = value as Record<string, unknown>;
  if (s.format === 'opaque' && text(s.id)) return { format: 'opaque', id: s.id };
  if (s.format === 'iss_sub' && text(s.iss) && text(s.sub)) {
    return { format: 'iss_sub', iss: s.iss, sub: s.sub };
  }
  if (s.format === 'complex' && !nested && (s.user !== undefined || s.session !== undefined)) {
    return {
      format: 'complex',
      ...(s.user === undefined ? {} : { user: parseSubject(s.user, `${field}.user`, true) }),
      ...(s.session === undefined
        ? {}
        : { session: parseSubject(s.session, `${field}.session`, true) }),
    };
  }
  throw bad();
}
