import { isIP } from 'node:net';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { MemoizedValidation } from '@session-service/problem';
import { AMR_VALUES } from '../amr';
import { DEVICE_TYPES } from '../device-type';
import { LIST_CURSOR_MAX_LENGTH, SAFE_INTEGER } from './doc-bounds';
import { customRule } from './custom-rules';
import { BoundedText, PG_TIMESTAMP_MAX_LENGTH, PgTimestamp } from './input-rules';
import { StrictInt } from './strict-int.transform';

export const MAX_ADMIN_PAGE = 1000;

/** An IPv4/IPv6 address, or a CIDR block of either. */
export function isIpOrCidr(value: unknown): boolean {
  // A zone id (fe80::1%eth0) names an interface, not an address PostgreSQL's inet can hold.
  if (typeof value !== 'string' || value.includes('%')) return false;
  const [address, prefix, ...rest] = value.split('/');
  const version = isIP(address);
  if (!version || rest.length) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (version === 4 ? 32 : 128);
}

/**
 * Optional paging and filters of the admin list. With none of them the list is
 * the seed contract: every active session, streamed. None carries an `example`:
 * Swagger UI's "Try it out" fills a parameter with its example and sends it, so
 * an example here would silently filter the list; examples go in the description.
 */
@MemoizedValidation()
export class AdminListQuery {
  @ApiPropertyOptional({
    description: 'Page size; with it the answer carries `next_cursor` (keyset paging)',
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: MAX_ADMIN_PAGE,
  })
  @IsOptional()
  @Min(1, { message: `limit must be between 1 and ${MAX_ADMIN_PAGE}` })
  @Max(MAX_ADMIN_PAGE, { message: `limit must be between 1 and ${MAX_ADMIN_PAGE}` })
  @IsInt({ message: 'limit must be an integer' })
  @StrictInt()
  limit?: number;

  @ApiPropertyOptional({
    description: 'Opaque `next_cursor` of the previous page (needs `limit`)',
    maxLength: LIST_CURSOR_MAX_LENGTH,
  })
  @IsOptional()
  @BoundedText(LIST_CURSOR_MAX_LENGTH, {
    message: () => 'cursor must be a next_cursor returned by this list',
  })
  cursor?: string;

  @ApiPropertyOptional({
    description: 'Only this user, e.g. `1001`',
    type: 'integer',
    minimum: 1,
    ...SAFE_INTEGER,
  })
  @IsOptional()
  @Min(1, { message: 'user_id must be a positive integer' })
  @Max(Number.MAX_SAFE_INTEGER, { message: `user_id must be at most ${Number.MAX_SAFE_INTEGER}` })
  @IsInt({ message: 'user_id must be a positive integer' })
  @StrictInt()
  user_id?: number;

  @ApiPropertyOptional({
    description:
      'Only this IP address, or addresses in this CIDR block, e.g. `198.51.100.7`, `203.0.113.0/24`, `2001:db8::/64`',
    // The longest IPv6 text form (45) plus a /128 prefix; isIpOrCidr refuses anything longer.
    maxLength: 49,
  })
  @IsOptional()
  @customRule('isIpOrCidr', isIpOrCidr, {
    message: 'ip must be an IPv4/IPv6 address or CIDR block',
  })
  ip?: string;

  @ApiPropertyOptional({
    description:
      'Only sessions whose first method is this one; an alias finds the sessions of its RFC 8176 method (`password` and `pwd` alike)',
    enum: AMR_VALUES,
  })
  @IsOptional()
  @IsIn(AMR_VALUES, { message: `auth_method must be one of: ${AMR_VALUES.join(', ')}` })
  auth_method?: string;

  @ApiPropertyOptional({ description: 'Only this device type', enum: DEVICE_TYPES })
  @IsOptional()
  @IsIn(DEVICE_TYPES, { message: `device_type must be one of: ${DEVICE_TYPES.join(', ')}` })
  device_type?: string;

  @ApiPropertyOptional({
    description:
      'Only sessions active at or after this time (RFC 3339, with a time zone within ±15:59; 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z)',
    format: 'date-time',
    maxLength: PG_TIMESTAMP_MAX_LENGTH,
  })
  @IsOptional()
  @PgTimestamp()
  active_since?: string;
}
