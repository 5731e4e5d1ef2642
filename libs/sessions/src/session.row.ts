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
  /** Timestamps: ISO 8601 UTC with milliseconds, as `Date.prototype.toISOString` writes them. */
  created_at: string;
  authenticated_at: string;
  last_active_at: string;
  idle_expires_at: string;
  expires_at: string;
}

export interface AdminSessionRow extends SessionRow {
  username: string;
}

/** One session of any status, with its revocation record, for the admin detail view. */
export interface SessionDetailRow extends AdminSessionRow {
  idle_timeout_seconds: number;
  revoked_at: string | null;
  revoked_by: string | null;
  revoke_reason: string | null;
}

export interface RevocationRow {
  id: string;
  xid: string;
  session_id: string;
  user_id: string;
  /** ISO 8601 UTC with milliseconds */
  revoked_at: string;
  revoked_by: string;
  reason: string | null;
}

export type SessionStatus = 'active' | 'revoked' | 'expired';
