import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsIP,
  IsNotEmpty,
  IsOptional,
  Max,
  Matches,
  Min,
} from 'class-validator';
import { AMR_VALUES, MAX_AMR_METHODS } from '../amr';
import { DEVICE_TYPES } from '../device-type';
import { BoundedText } from './input-rules';
import { COLUMN_LENGTH, IP_ADDRESS_MAX_LENGTH, SAFE_INTEGER } from './doc-bounds';

/**
 * A sign-in to record, as the auth platform reports it. Type checks sit lowest
 * in each stack: class-validator runs them first, so the first failure reported
 * for a field is the most basic one.
 */
export class CreateSessionRequest {
  @ApiProperty({ type: 'integer', minimum: 1, ...SAFE_INTEGER, example: 1001 })
  @Min(1, { message: 'user_id must be a positive integer' })
  @Max(Number.MAX_SAFE_INTEGER, { message: `user_id must be at most ${Number.MAX_SAFE_INTEGER}` })
  @IsInt({ message: 'user_id must be an integer' })
  @IsDefined({ message: 'user_id is required' })
  user_id: number;

  @ApiProperty({
    description: 'Current username; updates the stored one',
    example: 'alice',
    maxLength: 255,
  })
  @IsNotEmpty({ message: 'username must not be empty' })
  @BoundedText(COLUMN_LENGTH.username)
  @IsDefined({ message: 'username is required' })
  username: string;

  @ApiProperty({
    description:
      'Authentication methods performed, RFC 8176 names or their aliases (first one is the primary); stored under the RFC 8176 name (`password` as `pwd`)',
    example: ['password', 'totp'],
    type: [String],
    enum: AMR_VALUES,
    maxItems: MAX_AMR_METHODS,
  })
  @IsIn(AMR_VALUES, {
    each: true,
    message: `each amr entry must be one of: ${AMR_VALUES.join(', ')}`,
  })
  @ArrayUnique({ message: 'amr must not repeat a method' })
  @ArrayMaxSize(MAX_AMR_METHODS, { message: `amr must name at most ${MAX_AMR_METHODS} methods` })
  @ArrayNotEmpty({ message: 'amr must name at least one method' })
  @IsArray({ message: 'amr must be an array of method names' })
  @IsDefined({ message: 'amr is required' })
  amr: string[];

  @ApiProperty({
    description: 'Client IP address (IPv4 or IPv6, without a zone id)',
    maxLength: IP_ADDRESS_MAX_LENGTH,
    example: '192.168.1.1',
  })
  @Matches(/^[^%]*$/, { message: 'ip must not carry an IPv6 zone id' })
  @IsIP(undefined, { message: 'ip must be an IPv4 or IPv6 address' })
  @IsDefined({ message: 'ip is required' })
  ip: string;

  @ApiProperty({
    example: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15',
    maxLength: 1024,
  })
  @BoundedText(COLUMN_LENGTH.userAgent)
  @IsDefined({ message: 'user_agent is required' })
  user_agent: string;

  @ApiPropertyOptional({ example: 'tnt_xyz789', maxLength: 128 })
  @IsOptional()
  @IsNotEmpty({ message: 'tenant_id must not be empty' })
  @BoundedText(COLUMN_LENGTH.tenantId)
  tenant_id?: string;

  @ApiPropertyOptional({ example: 'dev_abc123', maxLength: 128 })
  @IsOptional()
  @IsNotEmpty({ message: 'device_id must not be empty' })
  @BoundedText(COLUMN_LENGTH.deviceId)
  device_id?: string;

  @ApiPropertyOptional({
    description: 'Derived from user_agent when absent',
    enum: DEVICE_TYPES,
    example: 'desktop',
  })
  @IsOptional()
  @IsIn(DEVICE_TYPES, { message: `device_type must be one of: ${DEVICE_TYPES.join(', ')}` })
  device_type?: string;

  @ApiPropertyOptional({ example: 'Beijing, CN', maxLength: 128 })
  @IsOptional()
  @BoundedText(COLUMN_LENGTH.geoip)
  geoip?: string;

  @ApiPropertyOptional({
    description:
      "The identity provider's subject (`sub`) of this user, when it is not the platform's user id (a UUID, `auth0|...`): the mapping (issuer, subject) to user_id is recorded with the session, so tokens carrying that `sub` stand for the user. 409 when it already names another user",
    example: 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
    minLength: 1,
    maxLength: 255,
  })
  @IsOptional()
  @IsNotEmpty({ message: 'subject must not be empty' })
  @BoundedText(COLUMN_LENGTH.subject)
  subject?: string;

  @ApiPropertyOptional({
    description:
      'Issuer (`iss`) of `subject`, only with it. Default: the issuer tokens are verified against (JWT_ISSUER, or JWT_OIDC_ISSUER); required with `subject` when none is configured',
    example: 'https://idp.example.com/realms/main',
    minLength: 1,
    maxLength: 255,
  })
  @IsOptional()
  @IsNotEmpty({ message: 'issuer must not be empty' })
  @BoundedText(COLUMN_LENGTH.issuer)
  issuer?: string;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int64',
    description:
      'Absolute lifetime in seconds, within the configured bounds (default SESSION_ABSOLUTE_TTL_SECONDS)',
    example: 43200,
  })
  @IsOptional()
  @IsInt({ message: 'ttl_seconds must be an integer' })
  ttl_seconds?: number;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    description:
      'Idle timeout in seconds, within the configured bounds (default SESSION_IDLE_TIMEOUT_SECONDS)',
    example: 1800,
  })
  @IsOptional()
  @IsInt({ message: 'idle_timeout_seconds must be an integer' })
  idle_timeout_seconds?: number;
}
