import { ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { PageInfo } from './page-info.dto';
import { SessionResponse } from './session-response.dto';
import { ISO_DATE_TIME_MAX_LENGTH } from './doc-bounds';
import { MAX_PAGE_SIZE } from './list-user-sessions.query';

/**
 * `dto.SessionListResponse`: a page of the caller's active sessions. As seed 001
 * documents it: every member optional (the service always sends all six).
 */
@ApiSchema({ name: 'dto.SessionListResponse' })
export class SessionListResponse {
  @ApiPropertyOptional({
    description: 'Business result code, 0 on success',
    type: 'integer',
    minimum: 0,
    maximum: 0,
    example: 0,
  })
  code: number;

  @ApiPropertyOptional({ description: 'Result message', enum: ['success'], example: 'success' })
  message: string;

  @ApiPropertyOptional({
    description: 'Use items uniformly',
    type: () => [SessionResponse],
    maxItems: MAX_PAGE_SIZE,
  })
  items: SessionResponse[];

  @ApiPropertyOptional({
    description: 'Pagination Information (Nested Object)',
    type: () => PageInfo,
  })
  pagination: PageInfo;

  @ApiPropertyOptional({
    description: 'Total Count (Flattened for Direct Reading)',
    type: 'integer',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 3,
  })
  total: number;

  @ApiPropertyOptional({
    description: 'Response time (RFC 3339)',
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
    example: '2026-04-15T10:30:00.000Z',
  })
  timestamp: string;
}
