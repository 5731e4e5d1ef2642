import { createSecretKey } from 'node:crypto';
import { Test } from '@nestjs/testing';
import { AUTH_MODULE_OPTIONS } from './auth.module-definition';
import type { AuthModuleOptions } from './auth.options';
import { InvalidTokenClaimsError, JwtStrategy } from './jwt.strategy';
import { SUBJECT_RESOLVER, type SubjectResolver } from './subject-resolver.port';

const options: AuthModuleOptions = {
  verificationKey: createSecretKey(Buffer.alloc(32, 1)),
  algorithms: ['HS256'],
};
const exp = Math.floor(Date.UTC(2030, 0, 1) / 1000);
const KEYCLOAK = 'https://id.example.com/realms/platform';
const UUID_SUB = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

/** A fake of the sessions library's subject mapping: one known Keycloak subject. */
class FakeResolver implements SubjectResolver {
  calls: [string, string][] = [];
  resolve(issuer: string, subject: string): Promise<string | null> {
    this.calls.push([issuer, subject]);
    if (issuer === KEYCLOAK && subject === UUID_SUB) return Promise.resolve('1001');
    if (subject === 'bad-answer') return Promise.resolve('007');
    return Promise.resolve(null);
  }
}

async function strategyWith(
  resolver: SubjectResolver | undefined,
  extra: Partial<AuthModuleOptions> = {},
): Promise<JwtStrategy> {
  const moduleRef = await Test.createTestingModule({
    providers: [
      { provide: AUTH_MODULE_OPTIONS, useValue: { ...options, ...extra } },
      JwtStrategy,
      ...(resolver ? [{ provide: SUBJECT_RESOLVER, useValue: resolver }] : []),
    ],
  }).compile();
  return moduleRef.get(JwtStrategy);
}

describe('JwtStrategy: user ids and the SubjectResolver', () => {
  it('takes an integer sub as it is, without asking the resolver', async () => {
    const resolver = new FakeResolver();
    const strategy = await strategyWith(resolver);
    await expect(strategy.validate({ sub: '42', iss: KEYCLOAK, exp })).resolves.toMatchObject({
      userId: '42',
    });
    await expect(strategy.validate({ sub: 43, iss: KEYCLOAK, exp })).resolves.toMatchObject({
      userId: '43',
    });
    expect(resolver.calls).toEqual([]);
  });

  it("resolves a UUID sub through the resolver with the token's iss", async () => {
    const resolver = new FakeResolver();
    const strategy = await strategyWith(resolver);
    await expect(strategy.validate({ sub: UUID_SUB, iss: KEYCLOAK, exp })).resolves.toEqual({
      userId: '1001',
      roles: [],
      expiresAt: exp,
    });
    expect(resolver.calls).toEqual([[KEYCLOAK, UUID_SUB]]);
  });

  it.each([
    ['a subject the resolver does not know', { sub: 'auth0|abc', iss: KEYCLOAK }],
    ['the same subject at another issuer', { sub: UUID_SUB, iss: 'https://other.example' }],
    ['no iss', { sub: UUID_SUB }],
    ['a numeric iss', { sub: UUID_SUB, iss: 5 }],
    ['no sub', { iss: KEYCLOAK }],
    [
      'an 18-digit snowflake sub above 2^53-1 not mapped',
      { sub: '253402300799123456', iss: KEYCLOAK },
    ],
    ['a resolver answer that is no canonical user id', { sub: 'bad-answer', iss: KEYCLOAK }],
  ])('refuses %s', async (_label, claims) => {
    const strategy = await strategyWith(new FakeResolver());
    await expect(strategy.validate({ ...claims, exp })).rejects.toThrow(InvalidTokenClaimsError);
  });

  it('refuses a UUID sub when the application has no resolver', async () => {
    const strategy = await strategyWith(undefined);
    await expect(strategy.validate({ sub: UUID_SUB, iss: KEYCLOAK, exp })).rejects.toThrow(
      'token has no valid sub',
    );
  });

  it('reads the user id from userIdClaim, falling back to the resolver when it is absent', async () => {
    const resolver = new FakeResolver();
    const strategy = await strategyWith(resolver, {
      userIdClaim: '["https://example.com/user_id"]',
    });
    await expect(
      strategy.validate({
        sub: 'auth0|65f0c1',
        iss: KEYCLOAK,
        'https://example.com/user_id': 1002,
        exp,
      }),
    ).resolves.toMatchObject({ userId: '1002' });
    expect(resolver.calls).toEqual([]);
    // sub is no longer the user id, even when it is an integer.
    await expect(strategy.validate({ sub: '5', iss: 'https://x.test', exp })).rejects.toThrow(
      InvalidTokenClaimsError,
    );
    await expect(strategy.validate({ sub: UUID_SUB, iss: KEYCLOAK, exp })).resolves.toMatchObject({
      userId: '1001',
    });
  });

  it('unions the roles of several paths and reads a Zitadel role map', async () => {
    const strategy = await strategyWith(undefined, {
      rolesClaim:
        'realm_access.roles, resource_access.session-service.roles, urn:zitadel:iam:org:project:roles, scope',
    });
    const user = await strategy.validate({
      sub: '7',
      exp,
      realm_access: { roles: ['admin', 'offline_access'] },
      resource_access: { 'session-service': { roles: ['session-writer', 'admin'] } },
      'urn:zitadel:iam:org:project:roles': { auditor: { '2113': 'acme.example' } },
      scope: 'openid profile',
    });
    expect(user.roles).toEqual([
      'admin',
      'offline_access',
      'session-writer',
      'auditor',
      'openid',
      'profile',
    ]);
  });

  it('refuses a malformed claim path when the module starts', async () => {
    await expect(
      strategyWith(undefined, { rolesClaim: 'https://example.com/roles' }),
    ).rejects.toThrow(/rolesClaim is not a claim path/);
  });
});
