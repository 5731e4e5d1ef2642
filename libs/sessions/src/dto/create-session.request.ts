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
  MaxLength,
  Min,
} from 'class-validator';
import { AMR_VALUES } from '../amr';
import { DEVICE_TYPES } from '../device-type';

/**
 * A sign-in to record, as the auth platform reports it. Type checks sit lowest
 * in each stack: class-validator runs them first, so the first failure reported
 * for a field is the most basic one.
 */
export class CreateSessionRequest {
  @ApiProperty({ type: 'integer', minimum: 1, example: 1001 })
  @Min(1, { message: 'user_id must be a positive integer' })
  @Max(Number.MAX_SAFE_INTEGER, { message: `user_id must be at most ${Number.MAX_SAFE_INTEGER}` })
  @IsInt({ message: 'user_id must be an integer' })
  user_id: number;

  @ApiProperty({
    description: 'Current username; updates the stored one',
    example: 'alice',
    maxLength: 255,
  })
  @MaxLength(255, { message: 'username must be at most 255 characters' })
  @IsNotEmpty({ message: 'username must not be empty' })
  @IsString({ message: 'username must be a string' })
  username: string;

  @ApiProperty({
    description: 'Authentication methods performed, RFC 8176 names (first one is the primary)',
    example: ['password', 'totp'],
    type: [String],
    enum: AMR_VALUES,
  })
  @IsIn(AMR_VALUES, {
    each: true,
    message: `each amr entry must be one of: ${AMR_VALUES.join(', ')}`,
  })
  @ArrayUnique({ message: 'amr must not repeat a method' })
  @ArrayMaxSize(10, { message: 'amr must name at most 10 methods' })
  @ArrayNotEmpty({ message: 'amr must name at least one method' })
  @IsArray({ message: 'amr must be an array of method names' })
  amr: string[];

  @ApiProperty({ description: 'Client IP address (IPv4 or IPv6)', example: '192.168.1.1' })
  @IsIP(undefined, { message: 'ip must be an IPv4 or IPv6 address' })
  ip: string;

  @ApiProperty({
    example: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15',
    maxLength: 1024,
  })
  @MaxLength(1024, { message: 'user_agent must be at most 1024 characters' })
  @IsString({ message: 'user_agent must be a string' })
  user_agent: string;

  @ApiPropertyOptional({ example: 'tnt_xyz789', maxLength: 128 })
  @IsOptional()
  @MaxLength(128, { message: 'tenant_id must be at most 128 characters' })
  @IsNotEmpty({ message: 'tenant_id must not be empty' })
  @IsString({ message: 'tenant_id must be a string' })
  tenant_id?: string;

  @ApiPropertyOptional({ example: 'dev_abc123', maxLength: 128 })
  @IsOptional()
  @MaxLength(128, { message: 'device_id must be at most 128 characters' })
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
  @MaxLength(128, { message: 'geoip must be at most 128 characters' })
  @IsString({ message: 'geoip must be a string' })
  geoip?: string;

  @ApiPropertyOptional({
    type: 'integer',
    description:
      'Absolute lifetime in seconds, within the configured bounds (default SESSION_ABSOLUTE_TTL_SECONDS)',
    example: 43200,
  })
  @IsOptional()
  @IsInt({ message: 'ttl_seconds must be an integer' })
  ttl_seconds?: number;

  @ApiPropertyOptional({
    type: 'integer',
    description:
      'Idle timeout in seconds, within the configured bounds (default SESSION_IDLE_TIMEOUT_SECONDS)',
    example: 1800,
  })
  @IsOptional()
  @IsInt({ message: 'idle_timeout_seconds must be an integer' })
  idle_timeout_seconds?: number;
}
