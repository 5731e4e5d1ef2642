import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { StorableText } from '@session-service/sessions';
import { POLL_DELIVERY, PUSH_DELIVERY, SESSION_REVOKED, VERIFICATION_EVENT } from '../events';
import { HTTP_URL, httpUrlRule } from './http-url';

const STREAM_ID_EXAMPLE = 'f5b1e4c2-6d3a-4b8e-9f10-2a7c3e5d8b41';
const ISSUER_EXAMPLE = 'https://sessions.example.com';
const URL_MAX = 2048;
const EVENT_TYPE_MAX = 255;
const MAX_EVENT_TYPES = 20;

@ApiSchema({ name: 'ssf.AuthorizationScheme' })
export class AuthorizationScheme {
  @ApiProperty({ maxLength: 64, example: 'urn:ietf:rfc:6750' })
  spec_urn: string;
}

/** SSF 1.0 section 7.1: the transmitter's configuration metadata. */
@ApiSchema({ name: 'ssf.TransmitterConfiguration' })
export class TransmitterConfiguration {
  @ApiProperty({ maxLength: 16, example: '1_0' })
  spec_version: string;

  @ApiProperty({ format: 'uri', maxLength: URL_MAX, example: ISSUER_EXAMPLE })
  issuer: string;

  @ApiProperty({
    format: 'uri',
    maxLength: URL_MAX,
    example: `${ISSUER_EXAMPLE}/.well-known/jwks.json`,
  })
  jwks_uri: string;

  @ApiProperty({
    type: [String],
    maxItems: 2,
    example: [PUSH_DELIVERY, POLL_DELIVERY],
    items: { type: 'string', maxLength: 32 },
  })
  delivery_methods_supported: string[];

  @ApiProperty({ format: 'uri', maxLength: URL_MAX, example: `${ISSUER_EXAMPLE}/ssf/streams` })
  configuration_endpoint: string;

  @ApiProperty({ format: 'uri', maxLength: URL_MAX, example: `${ISSUER_EXAMPLE}/ssf/status` })
  status_endpoint: string;

  @ApiProperty({ format: 'uri', maxLength: URL_MAX, example: `${ISSUER_EXAMPLE}/ssf/subjects/add` })
  add_subject_endpoint: string;

  @ApiProperty({
    format: 'uri',
    maxLength: URL_MAX,
    example: `${ISSUER_EXAMPLE}/ssf/subjects/remove`,
  })
  remove_subject_endpoint: string;

  @ApiProperty({ format: 'uri', maxLength: URL_MAX, example: `${ISSUER_EXAMPLE}/ssf/verify` })
  verification_endpoint: string;

  @ApiProperty({ type: () => [AuthorizationScheme], maxItems: 1 })
  authorization_schemes: AuthorizationScheme[];

  @ApiProperty({
    enum: ['ALL', 'NONE'],
    description: 'New streams receive events about every subject; remove_subject excludes one',
    example: 'ALL',
  })
  default_subjects: 'ALL' | 'NONE';
}

/** How a stream is delivered: the receiver supplies the method (and a push endpoint). */
@ApiSchema({ name: 'ssf.StreamDeliveryRequest' })
export class StreamDeliveryRequest {
  @ApiProperty({ enum: [PUSH_DELIVERY, POLL_DELIVERY], example: POLL_DELIVERY })
  @IsIn([PUSH_DELIVERY, POLL_DELIVERY], {
    message: `method must be ${PUSH_DELIVERY} (push) or ${POLL_DELIVERY} (poll)`,
  })
  method: string;

  @ApiPropertyOptional({
    description:
      'Push only: the receiver URL SETs are POSTed to (RFC 8935), without credentials (`user:password@`; use `authorization_header`) or a fragment',
    format: 'uri',
    maxLength: URL_MAX,
    pattern: HTTP_URL.source,
    example: 'https://receiver.example.com/events',
  })
  @IsOptional()
  @Matches(HTTP_URL, { message: httpUrlRule('endpoint_url') })
  @MaxLength(URL_MAX)
  @StorableText()
  @IsString()
  endpoint_url?: string;

  @ApiPropertyOptional({
    description: 'Push only: the Authorization header value sent with each SET (never returned)',
    maxLength: 4096,
    example: 'Bearer receiver-secret',
  })
  @IsOptional()
  @MaxLength(4096)
  @StorableText()
  @IsString()
  authorization_header?: string;
}

