import { createSecretKey } from 'node:crypto';
import type { AuthModuleOptions } from './auth.options';
import { InvalidTokenClaimsError, JwtStrategy, readRoles } from './jwt.strategy';

const options: AuthModuleOptions = {
  verificationKey: createSecretKey(Buffer.alloc(32, 1)),
  algorithms: ['HS256'],
};

const exp = Math.floor(Date.UTC(2030, 0, 1) / 1000);

describe('readRoles', () => {
  it('reads a top-level array claim', () => {
    expect(readRoles({ roles: ['admin', 'user'] }, ['roles'])).toEqual(['admin', 'user']);
  });

  it('follows a dotted path such as realm_access.roles', () => {
    const claims = { realm_access: { roles: ['session-writer'] }, roles: ['ignored'] };
    expect(readRoles(claims, 'realm_access.roles'.split('.'))).toEqual(['session-writer']);
  });

  it('splits a space-separated string like OAuth scopes, dropping empty entries', () => {
    expect(readRoles({ scope: 'admin  read write ' }, ['scope'])).toEqual([
      'admin',
      'read',
      'write',
    ]);
  });

  it('keeps only the strings of an array', () => {
    expect(
      readRoles({ roles: ['admin', 1, null, { name: 'x' }, ['y'], 'user'] }, ['roles']),
    ).toEqual(['admin', 'user']);
  });

  it.each([
    ['missing claim', {}, ['roles']],
    ['number claim', { roles: 5 }, ['roles']],
    ['object claim', { roles: { admin: true } }, ['roles']],
    ['null claim', { roles: null }, ['roles']],
    ['path through a string', { realm_access: 'admin' }, ['realm_access', 'roles']],
    ['path through null', { realm_access: null }, ['realm_access', 'roles']],
    ['missing intermediate', {}, ['realm_access', 'roles']],
    ['empty string', { roles: '' }, ['roles']],
  ])('returns no roles for a %s', (_label, claims: Record<string, unknown>, path) => {
    expect(readRoles(claims, path)).toEqual([]);
  });
});

describe('JwtStrategy.validate', () => {
  const strategy = new JwtStrategy(options);

  it('returns the user, its roles and session id', () => {
    expect(
      strategy.validate({ sub: '1001', exp, roles: ['admin'], sid: 'sess-1', iat: exp - 60 }),
    ).toEqual({ userId: '1001', roles: ['admin'], sessionId: 'sess-1' });
  });

  it('accepts a numeric sub as its canonical decimal string', () => {
    expect(strategy.validate({ sub: 1001, exp }).userId).toBe('1001');
  });

  it('leaves sessionId undefined when sid is absent or not a string', () => {
    expect(strategy.validate({ sub: '7', exp }).sessionId).toBeUndefined();
    expect(strategy.validate({ sub: '7', exp, sid: 12 }).sessionId).toBeUndefined();
  });

  it('gives an empty role list when the token has no roles claim', () => {
    expect(strategy.validate({ sub: '7', exp }).roles).toEqual([]);
  });

  it.each([
    ['absent', undefined],
    ['a string', String(exp)],
    ['null', null],
  ])('refuses a token whose exp is %s', (_label, badExp) => {
    expect(() => strategy.validate({ sub: '7', exp: badExp })).toThrow(InvalidTokenClaimsError);
    expect(() => strategy.validate({ sub: '7', exp: badExp })).toThrow('token has no exp');
  });

  it.each([
    ['absent', undefined],
    ['zero', '0'],
    ['leading zeros', '007'],
    ['negative', '-7'],
    ['non numeric', 'alice'],
    ['a uuid', '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10'],
    ['beyond MAX_SAFE_INTEGER', '9007199254740993'],
    ['a fractional number', 7.5],
    ['an unsafe number', Number.MAX_SAFE_INTEGER + 2],
  ])('refuses a token whose sub is %s', (_label, sub) => {
    expect(() => strategy.validate({ sub, exp })).toThrow(InvalidTokenClaimsError);
    expect(() => strategy.validate({ sub, exp })).toThrow('token has no valid sub');
  });

  it('reads roles from the configured dotted claim', () => {
    const keycloak = new JwtStrategy({ ...options, rolesClaim: 'realm_access.roles' });
    const user = keycloak.validate({
      sub: '9',
      exp,
      roles: ['top-level'],
      realm_access: { roles: ['admin', 42] },
    });
    expect(user.roles).toEqual(['admin']);
  });

  it('reads a space-separated scope claim', () => {
    const scoped = new JwtStrategy({ ...options, rolesClaim: 'scope' });
    expect(scoped.validate({ sub: '9', exp, scope: 'session-writer openid' }).roles).toEqual([
      'session-writer',
      'openid',
    ]);
  });
});
