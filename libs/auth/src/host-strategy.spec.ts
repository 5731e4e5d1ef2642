import { createSecretKey } from 'node:crypto';
import type { ExecutionContext } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { sign } from 'jsonwebtoken';
import passport from 'passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AuthenticationError } from '@session-service/problem';
import { type HostStrategyAuthOptions, resolveAuthOptions } from './auth.options';
import type { AuthenticatedUser } from './authenticated-user';
import { JwtAuthGuard } from './jwt-auth.guard';
import { SUBJECT_RESOLVER } from './subject-resolver.port';

const HOST_SECRET = 'a-host-applications-secret-of-32-bytes!!';
const SID = '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10';

/** Registers a host strategy (passport-jwt with the host's key) whose user is `toHostUser(payload)`. */
function registerHostStrategy(
  name: string,
  toHostUser: (payload: Record<string, unknown>) => unknown,
) {
  passport.use(
    name,
    new Strategy(
      {
        jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
        secretOrKey: HOST_SECRET,
        algorithms: ['HS256'],
      },
      (payload: Record<string, unknown>, done: (err: unknown, user?: unknown) => void) =>
        done(null, toHostUser(payload)),
    ),
  );
}

registerHostStrategy('host-claims', (payload) => payload);
registerHostStrategy('host-entity', (payload) => ({ id: Number(payload.sub), name: 'grace' }));

/** The application's session checker, and its subject mappings (`iss sub` -> user id). */
function moduleRefWith(active: boolean, subjects: Record<string, string> = {}) {
  const checker = { isActive: vi.fn(() => Promise.resolve(active)) };
  const resolver = {
    resolve: vi.fn((iss: string, sub: string) => Promise.resolve(subjects[`${iss} ${sub}`])),
  };
  const get = vi.fn((token: unknown) => (token === SUBJECT_RESOLVER ? resolver : checker));
  return { checker, resolver, moduleRef: { get } as unknown as ModuleRef };
}

function requestWith(claims: Record<string, unknown>, secret = HOST_SECRET) {
  const token = sign(claims, secret, { algorithm: 'HS256', expiresIn: '5m' });
  const req: { headers: Record<string, string>; user?: unknown } = {
    headers: { authorization: `Bearer ${token}` },
  };
  const context = {
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => ({}) }),
  } as unknown as ExecutionContext;
  return { req, context };
}

async function authenticate(
  options: HostStrategyAuthOptions,
  claims: Record<string, unknown>,
  {
    active = true,
    secret = HOST_SECRET,
    subjects = {},
  }: { active?: boolean; secret?: string; subjects?: Record<string, string> } = {},
) {
  const { checker, resolver, moduleRef } = moduleRefWith(active, subjects);
  const guard = new JwtAuthGuard(options, moduleRef);
  const { req, context } = requestWith(claims, secret);
  const outcome = await guard.canActivate(context).catch((error: unknown) => error);
  return { outcome, user: req.user as AuthenticatedUser | undefined, checker, resolver };
}

