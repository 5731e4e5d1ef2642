import type { ModuleRef } from '@nestjs/core';
import jwt from 'jsonwebtoken';
import { createSecretKey } from 'node:crypto';
import type { AuthModuleOptions } from './auth.options';
import { InvalidTokenClaimsError, JwtStrategy, readRoles } from './jwt.strategy';
import { SESSION_STATE_CHECKER, type SessionStateChecker } from './session-state.port';

const options: AuthModuleOptions = {
  verificationKey: createSecretKey(Buffer.alloc(32, 1)),
  algorithms: ['HS256'],
};

const exp = Math.floor(Date.UTC(2030, 0, 1) / 1000);
const SID = '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10';
const OTHER_SID = 'a5b0c7d2-1e3f-4a6b-8c9d-0e1f2a3b4c5d';

/** A ModuleRef whose `get` finds no SessionStateChecker, as in a host without the sessions library. */
function moduleRefWithout() {
  const get = vi.fn(() => {
    throw new Error('Nest could not find SESSION_STATE_CHECKER element');
  });
  return { get, moduleRef: { get } as unknown as ModuleRef };
}

/** A ModuleRef whose `get` returns a checker with the given `isActive` behaviour. */
function moduleRefWith(isActive: SessionStateChecker['isActive']) {
  const checker = { isActive: vi.fn(isActive) };
  const get = vi.fn((token: unknown) => {
    if (token === SESSION_STATE_CHECKER) return checker;
    throw new Error('Nest could not find the element');
  });
  return { get, checker, moduleRef: { get } as unknown as ModuleRef };
}

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
    ['null claim', { roles: null }, ['roles']],
    ['path through a string', { realm_access: 'admin' }, ['realm_access', 'roles']],
    ['path through null', { realm_access: null }, ['realm_access', 'roles']],
    ['missing intermediate', {}, ['realm_access', 'roles']],
    ['empty string', { roles: '' }, ['roles']],
  ])('returns no roles for a %s', (_label, claims: Record<string, unknown>, path) => {
    expect(readRoles(claims, path)).toEqual([]);
  });
});

describe('JwtStrategy.verifyToken', () => {
  const strategy = new JwtStrategy(options, moduleRefWithout().moduleRef);
  const sign = (key: Buffer) => jwt.sign({ sub: '1001', exp }, key, { algorithm: 'HS256' });

  it('returns the claims of a token signed with the key', async () => {
    await expect(strategy.verifyToken(sign(Buffer.alloc(32, 1)))).resolves.toMatchObject({
      sub: '1001',
      exp,
    });
  });

  it('refuses a wrongly signed token with an error that carries no stack trace', async () => {
    const limit = Error.stackTraceLimit;
    const refused = await strategy.verifyToken(sign(Buffer.alloc(32, 2))).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(jwt.JsonWebTokenError);
    expect((refused as Error).message).toBe('invalid signature');
    expect((refused as Error).stack).not.toMatch(/\n\s+at /);
    expect(Error.stackTraceLimit).toBe(limit);
  });
});

describe('JwtStrategy.validate', () => {
  let strategy: JwtStrategy;

  beforeEach(() => {
    strategy = new JwtStrategy(options, moduleRefWithout().moduleRef);
  });

  it('returns the user, its roles and session id', async () => {
    await expect(
      strategy.validate({
        sub: '1001',
        exp,
        roles: ['admin'],
        session_id: SID,
        iat: Math.floor(Date.now() / 1000) - 60,
      }),
    ).resolves.toEqual({ userId: '1001', roles: ['admin'], sessionId: SID, expiresAt: exp });
  });

  it('refuses an iat from the future beyond the clock tolerance, or one that is not a number', async () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    await expect(strategy.validate({ sub: '1', exp, iat: nowSeconds + 60 })).rejects.toThrow(
      InvalidTokenClaimsError,
    );
    await expect(strategy.validate({ sub: '1', exp, iat: '2026-01-01' })).rejects.toThrow(
      InvalidTokenClaimsError,
    );
    await expect(strategy.validate({ sub: '1', exp, iat: nowSeconds + 3 })).resolves.toMatchObject({
      userId: '1',
    });
  });

  it('accepts a numeric sub as its canonical decimal string', async () => {
    expect((await strategy.validate({ sub: 1001, exp })).userId).toBe('1001');
  });

  it('leaves sessionId undefined when sid is absent', async () => {
    const user = await strategy.validate({ sub: '7', exp });
    expect(user).toEqual({ userId: '7', roles: [], expiresAt: exp });
    expect(user.sessionId).toBeUndefined();
  });

  it('gives an empty role list when the token has no roles claim', async () => {
    expect((await strategy.validate({ sub: '7', exp })).roles).toEqual([]);
  });

  it.each([
    ['absent', undefined],
    ['a string', String(exp)],
    ['null', null],
  ])('refuses a token whose exp is %s', async (_label, badExp) => {
    const result = strategy.validate({ sub: '7', exp: badExp });
    await expect(result).rejects.toBeInstanceOf(InvalidTokenClaimsError);
    await expect(result).rejects.toThrow('token has no exp');
  });

  it.each([
    ['absent', undefined],
    ['zero', '0'],
    ['leading zeros', '007'],
    ['negative', '-7'],
    ['non numeric', 'alice'],
    ['a uuid', SID],
    ['beyond MAX_SAFE_INTEGER', '9007199254740993'],
    ['a fractional number', 7.5],
    ['an unsafe number', Number.MAX_SAFE_INTEGER + 2],
  ])('refuses a token whose sub is %s', async (_label, sub) => {
    const result = strategy.validate({ sub, exp });
    await expect(result).rejects.toBeInstanceOf(InvalidTokenClaimsError);
    await expect(result).rejects.toThrow('token has no valid sub');
  });

  it('reads roles from the configured dotted claim', async () => {
    const keycloak = new JwtStrategy(
      { ...options, rolesClaim: 'realm_access.roles' },
      moduleRefWithout().moduleRef,
    );
    const user = await keycloak.validate({
      sub: '9',
      exp,
      roles: ['top-level'],
      realm_access: { roles: ['admin', 42] },
    });
    expect(user.roles).toEqual(['admin']);
  });

  it('reads a space-separated scope claim', async () => {
    const scoped = new JwtStrategy(
      { ...options, rolesClaim: 'scope' },
      moduleRefWithout().moduleRef,
    );
    expect(
      (await scoped.validate({ sub: '9', exp, scope: 'session-writer openid' })).roles,
    ).toEqual(['session-writer', 'openid']);
  });
});

