import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { PageInfo } from './page-info.dto';
import { SessionResponse } from './session-response.dto';
import { ISO_DATE_TIME_MAX_LENGTH } from './doc-bounds';
import { MAX_PAGE_SIZE } from './list-user-sessions.query';

/** `dto.SessionListResponse`: a page of the caller's active sessions. */
@ApiSchema({ name: 'dto.SessionListResponse' })
export class SessionListResponse {
  @ApiProperty({ description: 'Business result code, 0 on success', example: 0 })
  code: number;

  @ApiProperty({ description: 'Result message', enum: ['success'], example: 'success' })
  message: string;

  @ApiProperty({
    description: 'Use items uniformly',
    type: () => [SessionResponse],
    maxItems: MAX_PAGE_SIZE,
  })
  items: SessionResponse[];

  @ApiProperty({ description: 'Pagination Information (Nested Object)', type: () => PageInfo })
  pagination: PageInfo;

  @ApiProperty({ description: 'Total Count (Flattened for Direct Reading)', example: 3 })
  total: number;

  @ApiProperty({
    description: 'Response time (ISO 8601)',
    format: 'date-time',
    maxLength: ISO_DATE_TIME_MAX_LENGTH,
    example: '2026-04-15T10:30:00.000Z',
  })
  timestamp: string;
}
