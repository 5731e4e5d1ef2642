import type { SessionRow } from '../session.row';
import { toSessionListResponse } from './session-list.mapper';

const row = (id: string, userId = '7'): SessionRow => ({
  id,
  user_id: userId,
  tenant_id: null,
  device_id: null,
  device_type: 'mobile',
  ip: '10.0.0.1',
  geoip: null,
  user_agent: 'ua',
  amr: ['pwd', 'otp'],
  status: 'active',
  created_at: '2026-01-01T00:00:00.000Z',
  authenticated_at: '2026-01-01T00:00:00.000Z',
  last_active_at: '2026-01-01T01:00:00.000Z',
  idle_expires_at: '2026-01-01T01:30:00.000Z',
  expires_at: '2026-01-01T12:00:00.000Z',
});

describe('toSessionListResponse', () => {
  const pageInfo = {
    page: 2,
    page_size: 2,
    total: 5,
    total_pages: 3,
    has_next: true,
    has_prev: true,
  };

  it('wraps mapped rows in the success envelope with pagination and total', () => {
    const before = Date.now();
    const response = toSessionListResponse({ rows: [row('a'), row('b')], pageInfo });
    const after = Date.now();

    expect(response.code).toBe(0);
    expect(response.message).toBe('success');
    expect(response.items.map((i) => i.id)).toEqual(['a', 'b']);
    expect(response.items[0].amr).toBe('pwd,otp');
    expect(response.items[0]).not.toHaveProperty('tenant_id');
    expect(response.pagination).toEqual(pageInfo);
    expect(response.total).toBe(5);
    const timestamp = Date.parse(response.timestamp);
    expect(timestamp).toBeGreaterThanOrEqual(before);
    expect(timestamp).toBeLessThanOrEqual(after);
    expect(response.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('keeps order and gives an empty item list for an empty page', () => {
    const empty = toSessionListResponse({
      rows: [],
      pageInfo: { ...pageInfo, page: 9, has_next: false },
    });
    expect(empty.items).toEqual([]);
    expect(empty.total).toBe(5);
    expect(empty.pagination.page).toBe(9);
  });
});
