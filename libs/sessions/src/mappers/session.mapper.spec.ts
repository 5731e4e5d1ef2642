import type { AdminSessionRow, SessionRow } from '../session.row';
import { toAdminSession, toSessionResponse } from './session.mapper';

function sessionRow(overrides: Partial<SessionRow> = {}): SessionRow {
  return {
    id: '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10',
    user_id: '1001',
    tenant_id: 'tnt_xyz789',
    device_id: 'dev_abc123',
    device_type: 'desktop',
    ip: '192.168.1.1',
    geoip: 'Beijing, CN',
    user_agent: 'Mozilla/5.0',
    amr: ['password', 'totp'],
    status: 'active',
    created_at: '2026-04-15T08:00:00.000Z',
    authenticated_at: '2026-04-15T08:00:01.000Z',
    last_active_at: '2026-04-15T10:30:00.000Z',
    idle_expires_at: '2026-04-15T11:00:00.000Z',
    expires_at: '2026-04-15T20:00:00.000Z',
    ...overrides,
  };
}

describe('toSessionResponse', () => {
  it('maps every column, joining amr with commas and dates as ISO strings', () => {
    expect(toSessionResponse(sessionRow())).toEqual({
      id: '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10',
      user_id: '1001',
      tenant_id: 'tnt_xyz789',
      device_id: 'dev_abc123',
      device_type: 'desktop',
      ip: '192.168.1.1',
      geoip: 'Beijing, CN',
      user_agent: 'Mozilla/5.0',
      amr: 'password,totp',
      status: 'active',
      created_at: '2026-04-15T08:00:00.000Z',
      authenticated_at: '2026-04-15T08:00:01.000Z',
      last_active_at: '2026-04-15T10:30:00.000Z',
      idle_expires_at: '2026-04-15T11:00:00.000Z',
      expires_at: '2026-04-15T20:00:00.000Z',
    });
  });

  it('leaves out optional members that are null instead of sending null', () => {
    const response = toSessionResponse(
      sessionRow({ tenant_id: null, device_id: null, geoip: null }),
    );
    expect(response).not.toHaveProperty('tenant_id');
    expect(response).not.toHaveProperty('device_id');
    expect(response).not.toHaveProperty('geoip');
    expect(JSON.stringify(response)).not.toContain('null');
    expect(response.id).toBe('3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10');
  });

  it('keeps empty strings, which are values and not absences', () => {
    const response = toSessionResponse(sessionRow({ geoip: '' }));
    expect(response).toHaveProperty('geoip', '');
  });

  it('writes the members in the contract order, with or without the optional ones', () => {
    const order = [
      'id',
      'user_id',
      'tenant_id',
      'device_id',
      'device_type',
      'ip',
      'geoip',
      'user_agent',
      'amr',
      'status',
      'created_at',
      'authenticated_at',
      'last_active_at',
      'idle_expires_at',
      'expires_at',
    ];
    expect(Object.keys(toSessionResponse(sessionRow()))).toEqual(order);
    const sparse = toSessionResponse(sessionRow({ tenant_id: null, device_id: null, geoip: null }));
    expect(Object.keys(sparse)).toEqual(
      order.filter((key) => !['tenant_id', 'device_id', 'geoip'].includes(key)),
    );
  });

  it('keeps the user id a string so large ids stay exact', () => {
    const response = toSessionResponse(sessionRow({ user_id: '9007199254740991' }));
    expect(response.user_id).toBe('9007199254740991');
  });

  it('writes a single method without a comma', () => {
    expect(toSessionResponse(sessionRow({ amr: ['pwd'] })).amr).toBe('pwd');
  });

  // PostgreSQL writes the ISO strings (SESSION_COLUMNS); test/user-sessions.e2e-spec.ts
  // holds them equal to the driver's dates printed by toISOString.
  it('passes timestamps through as the repository wrote them', () => {
    const response = toSessionResponse(sessionRow({ created_at: '2026-04-15T08:00:00.123Z' }));
    expect(response.created_at).toBe('2026-04-15T08:00:00.123Z');
  });
});

describe('toAdminSession', () => {
  const adminRow = (overrides: Partial<AdminSessionRow> = {}): AdminSessionRow => ({
    ...sessionRow(),
    username: 'alice',
    ...overrides,
  });

  it('maps to the admin shape with a numeric user id and the first method', () => {
    expect(toAdminSession(adminRow())).toEqual({
      session_id: '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10',
      user_id: 1001,
      created_at: '2026-04-15T08:00:00.000Z',
      expires_at: '2026-04-15T20:00:00.000Z',
      last_activity: '2026-04-15T10:30:00.000Z',
      ip_address: '192.168.1.1',
      user_agent: 'Mozilla/5.0',
      auth_method: 'password',
      is_active: true,
      username: 'alice',
    });
  });

  it('reports non-active sessions as inactive', () => {
    expect(toAdminSession(adminRow({ status: 'revoked' })).is_active).toBe(false);
    expect(toAdminSession(adminRow({ status: 'expired' })).is_active).toBe(false);
  });

  it('keeps the largest safe user id exact as a number', () => {
    expect(toAdminSession(adminRow({ user_id: '9007199254740991' })).user_id).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });

  it('uses the first amr entry as auth_method', () => {
    expect(toAdminSession(adminRow({ amr: ['webauthn', 'pwd'] })).auth_method).toBe('webauthn');
  });
});
