import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** Answer of a bulk revocation. */
@ApiSchema({ name: 'dto.RevokeSessionsResponse' })
export class RevokeSessionsResponse {
  @ApiProperty({ type: 'integer', description: 'Sessions this request ended', example: 3 })
  revoked: number;
}