/** SSF 1.0 section 8.1.1.1: a stream to create. */
@ApiSchema({ name: 'ssf.CreateStreamRequest' })
export class CreateStreamRequest {
  @ApiPropertyOptional({
    type: () => StreamDeliveryRequest,
    description: `Default: poll (${POLL_DELIVERY})`,
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => StreamDeliveryRequest)
  @IsObject()
  delivery?: StreamDeliveryRequest;

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_EVENT_TYPES,
    items: { type: 'string', maxLength: EVENT_TYPE_MAX },
    example: [SESSION_REVOKED],
  })
  @IsOptional()
  // class-validator checks in the order the rules are registered (the decorator nearest the
  // property first) and reports the first failure: the types (an array, of strings) before
  // the bounds, so [1, 2] is named as not strings, not as too long.
  @MaxLength(EVENT_TYPE_MAX, { each: true })
  @StorableText({ each: true })
  @IsString({ each: true })
  @ArrayMaxSize(MAX_EVENT_TYPES)
  @IsArray()
  events_requested?: string[];

  @ApiPropertyOptional({ maxLength: 255, example: 'API gateway revocations' })
  @IsOptional()
  @MaxLength(255)
  @StorableText()
  @IsString()
  description?: string;
}

/** SSF 1.0 sections 8.1.1.3 and 8.1.1.4: a stream's new settings (PATCH: those given; PUT: all). */
@ApiSchema({ name: 'ssf.UpdateStreamRequest' })
export class UpdateStreamRequest extends CreateStreamRequest {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: STREAM_ID_EXAMPLE })
  @IsUUID('all', { message: 'stream_id must be a UUID' })
  @IsNotEmpty({ message: 'stream_id is required' })
  stream_id: string;
}

@ApiSchema({ name: 'ssf.StreamDelivery' })
export class StreamDelivery {
  @ApiProperty({ enum: [PUSH_DELIVERY, POLL_DELIVERY], example: POLL_DELIVERY })
  method: string;

  @ApiProperty({
    description: 'Push: the receiver endpoint; poll: the transmitter URL the receiver polls',
    format: 'uri',
    maxLength: URL_MAX,
    example: `${ISSUER_EXAMPLE}/ssf/poll/${STREAM_ID_EXAMPLE}`,
  })
  endpoint_url: string;
}

/** SSF 1.0 section 8.1.1: a stream's configuration. */
@ApiSchema({ name: 'ssf.StreamConfiguration' })
export class StreamConfiguration {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: STREAM_ID_EXAMPLE })
  stream_id: string;

  @ApiProperty({ format: 'uri', maxLength: URL_MAX, example: ISSUER_EXAMPLE })
  iss: string;

  @ApiProperty({
    description: "`aud` of the stream's SETs: the receiver (its token's subject)",
    maxLength: 255,
    example: '7',
  })
  aud: string;

  @ApiProperty({
    type: [String],
    maxItems: MAX_EVENT_TYPES,
    items: { type: 'string', maxLength: EVENT_TYPE_MAX },
    example: [SESSION_REVOKED],
  })
  events_supported: string[];

  @ApiProperty({
    type: [String],
    maxItems: MAX_EVENT_TYPES,
    items: { type: 'string', maxLength: EVENT_TYPE_MAX },
    example: [SESSION_REVOKED],
  })
  events_requested: string[];

  @ApiProperty({
    type: [String],
    maxItems: MAX_EVENT_TYPES,
    items: { type: 'string', maxLength: EVENT_TYPE_MAX },
    example: [SESSION_REVOKED],
  })
  events_delivered: string[];

  @ApiProperty({ type: () => StreamDelivery })
  delivery: StreamDelivery;

  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 86400,
    description: 'Seconds between two verification requests the receiver should respect',
    example: 0,
  })
  min_verification_interval: number;

  @ApiPropertyOptional({ maxLength: 255, example: 'API gateway revocations' })
  description?: string;
}

export class StreamIdQuery {
  @ApiPropertyOptional({ format: 'uuid', maxLength: 36, example: STREAM_ID_EXAMPLE })
  @IsOptional()
  @IsUUID('all', { message: 'stream_id must be a UUID' })
  stream_id?: string;
}

export class RequiredStreamIdQuery {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: STREAM_ID_EXAMPLE })
  @IsUUID('all', { message: 'stream_id must be a UUID' })
  @IsNotEmpty({ message: 'stream_id is required' })
  stream_id: string;
}

