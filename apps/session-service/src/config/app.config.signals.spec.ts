import { generateKeyPairSync } from 'node:crypto';
import { loadConfig } from './app.config';
import { ConfigError } from './environment';

const SECRET = 'x'.repeat(32);
const DATABASE_URL = 'postgres://app@db.internal:5432/sessions';
const EC_PRIVATE_PEM = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

describe('loadConfig: Shared Signals', () => {
  it('leaves signals off without SIGNALS_ISSUER outside demo mode', () => {
    expect(loadConfig({ JWT_SECRET: SECRET }).signals).toBeUndefined();
  });

  it('turns signals on in demo mode at http://localhost:PORT, with a generated key', () => {
    const signals = loadConfig({ PORT: '4000' }).signals;
    expect(signals).toMatchObject({ issuer: 'http://localhost:4000', signingKey: undefined });
  });

  it('reads the issuer, key, role and timings', () => {
    const config = loadConfig({
      JWT_SECRET: SECRET,
      SIGNALS_ISSUER: 'https://sessions.example.com',
      SIGNALS_SIGNING_KEY: EC_PRIVATE_PEM,
      SIGNALS_SIGNING_KEY_ID: 'k1',
      SIGNALS_PREVIOUS_KEYS: '{"keys":[{"kty":"EC","crv":"P-256","x":"a","y":"b","kid":"k0"}]}',
      SIGNALS_RECEIVER_ROLE: 'signals',
      SIGNALS_POLL_TIMEOUT_MS: '5000',
      SIGNALS_DELIVERY_WORKER: 'false',
    });
    expect(config.auth.receiverRole).toBe('signals');
    expect(config.signals).toMatchObject({
      issuer: 'https://sessions.example.com',
      signingKeyId: 'k1',
      previousKeys: [{ kid: 'k0' }],
      pollTimeoutMs: 5000,
      deliveryWorker: false,
      schema: 'session_service',
    });
  });

  it('requires SIGNALS_SIGNING_KEY and https in production', () => {
    const found = problems({
      NODE_ENV: 'production',
      DATABASE_URL,
      JWT_SECRET: SECRET,
      SIGNALS_ISSUER: 'http://sessions.example.com',
    });
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SIGNALS_SIGNING_KEY: required/),
        expect.stringMatching(/^SIGNALS_ISSUER: must use https/),
      ]),
    );
  });

  it('refuses a signing key that is neither a JWK nor a PKCS #8 PEM, and bad previous keys', () => {
    const found = problems({
      JWT_SECRET: SECRET,
      SIGNALS_ISSUER: 'https://s.example.com',
      SIGNALS_SIGNING_KEY: 'secret',
      SIGNALS_PREVIOUS_KEYS: '[1]',
    });
    expect(found).toEqual([
      expect.stringMatching(/^SIGNALS_SIGNING_KEY:/),
      expect.stringMatching(/^SIGNALS_PREVIOUS_KEYS:/),
    ]);
  });

  it('refuses an issuer with a query', () => {
    expect(problems({ JWT_SECRET: SECRET, SIGNALS_ISSUER: 'https://s.example.com/?a=1' })).toEqual([
      expect.stringMatching(/^SIGNALS_ISSUER:/),
    ]);
  });
});
