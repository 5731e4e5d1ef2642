import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { SAFE_INTEGER } from './doc-bounds';

/** Answer of a bulk revocation. */
@ApiSchema({ name: 'dto.RevokeSessionsResponse' })
export class RevokeSessionsResponse {
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    ...SAFE_INTEGER,
    description: 'Sessions this request ended',
    example: 3,
  })
  revoked: number;
}
