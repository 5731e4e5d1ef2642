import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsIP,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  Matches,
  Min,
} from 'class-validator';
import { AMR_VALUES, MAX_AMR_METHODS } from '../amr';
import { DEVICE_TYPES } from '../device-type';
import { MaxChars, NoNul } from './custom-rules';
import { IP_ADDRESS_MAX_LENGTH, SAFE_INTEGER } from './doc-bounds';

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
  user_id: number;

  @ApiProperty({
    description: 'Current username; updates the stored one',
    example: 'alice',
    maxLength: 255,
  })
  @NoNul({ message: 'username must not contain NUL characters' })
  @MaxChars(255, { message: 'username must be at most 255 characters' })
  @IsNotEmpty({ message: 'username must not be empty' })
  @IsString({ message: 'username must be a string' })
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
  amr: string[];

  @ApiProperty({
    description: 'Client IP address (IPv4 or IPv6, without a zone id)',
    maxLength: IP_ADDRESS_MAX_LENGTH,
    example: '192.168.1.1',
  })
  @Matches(/^[^%]*$/, { message: 'ip must not carry an IPv6 zone id' })
  @IsIP(undefined, { message: 'ip must be an IPv4 or IPv6 address' })
  ip: string;

  @ApiProperty({
    example: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15',
    maxLength: 1024,
  })
  @NoNul({ message: 'user_agent must not contain NUL characters' })
  @MaxChars(1024, { message: 'user_agent must be at most 1024 characters' })
  @IsString({ message: 'user_agent must be a string' })
  user_agent: string;

  @ApiPropertyOptional({ example: 'tnt_xyz789', maxLength: 128 })
  @IsOptional()
  @NoNul({ message: 'tenant_id must not contain NUL characters' })
  @MaxChars(128, { message: 'tenant_id must be at most 128 characters' })
  @IsNotEmpty({ message: 'tenant_id must not be empty' })
  @IsString({ message: 'tenant_id must be a string' })
  tenant_id?: string;

  @ApiPropertyOptional({ example: 'dev_abc123', maxLength: 128 })
  @IsOptional()
  @NoNul({ message: 'device_id must not contain NUL characters' })
  @MaxChars(128, { message: 'device_id must be at most 128 characters' })
  @IsNotEmpty({ message: 'device_id must not be empty' })
  @IsString({ message: 'device_id must be a string' })
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
  @NoNul({ message: 'geoip must not contain NUL characters' })
  @MaxChars(128, { message: 'geoip must be at most 128 characters' })
  @IsString({ message: 'geoip must be a string' })
  geoip?: string;

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
