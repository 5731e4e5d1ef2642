import { createSecretKey } from 'node:crypto';
import { sign, type SignOptions } from 'jsonwebtoken';

/** The HS256 secret the test app verifies with (at least 32 bytes, as configuration requires). */
export const TEST_JWT_SECRET = 'test-secret-that-is-at-least-32-bytes-long!';
export const TEST_ISSUER = 'https://auth.test.local';
export const TEST_AUDIENCE = 'session-service';
export const SERVICE_ROLE = 'session-writer';

const key = createSecretKey(Buffer.from(TEST_JWT_SECRET, 'utf8'));

export interface TokenOptions {
  roles?: string[];
  expiresIn?: SignOptions['expiresIn'];
  claims?: Record<string, unknown>;
  sign?: SignOptions;
}

/** A real HS256 token for `sub`, signed the way the auth platform would. */
export function tokenFor(sub: string | number | undefined, options: TokenOptions = {}): string {
  const payload: Record<string, unknown> = { roles: options.roles ?? [], ...options.claims };
  if (sub !== undefined) payload.sub = String(sub);
  return sign(payload, key, {
    algorithm: 'HS256',
    expiresIn: options.expiresIn ?? '10m',
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
    ...options.sign,
  });
}

export const adminToken = (sub = 1): string => tokenFor(sub, { roles: ['admin'] });
export const serviceToken = (sub = 2): string => tokenFor(sub, { roles: [SERVICE_ROLE] });

export const bearer = (token: string): [string, string] => ['Authorization', `Bearer ${token}`];
