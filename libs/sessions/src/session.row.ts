/** A session as the repository reads it: raw columns, no entity hydration. */
export interface SessionRow {
  id: string;
  /** bigint as a decimal string */
  user_id: string;
  tenant_id: string | null;
  device_id: string | null;
  device_type: string;
  ip: string;
  geoip: string | null;
  user_agent: string;
  amr: string[];
  status: SessionStatus;
  created_at: Date;
  authenticated_at: Date;
  last_active_at: Date;
  idle_expires_at: Date;
  expires_at: Date;
}

export interface AdminSessionRow extends SessionRow {
  username: string;
}

export type SessionStatus = 'active' | 'revoked' | 'expired';
