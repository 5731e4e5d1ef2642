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

/** A sign-in to record, as the auth platform reports it. */
export class CreateSessionRequest {
  @ApiProperty({ type: 'integer', minimum: 1, example: 1001 })
  @IsInt({ message: 'user_id must be an integer' })
  @Min(1, { message: 'user_id must be a positive integer' })
  @Max(Number.MAX_SAFE_INTEGER, { message: `user_id must be at most ${Number.MAX_SAFE_INTEGER}` })
  user_id: number;

  @ApiProperty({
    description: 'Current username; updates the stored one',
    example: 'alice',
    maxLength: 255,
  })
  @IsString({ message: 'username must be a string' })
  @IsNotEmpty({ message: 'username must not be empty' })
  @MaxLength(255, { message: 'username must be at most 255 characters' })
  username: string;

  @ApiProperty({
    description: 'Authentication methods performed, RFC 8176 names (first one is the primary)',
    example: ['password', 'totp'],
    type: [String],
    enum: AMR_VALUES,
  })
  @IsArray({ message: 'amr must be an array of method names' })
  @ArrayNotEmpty({ message: 'amr must name at least one method' })
  @ArrayMaxSize(10, { message: 'amr must name at most 10 methods' })
  @ArrayUnique({ message: 'amr must not repeat a method' })
  @IsIn(AMR_VALUES, {
    each: true,
    message: `each amr entry must be one of: ${AMR_VALUES.join(', ')}`,
  })
  amr: string[];

  @ApiProperty({ description: 'Client IP address (IPv4 or IPv6)', example: '192.168.1.1' })
  @IsIP(undefined, { message: 'ip must be an IPv4 or IPv6 address' })
  ip: string;

  @ApiProperty({
    example: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15',
    maxLength: 1024,
  })
  @IsString({ message: 'user_agent must be a string' })
  @MaxLength(1024, { message: 'user_agent must be at most 1024 characters' })
  user_agent: string;

  @ApiPropertyOptional({ example: 'tnt_xyz789', maxLength: 128 })
  @IsOptional()
  @IsString({ message: 'tenant_id must be a string' })
  @IsNotEmpty({ message: 'tenant_id must not be empty' })
  @MaxLength(128, { message: 'tenant_id must be at most 128 characters' })
  tenant_id?: string;

  @ApiPropertyOptional({ example: 'dev_abc123', maxLength: 128 })
  @IsOptional()
  @IsString({ message: 'device_id must be a string' })
  @IsNotEmpty({ message: 'device_id must not be empty' })
  @MaxLength(128, { message: 'device_id must be at most 128 characters' })
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
  @IsString({ message: 'geoip must be a string' })
  @MaxLength(128, { message: 'geoip must be at most 128 characters' })
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
