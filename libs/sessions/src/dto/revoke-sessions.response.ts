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

/** Answer (202) of a bulk revocation still going on when the request's budget ran out. */
@ApiSchema({ name: 'dto.RevokeSessionsProgress' })
export class RevokeSessionsProgress {
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    ...SAFE_INTEGER,
    description: 'Sessions this request ended so far',
    example: 120000,
  })
  revoked: number;

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    ...SAFE_INTEGER,
    nullable: true,
    description:
      'Active sessions still to end (null if they could not be counted); they are ended in the background',
    example: 180000,
  })
  remaining: number | null;

  @ApiProperty({ enum: [false], description: 'Always false: the revocation goes on' })
  complete: false;
}

/**
 * The answer of a bulk revocation: 200 `{ revoked }` when it is complete, else
 * 202 with the progress. A web `Response` carries its own status through either
 * HTTP adapter.
 */
export function bulkRevocationAnswer(result: {
  revoked: number;
  complete: boolean;
  remaining?: number | null;
}): RevokeSessionsResponse | Response {
  if (result.complete) return { revoked: result.revoked };
  const progress: RevokeSessionsProgress = {
    revoked: result.revoked,
    remaining: result.remaining ?? null,
    complete: false,
  };
  return new Response(JSON.stringify(progress), {
    status: 202,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
  });
}
