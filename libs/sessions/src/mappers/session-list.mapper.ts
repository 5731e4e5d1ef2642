import type { UserSessionsResult } from '../sessions.service';

/**
 * The body of the user page (`dto.SessionListResponse`) as JSON text: the
 * items come as the JSON PostgreSQL wrote for them, so the page is joined,
 * not serialised again. Members in the contract's order.
 */
export function sessionListBody({ items, pageInfo }: UserSessionsResult): string {
  return (
    `{"code":0,"message":"success","items":[${items.join(',')}],` +
    `"pagination":${JSON.stringify(pageInfo)},"total":${pageInfo.total},` +
    `"timestamp":"${new Date().toISOString()}"}`
  );
}
