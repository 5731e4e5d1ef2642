import { ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';

/**
 * The machine-readable codes of a field error, the only ones the service sends
 * (docs/errors.md lists what each means). `validation.ts` maps every validator to one.
 */
export const FIELD_VIOLATION_CODES = [
  'required',
  'type',
  'format',
  'range',
  'enum',
  'unknown',
] as const;
export type FieldViolationCode = (typeof FIELD_VIOLATION_CODES)[number];

/** One invalid field of a request (`dto.FieldViolation` of the contract). */
@ApiSchema({ name: 'dto.FieldViolation' })
export class FieldViolation {
  @ApiPropertyOptional({
    description: 'Path to the field, dot notation for nested fields',
    example: 'page_size',
  })
  field?: string;

  @ApiPropertyOptional({
    description:
      'Machine-readable rule that failed: required (missing or empty, or needed by another parameter that was sent), type (wrong JSON type, not an integer), format (wrong form: address, UUID, date-time, cursor, repeated list member), range (number, length or item count out of bounds), enum (not an allowed value), unknown (input the rules cannot read)',
    enum: FIELD_VIOLATION_CODES,
    example: 'range',
  })
  code?: FieldViolationCode;

  @ApiPropertyOptional({
    description: 'Which rule was violated, for humans',
    example: 'page_size must be between 1 and 100',
  })
  description?: string;

  @ApiPropertyOptional({
    description:
      'The value that was refused: as the request carried it, except that a query parameter of plain decimal digits is given as the number it was read as; left out when the field was missing, or when its JSON text is longer than 256 characters',
    example: 500,
  })
  value?: unknown;
}

/**
 * RFC 9457 problem details (`dto.Problem` of the contract). The standard members
 * also satisfy the admin API's error envelope; the rest are extensions.
 */
@ApiSchema({ name: 'dto.Problem' })
export class Problem {
  @ApiPropertyOptional({
    description:
      'URI reference identifying the problem type; it resolves to documentation (absent would mean `about:blank`)',
    example: '/problems/invalid-request',
    format: 'uri-reference',
  })
  type?: string;

  @ApiPropertyOptional({
    description: 'Short summary, the same for every occurrence of the type',
    example: 'Invalid Request Parameters',
  })
  title?: string;

  @ApiPropertyOptional({
    description: 'HTTP status code',
    type: 'integer',
    format: 'int32',
    minimum: 100,
    maximum: 599,
    example: 400,
  })
  status?: number;

  @ApiPropertyOptional({
    description: 'Explanation specific to this occurrence',
    example: 'page_size must be between 1 and 100',
  })
  detail?: string;

  @ApiPropertyOptional({
    description: 'The request path where the problem occurred',
    example: '/sessions/user/42/sessions',
    format: 'uri-reference',
  })
  instance?: string;

  @ApiPropertyOptional({
    description:
      'Stable numeric business code, one per problem type: 302, the HTTP status, a sequence number',
    type: 'integer',
    minimum: 30240000,
    maximum: 30259999,
    example: 30240001,
  })
  code?: number;

  @ApiPropertyOptional({
    description: 'Request identifier, also sent as the X-Request-Id header',
    example: 'req_550e8400-e29b-41d4-a716-446655440000',
  })
  request_id?: string;

  @ApiPropertyOptional({
    description: 'W3C Trace Context trace id (from `traceparent`, or started here)',
    example: '0af7651916cd43dd8448eb211c80319c',
  })
  trace_id?: string;

  @ApiPropertyOptional({
    description: "This service's span id within the trace",
    example: 'b7ad6b7169203331',
  })
  span_id?: string;

  @ApiPropertyOptional({
    description: 'When the problem occurred (ISO 8601)',
    example: '2026-04-03T12:00:00.000Z',
  })
  timestamp?: string;

  @ApiPropertyOptional({
    description: 'Service that produced the problem',
    example: 'session-service',
  })
  service?: string;

  @ApiPropertyOptional({
    description: 'Internationalization key for client-side translation',
    example: 'error.user_not_found',
  })
  i18n_key?: string;

  @ApiPropertyOptional({
    description:
      'Values interpolated into `detail`, by placeholder name, so clients can translate it on their side; empty when the detail comes from no template',
    example: { user_id: '1001' },
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }] },
  })
  i18n_args?: Record<string, string | number>;

  @ApiPropertyOptional({
    description:
      'Seconds to wait before retrying (RFC 6585), on 429 and 503; the same as the `Retry-After` header',
    type: 'integer',
    minimum: 1,
    maximum: 60,
    example: 5,
  })
  retry_after?: number;

  @ApiPropertyOptional({
    description: 'Field-level validation errors (400 only)',
    type: () => [FieldViolation],
  })
  errors?: FieldViolation[];
}

/** The media type every error is served as (RFC 9457 section 3). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
