import { generateKeyPairSync } from 'node:crypto';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
} from 'jose';
import { SigningKeys } from './signing-keys';
import { readPollRequest } from './poll.controller';

describe('SigningKeys', () => {
  it('generates an ES256 key, publishes only its public members, and signs with typ and kid', async () => {
    const keys = await SigningKeys.load({});
    const jwks = keys.jwks();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const token = await keys.sign({ iss: 'https://s', aud: 'a' }, 'secevent+jwt');
    expect(decodeProtectedHeader(token)).toEqual({
      alg: 'ES256',
      kid: jwks.keys[0].kid,
      typ: 'secevent+jwt',
    });
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: 'https://s' });
    expect(payload.aud).toBe('a');
  });

  it('loads a private JWK with its kid, and a PKCS #8 PEM under the configured kid', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(privateKey)), kid: 'k-2026' };
    expect((await SigningKeys.load({ signingKey: JSON.stringify(jwk) })).keyId).toBe('k-2026');
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const fromPem = await SigningKeys.load({ signingKey: pem, signingKeyId: 'pem-key' });
    expect(fromPem.jwks().keys[0]).toMatchObject({ kid: 'pem-key', kty: 'EC' });
  });

  it('refuses a public JWK as the signing key, and publishes previous keys after the current one', async () => {
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    const pub = { ...(await exportJWK(publicKey)), kid: 'old' };
    await expect(SigningKeys.load({ signingKey: JSON.stringify(pub) })).rejects.toThrow(/private/);
    const keys = await SigningKeys.load({ previousKeys: [{ ...pub, d: 'secret' }] });
    expect(keys.jwks().keys.map((k) => k.kid)).toEqual([keys.keyId, 'old']);
    expect(keys.jwks().keys[1]).not.toHaveProperty('d');
  });
});

describe('readPollRequest (RFC 8936 section 2.1)', () => {
  it('reads the members', () => {
    expect(
      readPollRequest({
        maxEvents: 5,
        returnImmediately: true,
        ack: ['a'],
        setErrs: { b: { err: 'x' } },
      }),
    ).toEqual({ maxEvents: 5, returnImmediately: true, ack: ['a'], setErrs: { b: { err: 'x' } } });
    expect(readPollRequest(undefined)).toEqual({});
  });

  it.each([
    [{ maxEvents: -1 }, /maxEvents/],
    [{ maxEvents: 1.5 }, /maxEvents/],
    [{ returnImmediately: 'yes' }, /returnImmediately/],
    [{ ack: 'a' }, /ack/],
    [{ setErrs: { a: 'bad' } }, /setErrs/],
    [[1], /object/],
  ])('refuses %j', (body, message) => {
    expect(readPollRequest(body)).toMatch(message);
  });
});
