import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { PageInfo } from './page-info.dto';
import { SessionResponse } from './session-response.dto';

/** `dto.SessionListResponse`: a page of the caller's active sessions. */
@ApiSchema({ name: 'dto.SessionListResponse' })
export class SessionListResponse {
  @ApiProperty({ description: 'Business result code, 0 on success', example: 0 })
  code: number;

  @ApiProperty({ description: 'Result message', example: 'success' })
  message: string;

  @ApiProperty({ description: 'Use items uniformly', type: () => [SessionResponse] })
  items: SessionResponse[];

  @ApiProperty({ description: 'Pagination Information (Nested Object)', type: () => PageInfo })
  pagination: PageInfo;

  @ApiProperty({ description: 'Total Count (Flattened for Direct Reading)', example: 3 })
  total: number;

  @ApiProperty({ description: 'Response time (ISO 8601)', example: '2026-04-15T10:30:00.000Z' })
  timestamp: string;
}
