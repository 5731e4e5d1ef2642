import { USER_ID_RULE } from '@session-service/auth';
import type { FieldViolationCode, ProblemExampleSpec } from '@session-service/problem';

/** The session id the document's examples use. */
export const EXAMPLE_SESSION_ID = '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10';

/** A 400 naming one bad field, as the validation answers it. */
export function badField(
  field: string,
  code: FieldViolationCode,
  description: string,
  value: unknown,
): ProblemExampleSpec {
  return { kind: 'invalidRequest', violations: [{ field, code, description, value }] };
}

export const BAD_SESSION_ID = badField(
  'session_id',
  'format',
  'session_id must be a UUID',
  'not-a-uuid',
);
export const BAD_USER_ID = badField('user_id', 'format', `user_id must be ${USER_ID_RULE}`, '01');
export const SESSION_NOT_FOUND: ProblemExampleSpec = {
  kind: 'sessionNotFound',
  args: { session_id: EXAMPLE_SESSION_ID },
};
export const USER_NOT_FOUND: ProblemExampleSpec = {
  kind: 'userNotFound',
  args: { user_id: '1001' },
};
export const SUBJECT_TAKEN: ProblemExampleSpec = {
  kind: 'subjectTaken',
  args: {
    issuer: 'https://idp.example.com/realms/main',
    subject: 'f47ac10b-58cc-4372-a567-0e02b2c3d479',
  },
};

export const TENANT_NOT_FOUND: ProblemExampleSpec = {
  kind: 'tenantNotFound',
  args: { tenant_id: 'tnt_xyz789' },
};
export const TENANT_EXISTS: ProblemExampleSpec = {
  kind: 'tenantExists',
  args: { tenant_id: 'tnt_xyz789' },
};
export const SESSION_LIMIT_REACHED: ProblemExampleSpec = {
  kind: 'sessionLimitReached',
  args: { user_id: '1001', max_sessions: 5 },
};
export const BAD_TENANT_SETTING = badField(
  'idle_timeout_seconds',
  'range',
  'idle_timeout_seconds must be at most max_idle_timeout_seconds (3600)',
  7200,
);
