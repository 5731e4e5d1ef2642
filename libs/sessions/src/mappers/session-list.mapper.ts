import type { SessionListResponse } from '../dto/session-list.response';
import type { UserSessionsResult } from '../sessions.service';
import { toSessionResponse } from './session.mapper';

export function toSessionListResponse(result: UserSessionsResult): SessionListResponse {
  return {
    code: 0,
    message: 'success',
    items: result.rows.map(toSessionResponse),
    pagination: result.pageInfo,
    total: result.pageInfo.total,
    timestamp: new Date().toISOString(),
  };
}