export class StreamIdParam {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: STREAM_ID_EXAMPLE })
  @IsUUID('all', { message: 'stream_id must be a UUID' })
  stream_id: string;
}

export const STREAM_STATUSES = ['enabled', 'paused', 'disabled'] as const;

/** SSF 1.0 section 8.1.2.2: a stream's new status. */
@ApiSchema({ name: 'ssf.UpdateStreamStatusRequest' })
export class UpdateStreamStatusRequest {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: STREAM_ID_EXAMPLE })
  @IsUUID('all', { message: 'stream_id must be a UUID' })
  @IsNotEmpty({ message: 'stream_id is required' })
  stream_id: string;

  @ApiProperty({ enum: STREAM_STATUSES, example: 'paused' })
  @IsIn(STREAM_STATUSES, { message: 'status must be enabled, paused or disabled' })
  status: (typeof STREAM_STATUSES)[number];

  @ApiPropertyOptional({ maxLength: 255, example: 'maintenance window' })
  @IsOptional()
  @MaxLength(255)
  @StorableText()
  @IsString()
  reason?: string;
}

/** SSF 1.0 section 8.1.2.1, with the delivery state of the stream. */
@ApiSchema({ name: 'ssf.StreamStatus' })
export class StreamStatusResponse {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: STREAM_ID_EXAMPLE })
  stream_id: string;

  @ApiProperty({ enum: STREAM_STATUSES, example: 'enabled' })
  status: string;

  @ApiPropertyOptional({ maxLength: 255, example: 'maintenance window' })
  reason?: string;

  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 10000,
    description: 'Revocations waiting for the stream (counted up to 10,000)',
    example: 0,
  })
  backlog: number;

  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: 2147483647,
    description: 'Failed push attempts since the last success',
    example: 0,
  })
  attempts: number;

  @ApiProperty({
    type: 'string',
    nullable: true,
    maxLength: 500,
    description: 'The last push failure or refusal',
    example: 'HTTP 503',
  })
  last_error: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, maxLength: 24 })
  last_error_at: string | null;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    maxLength: 24,
    description:
      'The last SET delivered: pushed and accepted, or (poll delivery) acknowledged by a poll',
  })
  last_delivered_at: string | null;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    nullable: true,
    maxLength: 24,
    description: 'When the next push is due (push delivery); null for poll delivery',
  })
  next_attempt_at: string | null;
}

/**
 * The refusal of a subject that is not one this transmitter matches: the
 * formats and where each is defined (`nested`: a member of a complex subject).
 */
export const subjectRule = (field: string, nested = false): string =>
  nested
    ? `${field} must be an RFC 9493 subject identifier of format opaque or iss_sub`
    : `${field} must be an RFC 9493 subject identifier of format opaque or iss_sub, or an SSF 1.0 complex subject of those (user, session)`;

/** A subject: an RFC 9493 identifier (opaque, iss_sub), or an SSF 1.0 complex subject of those (user, session). */
@ApiSchema({ name: 'ssf.SubjectIdentifier' })
export class SubjectIdentifierDto {
  @ApiProperty({
    enum: ['opaque', 'iss_sub', 'complex'],
    description:
      'RFC 9493 `opaque` (`id`) or `iss_sub` (`iss`, `sub`), or `complex`, the complex subject of SSF 1.0 (section 3.3), with `user` and `session` members of those two formats',
    example: 'opaque',
  })
  format: string;

  @ApiPropertyOptional({ maxLength: 255, example: '1001' })
  id?: string;

  @ApiPropertyOptional({ maxLength: 255, example: 'https://idp.example.com' })
  iss?: string;

  @ApiPropertyOptional({ maxLength: 255, example: 'f47ac10b-58cc-4372-a567-0e02b2c3d479' })
  sub?: string;
}

/** SSF 1.0 sections 8.1.3.2 and 8.1.3.3. */
@ApiSchema({ name: 'ssf.SubjectRequest' })
export class SubjectRequest {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: STREAM_ID_EXAMPLE })
  @IsUUID('all', { message: 'stream_id must be a UUID' })
  @IsNotEmpty({ message: 'stream_id is required' })
  stream_id: string;

  @ApiProperty({
    type: () => SubjectIdentifierDto,
    example: { format: 'opaque', id: '1001' },
  })
  @IsObject({ message: subjectRule('subject') })
  subject: Record<string, unknown>;

  @ApiPropertyOptional({ example: true })
  @IsOptional()
  @IsBoolean()
  verified?: boolean;
}

