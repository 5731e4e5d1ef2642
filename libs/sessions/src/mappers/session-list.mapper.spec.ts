import type { SessionListResponse } from '../dto/session-list.response';
import { sessionListBody } from './session-list.mapper';

const item = (id: string) => JSON.stringify({ id, user_id: '7', amr: 'pwd,otp' });

describe('sessionListBody', () => {
  const pageInfo = {
    page: 2,
    page_size: 2,
    total: 5,
    total_pages: 3,
    has_next: true,
    has_prev: true,
  };

  it('wraps the items in the success envelope with pagination and total, in the contract order', () => {
    const before = Date.now();
    const body = sessionListBody({ items: [item('a'), item('b')], pageInfo });
    const after = Date.now();
    const response = JSON.parse(body) as SessionListResponse;

    expect(Object.keys(response)).toEqual([
      'code',
      'message',
      'items',
      'pagination',
      'total',
      'timestamp',
    ]);
    expect(response.code).toBe(0);
    expect(response.message).toBe('success');
    expect(response.items.map((i) => i.id)).toEqual(['a', 'b']);
    expect(response.items[0].amr).toBe('pwd,otp');
    expect(response.pagination).toEqual(pageInfo);
    expect(body).toContain(`"pagination":${JSON.stringify(pageInfo)}`);
    expect(response.total).toBe(5);
    const timestamp = Date.parse(response.timestamp);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(after);
    expect(response.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('keeps order and gives an empty item list for an empty page', () => {
    const empty = JSON.parse(
      sessionListBody({ items: [], pageInfo: { ...pageInfo, page: 9, has_next: false } }),
    ) as SessionListResponse;
    expect(empty.items).toEqual([]);
    expect(empty.total).toBe(5);
    expect(empty.pagination.page).toBe(9);
  });
});