describe('JwtAuthGuard with the host application passport strategy', () => {
  it("reads the host user like token claims: sub, the roles claim's path, the session claim", async () => {
    const { outcome, user, checker } = await authenticate(
      { hostStrategy: 'host-claims', rolesClaim: 'realm_access.roles' },
      { sub: '1001', realm_access: { roles: ['admin'] }, roles: ['ignored'], session_id: SID },
    );
    expect(outcome).toBe(true);
    expect(user).toEqual({
      userId: '1001',
      roles: ['admin'],
      sessionId: SID,
      // The host user carries the token's exp, which the caller keeps.
      expiresAt: expect.any(Number),
    });
    expect(checker.isActive).toHaveBeenCalledWith(SID, '1001');
  });

  it('takes the user id from a numeric `id` when the host user is an entity', async () => {
    const { outcome, user } = await authenticate({ hostStrategy: 'host-entity' }, { sub: '42' });
    expect(outcome).toBe(true);
    expect(user).toEqual({ userId: '42', roles: [], sessionId: undefined });
  });

  it('reads the user id at userIdClaim when it is given, and nowhere else', async () => {
    const options = { hostStrategy: 'host-claims', userIdClaim: 'ext.uid' };
    const found = await authenticate(options, { sub: '5', ext: { uid: 1234 } });
    expect(found.outcome).toBe(true);
    expect(found.user?.userId).toBe('1234');
    // `sub` is not a fallback once a claim is named: the caller would be another user.
    const missing = await authenticate(options, { sub: '5', iss: 'https://idp.example' });
    expect(missing.outcome).toBeInstanceOf(AuthenticationError);
  });

  it("resolves a host user's non-integer subject through the subject mappings, by iss and sub", async () => {
    const iss = 'https://keycloak.example/realms/acme';
    const sub = '5f0c3a8e-2b1d-4c6e-9a7f-1e2d3c4b5a69';
    const subjects = { [`${iss} ${sub}`]: '2001' };
    const { outcome, user, resolver } = await authenticate(
      { hostStrategy: 'host-claims' },
      { iss, sub },
      { subjects },
    );
    expect(outcome).toBe(true);
    expect(user?.userId).toBe('2001');
    expect(resolver.resolve).toHaveBeenCalledWith(iss, sub);
    // The same subject from another issuer maps to no one.
    const other = await authenticate(
      { hostStrategy: 'host-claims' },
      { iss: 'https://other.example', sub },
      { subjects },
    );
    expect(other.outcome).toBeInstanceOf(AuthenticationError);
    expect(other.user?.userId).toBeUndefined();
  });

  it('maps the host user with toUser when given', async () => {
    const toUser = vi.fn((hostUser: unknown) => {
      const { id } = hostUser as { id: number };
      return { userId: String(id), roles: ['sessions:admin'] };
    });
    const { outcome, user } = await authenticate(
      { hostStrategy: 'host-entity', toUser },
      { sub: '77' },
    );
    expect(outcome).toBe(true);
    expect(toUser).toHaveBeenCalledWith({ id: 77, name: 'grace' });
    expect(user).toEqual({ userId: '77', roles: ['sessions:admin'], sessionId: undefined });
  });

  it.each([
    ['a token the host strategy rejects', { sub: '1001' }, { secret: `${HOST_SECRET}-other` }],
    ['a session that is no longer active', { sub: '1001', session_id: SID }, { active: false }],
    ['a malformed session claim', { sub: '1001', session_id: 'not-a-uuid' }, {}],
    ['a user id with a leading zero', { sub: '01001' }, {}],
    ['no user id at all', { name: 'grace' }, {}],
  ])('answers 401 for %s', async (_label, claims, settings) => {
    const { outcome, user } = await authenticate({ hostStrategy: 'host-claims' }, claims, settings);
    expect(outcome).toBeInstanceOf(AuthenticationError);
    expect(outcome).toMatchObject({ status: 401, tokenPresented: true });
    expect(user?.userId).toBeUndefined();
  });

  it('answers 401 when toUser maps the host user to nothing', async () => {
    const { outcome } = await authenticate(
      { hostStrategy: 'host-entity', toUser: () => undefined },
      { sub: '77' },
    );
    expect(outcome).toBeInstanceOf(AuthenticationError);
  });
});

describe('resolveAuthOptions with hostStrategy', () => {
  it('keeps the role mapping and needs no key', () => {
    expect(
      resolveAuthOptions({ hostStrategy: 'jwt', adminRole: 'ops', rolesClaim: 'scope' }),
    ).toMatchObject({
      hostStrategy: 'jwt',
      adminRole: 'ops',
      rolesClaim: 'scope',
      serviceRole: 'session-writer',
    });
  });

  it('refuses a key source beside it, and an empty name', () => {
    const key = createSecretKey(Buffer.alloc(32, 1));
    expect(() =>
      resolveAuthOptions({
        hostStrategy: 'jwt',
        verificationKey: key,
      } as unknown as HostStrategyAuthOptions),
    ).toThrow(/not both/);
    expect(() => resolveAuthOptions({ hostStrategy: '' })).toThrow(/name a strategy/);
  });
});