/** SSF 1.0 section 8.1.4.2. */
@ApiSchema({ name: 'ssf.VerificationRequest' })
export class VerificationRequest {
  @ApiProperty({ format: 'uuid', maxLength: 36, example: STREAM_ID_EXAMPLE })
  @IsUUID('all', { message: 'stream_id must be a UUID' })
  @IsNotEmpty({ message: 'stream_id is required' })
  stream_id: string;

  @ApiPropertyOptional({
    description: `Echoed in the ${VERIFICATION_EVENT} event`,
    maxLength: 255,
    example: 'VGhpcyBpcyBhbiBleGFtcGxl',
  })
  @IsOptional()
  @MaxLength(255)
  @StorableText()
  @IsString()
  state?: string;
}

/** RFC 8936 section 2.4: a SET the receiver could not process. */
@ApiSchema({ name: 'ssf.SetError' })
export class SetError {
  @ApiProperty({ maxLength: 64, example: 'invalid_key' })
  err: string;

  @ApiPropertyOptional({ maxLength: 1024, example: 'Key ID 12345 has been revoked.' })
  description?: string;
}

/** RFC 8936 section 2.1: a poll request (acknowledgements and how many SETs to return). */
@ApiSchema({ name: 'ssf.PollRequest' })
export class PollRequestBody {
  @ApiPropertyOptional({ type: 'integer', format: 'int32', minimum: 0, maximum: 1000, example: 10 })
  maxEvents?: number;

  @ApiPropertyOptional({ example: false })
  returnImmediately?: boolean;

  @ApiPropertyOptional({
    type: [String],
    maxItems: 1000,
    items: { type: 'string', maxLength: 128 },
    example: [`${STREAM_ID_EXAMPLE}:812:17`],
  })
  ack?: string[];

  @ApiPropertyOptional({
    type: 'object',
    maxProperties: 1000,
    additionalProperties: { $ref: '#/components/schemas/ssf.SetError' },
    example: {},
  })
  setErrs?: Record<string, SetError>;
}

/** RFC 8936 section 2.2: the SETs, by `jti`. */
@ApiSchema({ name: 'ssf.PollResponse' })
export class PollResponse {
  @ApiProperty({
    type: 'object',
    maxProperties: 1000,
    additionalProperties: { type: 'string', maxLength: 16384 },
    example: {
      [`${STREAM_ID_EXAMPLE}:812:17`]:
        'eyJhbGciOiJFUzI1NiIsImtpZCI6Ii4uLiIsInR5cCI6InNlY2V2ZW50K2p3dCJ9...',
    },
  })
  sets: Record<string, string>;

  @ApiProperty({ example: false })
  moreAvailable: boolean;
}

/** RFC 8935 section 2.3 / RFC 8936 section 2.4: the error body of a refused poll. */
@ApiSchema({ name: 'ssf.PollError' })
export class PollError {
  @ApiProperty({ enum: ['invalid_request'], example: 'invalid_request' })
  err: string;

  @ApiProperty({ maxLength: 255, example: 'maxEvents must be an integer from 0 to 1000' })
  description: string;
}

@ApiSchema({ name: 'jose.JWK' })
export class PublicJwk {
  @ApiProperty({ enum: ['EC', 'RSA', 'OKP'], example: 'EC' })
  kty: string;

  @ApiPropertyOptional({ maxLength: 16, example: 'P-256' })
  crv?: string;

  @ApiPropertyOptional({ maxLength: 1024, example: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU' })
  x?: string;

  @ApiPropertyOptional({ maxLength: 1024, example: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' })
  y?: string;

  @ApiPropertyOptional({ maxLength: 1024 })
  n?: string;

  @ApiPropertyOptional({ maxLength: 16 })
  e?: string;

  @ApiProperty({ maxLength: 255, example: 'signals-2026-12' })
  kid: string;

  @ApiPropertyOptional({ maxLength: 16, example: 'ES256' })
  alg?: string;

  @ApiPropertyOptional({ enum: ['sig'], example: 'sig' })
  use?: string;
}

@ApiSchema({ name: 'jose.JWKS' })
export class PublicJwks {
  @ApiProperty({ type: () => [PublicJwk], maxItems: 20 })
  keys: PublicJwk[];
}