describe('JwtStrategy.validate with a session claim', () => {
  it('returns the session id when the checker says the session is active', async () => {
    const { get, checker, moduleRef } = moduleRefWith(() => Promise.resolve(true));
    const strategy = new JwtStrategy(options, moduleRef);

    await expect(strategy.validate({ sub: '1001', exp, session_id: SID })).resolves.toEqual({
      userId: '1001',
      roles: [],
      sessionId: SID,
      expiresAt: exp,
    });
    expect(get).toHaveBeenCalledWith(SESSION_STATE_CHECKER, { strict: false });
    expect(checker.isActive).toHaveBeenCalledTimes(1);
    expect(checker.isActive).toHaveBeenCalledWith(SID, '1001');
  });

  it('passes the canonical user id to the checker when sub is numeric', async () => {
    const { checker, moduleRef } = moduleRefWith(() => Promise.resolve(true));
    const strategy = new JwtStrategy(options, moduleRef);

    await strategy.validate({ sub: 42, exp, session_id: SID });
    expect(checker.isActive).toHaveBeenCalledWith(SID, '42');
  });

  it('refuses a token whose session is no longer active', async () => {
    const { checker, moduleRef } = moduleRefWith(() => Promise.resolve(false));
    const strategy = new JwtStrategy(options, moduleRef);

    const result = strategy.validate({ sub: '1001', exp, session_id: SID });
    await expect(result).rejects.toBeInstanceOf(InvalidTokenClaimsError);
    await expect(result).rejects.toThrow('session is not active');
    expect(checker.isActive).toHaveBeenCalledWith(SID, '1001');
  });

  it.each([
    ['a non-uuid string', 'sess-1'],
    ['a number', 123],
    ['an empty string', ''],
    ['null', null],
    ['a uuid with trailing text', `${SID}x`],
    ['a uuid without dashes', SID.replaceAll('-', '')],
    ['an array holding a uuid', [SID]],
  ])('refuses a sid that is %s without asking the checker', async (_label, sid) => {
    const { get, checker, moduleRef } = moduleRefWith(() => Promise.resolve(true));
    const strategy = new JwtStrategy(options, moduleRef);

    const result = strategy.validate({ sub: '1001', exp, session_id: sid });
    await expect(result).rejects.toBeInstanceOf(InvalidTokenClaimsError);
    await expect(result).rejects.toThrow('malformed session claim');
    expect(checker.isActive).not.toHaveBeenCalled();
    expect(get).not.toHaveBeenCalled();
  });

  it('accepts an upper-case uuid sid', async () => {
    const { checker, moduleRef } = moduleRefWith(() => Promise.resolve(true));
    const strategy = new JwtStrategy(options, moduleRef);
    const upper = SID.toUpperCase();

    await expect(strategy.validate({ sub: '7', exp, session_id: upper })).resolves.toMatchObject({
      sessionId: upper,
    });
    expect(checker.isActive).toHaveBeenCalledWith(upper, '7');
  });

  it('lets session-bound tokens through when no checker is registered', async () => {
    const { get, moduleRef } = moduleRefWithout();
    const strategy = new JwtStrategy(options, moduleRef);

    await expect(strategy.validate({ sub: '1001', exp, session_id: SID })).resolves.toEqual({
      userId: '1001',
      roles: [],
      sessionId: SID,
      expiresAt: exp,
    });
    expect(get).toHaveBeenCalledTimes(1);
    expect(get).toHaveBeenCalledWith(SESSION_STATE_CHECKER, { strict: false });
  });

  it('does not look the checker up for a token without a session claim', async () => {
    const { get, checker, moduleRef } = moduleRefWith(() => Promise.resolve(false));
    const strategy = new JwtStrategy(options, moduleRef);

    await expect(strategy.validate({ sub: '1001', exp })).resolves.toEqual({
      userId: '1001',
      roles: [],
      expiresAt: exp,
    });
    expect(get).not.toHaveBeenCalled();
    expect(checker.isActive).not.toHaveBeenCalled();
  });

  it('looks the checker up once and reuses it across calls', async () => {
    const { get, checker, moduleRef } = moduleRefWith(() => Promise.resolve(true));
    const strategy = new JwtStrategy(options, moduleRef);

    await strategy.validate({ sub: '1', exp, session_id: SID });
    await strategy.validate({ sub: '2', exp, session_id: OTHER_SID });
    await strategy.validate({ sub: '3', exp, session_id: SID });

    expect(get).toHaveBeenCalledTimes(1);
    expect(checker.isActive).toHaveBeenCalledTimes(3);
    expect(checker.isActive).toHaveBeenNthCalledWith(2, OTHER_SID, '2');
  });

  it('remembers that no checker is registered instead of asking again', async () => {
    const { get, moduleRef } = moduleRefWithout();
    const strategy = new JwtStrategy(options, moduleRef);

    await strategy.validate({ sub: '1', exp, session_id: SID });
    await strategy.validate({ sub: '2', exp, session_id: OTHER_SID });

    expect(get).toHaveBeenCalledTimes(1);
  });

  it('honours sessionClaim sid (opt-in) and then ignores session_id', async () => {
    const { checker, moduleRef } = moduleRefWith(() => Promise.resolve(true));
    const strategy = new JwtStrategy({ ...options, sessionClaim: 'sid' }, moduleRef);

    await expect(
      strategy.validate({ sub: '1001', exp, sid: SID, session_id: 'sess-1' }),
    ).resolves.toEqual({ userId: '1001', roles: [], sessionId: SID, expiresAt: exp });
    expect(checker.isActive).toHaveBeenCalledTimes(1);
    expect(checker.isActive).toHaveBeenCalledWith(SID, '1001');

    const sidOnly = await strategy.validate({ sub: '1001', exp, session_id: OTHER_SID });
    expect(sidOnly.sessionId).toBeUndefined();
    expect(checker.isActive).toHaveBeenCalledTimes(1);
  });

  it('validates the custom session claim as a uuid', async () => {
    const { checker, moduleRef } = moduleRefWith(() => Promise.resolve(true));
    const strategy = new JwtStrategy({ ...options, sessionClaim: 'sid' }, moduleRef);

    await expect(
      strategy.validate({ sub: '1001', exp, sid: 'sess-1', session_id: SID }),
    ).rejects.toThrow(InvalidTokenClaimsError);
    expect(checker.isActive).not.toHaveBeenCalled();
  });

  it('refuses a custom session claim whose session is inactive', async () => {
    const { moduleRef } = moduleRefWith(() => Promise.resolve(false));
    const strategy = new JwtStrategy({ ...options, sessionClaim: 'sid' }, moduleRef);

    await expect(strategy.validate({ sub: '1001', exp, sid: SID })).rejects.toThrow(
      'session is not active',
    );
  });

  it('propagates an error thrown by the checker unchanged', async () => {
    const outage = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const { moduleRef } = moduleRefWith(() => Promise.reject(outage));
    const strategy = new JwtStrategy(options, moduleRef);

    const result = strategy.validate({ sub: '1001', exp, session_id: SID });
    await expect(result).rejects.toBe(outage);
    await expect(result).rejects.not.toBeInstanceOf(InvalidTokenClaimsError);
  });

  it('checks exp and sub before consulting the checker', async () => {
    const { get, checker, moduleRef } = moduleRefWith(() => Promise.resolve(true));
    const strategy = new JwtStrategy(options, moduleRef);

    await expect(strategy.validate({ sub: '1001', session_id: SID })).rejects.toThrow(
      'token has no exp',
    );
    await expect(strategy.validate({ sub: 'alice', exp, session_id: SID })).rejects.toThrow(
      'token has no valid sub',
    );
    expect(get).not.toHaveBeenCalledWith(SESSION_STATE_CHECKER, expect.anything());
    expect(checker.isActive).not.toHaveBeenCalled();
  });
});
