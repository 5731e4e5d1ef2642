import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { RevocationGateOptions } from '../src/options';
import { FEED_TOKEN, RECEIVER_TOKEN, type TestTransmitter } from './test-transmitter';

export const SECRET = 'gateway-spec-secret-that-is-at-least-32-bytes';
export const ISSUER = 'https://auth.test.local';
export const AUDIENCE = 'session-service';

/** An HS256 access token of a session, as the auth platform issues them. */
export async function accessToken(
  sessionId: string = randomUUID(),
  claims: Record<string, unknown> = { session_id: sessionId },
  secret = SECRET,
): Promise<string> {
  return new SignJWT({ roles: [], ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('1001')
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(secret));
}

/** Gate options following `transmitter`, with a snapshot from its feed. */
export function gateOptions(
  transmitter: TestTransmitter,
  overrides: Partial<RevocationGateOptions> = {},
): RevocationGateOptions {
  return {
    token: { secret: SECRET, issuer: ISSUER, audience: AUDIENCE },
    ssf: {
      issuer: transmitter.issuer,
      bearerToken: RECEIVER_TOKEN,
      pollIntervalMs: 20,
      streamName: 'spec gateway',
    },
    snapshot: { serviceUrl: transmitter.url, bearerToken: FEED_TOKEN },
    maxTokenLifetimeSeconds: 600,
    ...overrides,
  };
}

/** Waits until `probe` holds (or fails after `timeoutMs`). */
export async function eventually(
  probe: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
