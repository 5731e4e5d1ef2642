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

/** One session of any status, with its revocation record, for the admin detail view. */
export interface SessionDetailRow extends AdminSessionRow {
  idle_timeout_seconds: number;
  revoked_at: Date | null;
  revoked_by: string | null;
  revoke_reason: string | null;
}

export interface RevocationRow {
  id: string;
  xid: string;
  session_id: string;
  user_id: string;
  revoked_at: Date;
  revoked_by: string;
  reason: string | null;
}

export type SessionStatus = 'active' | 'revoked' | 'expired';
