/**
 * Access tokens shaped as each identity provider ships them (Keycloak, Auth0,
 * Okta, Microsoft Entra ID, Ory Kratos session-to-JWT, Zitadel, a plain OIDC
 * provider), signed with keys of the provider's usual type and published from
 * a local JWKS endpoint, through the real application on the test database.
 * Each block boots the app with the settings docs/identity-providers.md gives.
 *
 * Subjects that are not integer user ids (a Keycloak UUID, a pairwise Entra
 * `sub`, a Zitadel snowflake) are mapped by a SubjectResolver: in the service
 * the sessions library provides it; here a test double answers from a table.
 */
import { randomUUID } from 'node:crypto';
import type { Provider } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import type { App } from 'supertest/types';
import { SUBJECT_RESOLVER, type SubjectResolver } from '@session-service/auth';
import {
  generateSigningKey,
  JwksTestServer,
  signWith,
  type TestSigningKey,
} from '../libs/auth/src/testing/jwks-test-server';
import { ConfigError } from '../apps/session-service/src/config/environment';
import { insertSession, insertUser } from './support/factories';
import { expectProblem } from './support/schemas';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { bearer } from './support/tokens';

const ALICE = 6101;
const BOB = 6102;
const PLATFORM = 6900; // the auth platform's own service account

/** Keys of the types each provider signs with by default; made once (RSA is slow). */
const keys = {
  keycloak: generateSigningKey('RS256', 'kc-Qm3Jp0eYwz1lB2n'),
  auth0: generateSigningKey('RS256', 'auth0-NkZBMTUxRTMy'),
  okta: generateSigningKey('RS256', 'okta-Xz1aYc2Vb3'),
  entra: generateSigningKey('RS256', 'entra-KQ2tAcrE7lBaViGmZDLIA'),
  kratos: generateSigningKey('ES256', 'kratos-es256'),
  zitadel: generateSigningKey('RS256', '253402300799000001'),
  plain: generateSigningKey('PS256', 'plain-ps256'),
};

/** A SubjectResolver test double: (issuer, subject) pairs the sessions library would have recorded. */
class TableResolver implements SubjectResolver {
  readonly table = new Map<string, string>();
  calls = 0;
  map(issuer: string, subject: string, userId: number): void {
    this.table.set(`${issuer}\n${subject}`, String(userId));
  }
  resolve(issuer: string, subject: string): Promise<string | null> {
    this.calls++;
    return Promise.resolve(this.table.get(`${issuer}\n${subject}`) ?? null);
  }
}

let server: JwksTestServer;
const apps: TestApp[] = [];

beforeAll(async () => {
  server = await JwksTestServer.start(Object.values(keys));
});

afterAll(async () => {
  await Promise.all(apps.map((t) => t.close()));
  await server?.close();
});

async function boot(env: NodeJS.ProcessEnv, providers: Provider[] = []): Promise<App> {
  const t = await createTestApp(
    { JWT_SECRET: '', JWT_ISSUER: '', JWT_AUDIENCE: '', JWT_JWKS_URL: server.jwksUrl, ...env },
    { providers },
  );
  apps.push(t);
  if (apps.length === 1) await resetDatabase(t.dataSource);
  for (const [id, name] of [
    [ALICE, 'alice'],
    [BOB, 'bob'],
  ] as const) {
    await insertUser(t.dataSource, id, name);
  }
  return t.app.getHttpServer();
}

const resolverProvider = (resolver: SubjectResolver): Provider => ({
  provide: SUBJECT_RESOLVER,
  useValue: resolver,
});

const now = () => Math.floor(Date.now() / 1000);

const ownList = (http: App, userId: number, token: string) =>
  request(http)
    .get(`/sessions/user/${userId}/sessions`)
    .set(...bearer(token));
const adminList = (http: App, token: string) =>
  request(http)
    .get('/api/sessions/all')
    .set(...bearer(token));

function expect401(res: request.Response): void {
  const body = expectProblem(res, 401);
  expect(body.code).toBe(30240101);
}

/** A token as the provider signs it: `kid` and `typ` in the header, its own `exp` (10 min unless given). */
function sign(key: TestSigningKey, payload: Record<string, unknown>, typ = 'JWT'): string {
  return jwt.sign({ iat: now(), exp: now() + 600, ...payload }, key.privateKey, {
    algorithm: key.alg,
    header: { alg: key.alg, typ, kid: key.kid },
  });
}

/** Boots an app with other settings for one check, and closes it again. */
async function withApp(
  env: NodeJS.ProcessEnv,
  providers: Provider[],
  check: (http: App) => Promise<void>,
): Promise<void> {
  const http = await boot(env, providers);
  const t = apps.pop()!;
  try {
    await check(http);
  } finally {
    await t.close();
  }
}

describe('Keycloak', () => {
  const issuer = () => `${server.url}/realms/platform`;
  const ALICE_SUB = 'f1c8a3e6-2b7d-4c59-9e14-6a0d3b5f7c21';
  const BOB_SUB = '0d9b6f2e-5a41-4e3c-8b17-c2f4a6e8d019';
  const PLATFORM_SUB = '4a7e1c3b-9d2f-4b68-a5e0-7f3c1d9b2e46';
  const resolver = new TableResolver();
  const env = () => ({
    JWT_ISSUER: issuer(),
    JWT_AUDIENCE: 'session-service',
    JWT_ROLES_CLAIM: 'realm_access.roles,resource_access.session-service.roles',
  });
  let http: App;

  /** An access token as Keycloak 26 issues it to the `web` client, with an audience mapper. */
  const token = (
    sub: string,
    {
      realmRoles = ['offline_access', 'uma_authorization', 'default-roles-platform'],
      clientRoles = [] as string[],
      extra = {},
    } = {},
  ) =>
    sign(keys.keycloak, {
      exp: now() + 300,
      auth_time: now() - 5,
      jti: `onrtac:${randomUUID()}`,
      iss: issuer(),
      aud: ['session-service', 'account'],
      sub,
      typ: 'Bearer',
      azp: 'web',
      sid: randomUUID(), // Keycloak's own session, not one of ours
      acr: '1',
      'allowed-origins': ['https://app.example.com'],
      realm_access: { roles: realmRoles },
      resource_access: {
        'session-service': { roles: clientRoles },
        account: { roles: ['manage-account', 'view-profile'] },
      },
      scope: 'openid email profile',
      email_verified: true,
      preferred_username: 'alice',
      ...extra,
    });

  beforeAll(async () => {
    resolver.map(issuer(), ALICE_SUB, ALICE);
    resolver.map(issuer(), BOB_SUB, BOB);
    resolver.map(issuer(), PLATFORM_SUB, PLATFORM);
    http = await boot(env(), [resolverProvider(resolver)]);
  });

  it("accepts a user's token: UUID sub mapped to the user id, Keycloak's sid ignored", async () => {
    const res = await ownList(http, ALICE, token(ALICE_SUB));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ code: 0 });
    expect(resolver.calls).toBeGreaterThan(0);
    // The mapped id is the caller: another user's list is theirs only.
    expectProblem(await ownList(http, BOB, token(ALICE_SUB)), 403);
  });

  it('combines realm roles and client roles', async () => {
    expectProblem(await adminList(http, token(BOB_SUB)), 403);
    expect((await adminList(http, token(BOB_SUB, { realmRoles: ['admin'] }))).status).toBe(200);
    expect((await adminList(http, token(BOB_SUB, { clientRoles: ['admin'] }))).status).toBe(200);
  });

  it('runs the sign-in flow: the platform records the session, tokens carry it in session_id', async () => {
    // The auth platform's service account (client credentials) records the sign-in.
    const platformToken = token(PLATFORM_SUB, { clientRoles: ['session-writer'] });
    const created = await request(http)
      .post('/api/sessions')
      .set(...bearer(platformToken))
      .send({
        user_id: ALICE,
        username: 'alice',
        amr: ['pwd', 'otp'],
        ip: '198.51.100.7',
        user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
      });
    expect(created.status).toBe(201);
    const sessionId = created.body.id as string;

    // Keycloak puts it into the tokens (a user session note mapper, claim session_id).
    const bound = token(ALICE_SUB, { extra: { session_id: sessionId } });
    expect((await ownList(http, ALICE, bound)).status).toBe(200);
    const revoked = await request(http)
      .delete(`/sessions/user/${ALICE}/sessions/${sessionId}`)
      .set(...bearer(bound));
    expect(revoked.status).toBe(204);
    expect401(await ownList(http, ALICE, bound));
    // Tokens of other sessions of the same user keep working.
    expect((await ownList(http, ALICE, token(ALICE_SUB))).status).toBe(200);
  });

  it('refuses a subject the mapping does not know, or from another realm', async () => {
    expect401(await ownList(http, ALICE, token(randomUUID())));
    const otherRealm = signWith(keys.keycloak, {
      iss: `${server.url}/realms/other`,
      aud: 'session-service',
      sub: ALICE_SUB,
    });
    expect401(await ownList(http, ALICE, otherRealm));
  });

  describe('wrong settings', () => {
    it('without subject mapping, a UUID sub is a 401', async () => {
      await withApp(env(), [], async (bare) => {
        expect401(await ownList(bare, ALICE, token(ALICE_SUB)));
      });
    });

    it('with the default roles claim, realm and client admins are 403 on admin routes', async () => {
      const admin = token(BOB_SUB, { realmRoles: ['admin'], clientRoles: ['admin'] });
      await withApp(
        { ...env(), JWT_ROLES_CLAIM: '' },
        [resolverProvider(resolver)],
        async (wrongRoles) => {
          expect((await ownList(wrongRoles, BOB, admin)).status).toBe(200);
          expectProblem(await adminList(wrongRoles, admin), 403);
        },
      );
    });

    it("with JWT_SESSION_CLAIM=sid, Keycloak's own session id makes every token a 401", async () => {
      await withApp(
        { ...env(), JWT_SESSION_CLAIM: 'sid' },
        [resolverProvider(resolver)],
        async (sid) => {
          expect401(await ownList(sid, ALICE, token(ALICE_SUB)));
        },
      );
    });
  });

  it('takes the user id from a user attribute mapper (claim user_id) instead of the mapping', async () => {
    await withApp({ ...env(), JWT_USER_ID_CLAIM: 'user_id' }, [], async (mapped) => {
      const res = await ownList(mapped, ALICE, token(ALICE_SUB, { extra: { user_id: ALICE } }));
      expect(res.status).toBe(200);
      expect401(await ownList(mapped, ALICE, token(ALICE_SUB)));
    });
  });
});

describe('Auth0', () => {
  const issuer = () => `${server.url}/`; // Auth0's issuer ends with a slash
  const NS = 'https://sessions.example.com';
  let http: App;

  /** An Auth0 access token for the API `https://sessions.example.com/api`, with a post-login Action. */
  const token = (userId: number | undefined, roles: string[]) =>
    sign(keys.auth0, {
      iss: issuer(),
      sub: 'auth0|65f0c1d2e3a4b5c6d7e8f901',
      aud: [`${NS}/api`, `${server.url}/userinfo`],
      exp: now() + 86400,
      scope: 'openid profile email',
      azp: 'kZ3yQhX1p9uTm2rVb8nLcD4wS7eFgA0J',
      [`${NS}/roles`]: roles,
      ...(userId !== undefined && { [`${NS}/user_id`]: userId }),
    });

  beforeAll(async () => {
    http = await boot({
      JWT_ISSUER: issuer(),
      JWT_AUDIENCE: `${NS}/api`,
      JWT_USER_ID_CLAIM: `["${NS}/user_id"]`,
      JWT_ROLES_CLAIM: `["${NS}/roles"]`,
    });
  });

  it('reads the user id and roles from namespaced claims', async () => {
    expect((await ownList(http, ALICE, token(ALICE, []))).status).toBe(200);
    expectProblem(await adminList(http, token(BOB, [])), 403);
    expect((await adminList(http, token(BOB, ['admin']))).status).toBe(200);
  });

  it('refuses an auth0| subject without the user id claim (no mapping)', async () => {
    expect401(await ownList(http, ALICE, token(undefined, [])));
  });

  it('refuses an unescaped URI as the roles claim at start, naming the variable', async () => {
    await expect(boot({ JWT_ISSUER: issuer(), JWT_ROLES_CLAIM: `${NS}/roles` })).rejects.toThrow(
      ConfigError,
    );
    await expect(boot({ JWT_ISSUER: issuer(), JWT_ROLES_CLAIM: `${NS}/roles` })).rejects.toThrow(
      /JWT_ROLES_CLAIM: not a claim path/,
    );
  });
});

describe('Okta', () => {
  const issuer = () => `${server.url}/oauth2/default`;
  let http: App;

  /** An Okta custom authorization server access token, with claims `user_id` and `groups`. */
  const token = (userId: string, groups: string[]) =>
    sign(keys.okta, {
      ver: 1,
      jti: `AT.${randomUUID()}`,
      iss: issuer(),
      aud: 'api://sessions',
      exp: now() + 3600,
      cid: '0oa1b2c3d4e5f6g7h8i9',
      uid: '00u1a2b3c4D5e6F7g8h9',
      scp: ['openid', 'profile', 'sessions.read'],
      auth_time: now() - 30,
      sub: 'alice@example.com',
      user_id: userId,
      groups,
    });

  beforeAll(async () => {
    http = await boot({
      JWT_ISSUER: issuer(),
      JWT_AUDIENCE: 'api://sessions',
      JWT_USER_ID_CLAIM: 'user_id',
      JWT_ROLES_CLAIM: 'groups',
    });
  });

  it('reads the user id from a custom claim and roles from groups', async () => {
    expect((await ownList(http, ALICE, token(String(ALICE), ['Everyone']))).status).toBe(200);
    expectProblem(await adminList(http, token(String(BOB), ['Everyone'])), 403);
    expect((await adminList(http, token(String(BOB), ['Everyone', 'admin']))).status).toBe(200);
  });

  it('an email sub with no user id claim is a 401', async () => {
    expect401(await ownList(http, ALICE, token('', [])));
  });
});

describe('Microsoft Entra ID (v2.0 access token)', () => {
  const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
  const CLIENT = '6e74172b-be56-4843-9ff4-e66a39bb12e3';
  const issuer = () => `${server.url}/${TENANT}/v2.0`;
  const PAIRWISE_SUB = 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ';
  const resolver = new TableResolver();
  let http: App;

  const token = (roles: string[]) =>
    sign(keys.entra, {
      aud: CLIENT,
      iss: issuer(),
      nbf: now() - 5,
      exp: now() + 3600,
      aio: 'AXQAi/8TAAAA',
      azp: '1fec8e78-bce4-4aaf-ab1b-5451cc387264',
      azpacr: '0',
      name: 'Alice Example',
      oid: '00000000-0000-0000-66f3-3332eca7ea81',
      preferred_username: 'alice@contoso.com',
      rh: '0.AX0Av4j5cvGGr0GRqy180BHbR.',
      roles,
      scp: 'Sessions.Read',
      sub: PAIRWISE_SUB,
      tid: TENANT,
      uti: 'fqiBqXLPj0eQa82S-IYFAA',
      ver: '2.0',
    });

  beforeAll(async () => {
    resolver.map(issuer(), PAIRWISE_SUB, ALICE);
    http = await boot({ JWT_ISSUER: issuer(), JWT_AUDIENCE: CLIENT }, [resolverProvider(resolver)]);
  });

  it('maps the pairwise sub and reads app roles from roles', async () => {
    expect((await ownList(http, ALICE, token([]))).status).toBe(200);
    expectProblem(await adminList(http, token([])), 403);
    expect((await adminList(http, token(['admin']))).status).toBe(200);
  });
});

describe('Ory Kratos (session to JWT)', () => {
  const issuer = () => `${server.url}/kratos`;
  const IDENTITY = '9f425a8d-7efc-4768-8f23-7647a74fdf13';
  let http: App;

  /** A session tokenized with a template whose Jsonnet claims mapper adds `session`. */
  const token = (userId: number | undefined, roles: string[]) =>
    sign(keys.kratos, {
      iss: issuer(),
      aud: 'session-service',
      exp: now() + 600,
      nbf: now() - 1,
      jti: randomUUID(),
      sub: IDENTITY,
      sid: randomUUID(), // the Kratos session
      session: {
        id: randomUUID(),
        active: true,
        authenticator_assurance_level: 'aal1',
        identity: {
          id: IDENTITY,
          schema_id: 'default',
          traits: { email: 'alice@example.com' },
          metadata_public: { ...(userId !== undefined && { user_id: userId }), roles },
        },
      },
    });

  beforeAll(async () => {
    http = await boot({
      JWT_ISSUER: issuer(),
      JWT_AUDIENCE: 'session-service',
      JWT_USER_ID_CLAIM: 'session.identity.metadata_public.user_id',
      JWT_ROLES_CLAIM: 'session.identity.metadata_public.roles',
    });
  });

  it('reads the user id and roles from the identity metadata (ES256)', async () => {
    expect((await ownList(http, ALICE, token(ALICE, []))).status).toBe(200);
    expectProblem(await adminList(http, token(BOB, [])), 403);
    expect((await adminList(http, token(BOB, ['admin']))).status).toBe(200);
  });

  it('a UUID sub without metadata and without mapping is a 401', async () => {
    expect401(await ownList(http, ALICE, token(undefined, [])));
  });
});

describe('Zitadel', () => {
  const issuer = () => `${server.url}/zitadel`;
  const PROJECT = '253402300799000100';
  const SNOWFLAKE = '253402300799123456'; // 18 digits, above 2^53-1
  const ROLES = 'urn:zitadel:iam:org:project:roles';
  const resolver = new TableResolver();
  let http: App;

  const token = (roles: Record<string, Record<string, string>>) =>
    sign(keys.zitadel, {
      aud: [PROJECT, '253402300799000200@sessions'],
      client_id: '253402300799000200@sessions',
      exp: now() + 43200,
      iss: issuer(),
      jti: '253402300799000300',
      nbf: now(),
      sub: SNOWFLAKE,
      [ROLES]: roles,
      'urn:zitadel:iam:user:resourceowner:id': '253402300799000400',
    });

  beforeAll(async () => {
    resolver.map(issuer(), SNOWFLAKE, BOB);
    http = await boot({ JWT_ISSUER: issuer(), JWT_AUDIENCE: PROJECT, JWT_ROLES_CLAIM: ROLES }, [
      resolverProvider(resolver),
    ]);
  });

  it('maps the snowflake sub and takes the role map keys as roles', async () => {
    const user = token({ viewer: { '253402300799000400': 'acme.zitadel.cloud' } });
    expect((await ownList(http, BOB, user)).status).toBe(200);
    expectProblem(await adminList(http, user), 403);
    const admin = token({ admin: { '253402300799000400': 'acme.zitadel.cloud' } });
    expect((await adminList(http, admin)).status).toBe(200);
  });

  it('without mapping, the snowflake sub (no safe integer) is a 401', async () => {
    await withApp(
      { JWT_ISSUER: issuer(), JWT_AUDIENCE: PROJECT, JWT_ROLES_CLAIM: ROLES },
      [],
      async (bare) => {
        expect401(await ownList(bare, BOB, token({})));
      },
    );
  });
});

describe('A plain OpenID Provider (PS256, discovery)', () => {
  let http: App;

  const token = (roles: string[], scope = 'openid') =>
    sign(keys.plain, {
      iss: server.url,
      aud: 'session-service',
      exp: now() + 600,
      sub: String(ALICE),
      roles,
      scope,
    });

  beforeAll(async () => {
    http = await boot({
      JWT_JWKS_URL: '',
      JWT_OIDC_ISSUER: server.url,
      JWT_AUDIENCE: 'session-service',
      JWT_ALGORITHMS: 'PS256',
      JWT_ROLES_CLAIM: 'roles,scope',
    });
  });

  it('takes an integer sub as it is and roles from roles or scope', async () => {
    expect((await ownList(http, ALICE, token([]))).status).toBe(200);
    expectProblem(await adminList(http, token([])), 403);
    expect((await adminList(http, token(['admin']))).status).toBe(200);
    expect((await adminList(http, token([], 'openid admin'))).status).toBe(200);
  });

  it('refuses an RS256 token when PS256 is the configured algorithm', async () => {
    const rs = signWith(keys.okta, { iss: server.url, aud: 'session-service', sub: String(ALICE) });
    expect401(await ownList(http, ALICE, rs));
  });
});

describe('a session bound in the default claim, beside an IdP sid', () => {
  it('401 once our session ends; an unknown sid of the provider never matters', async () => {
    const issuer = `${server.url}/realms/bound`;
    const http = await boot({ JWT_ISSUER: issuer, JWT_AUDIENCE: 'session-service' });
    const t = apps[apps.length - 1];
    const ours = await insertSession(t.dataSource, { userId: ALICE });
    const claims = {
      iss: issuer,
      aud: 'session-service',
      sub: String(ALICE),
      sid: randomUUID(),
      session_id: ours,
    };
    expect((await ownList(http, ALICE, sign(keys.keycloak, claims))).status).toBe(200);
    await t.dataSource.query(
      'UPDATE session_service.sessions SET revoked_at = now(), revoked_by = $2, revoke_reason = $2 WHERE id = $1',
      [ours, 'test'],
    );
    expect401(await ownList(http, ALICE, sign(keys.keycloak, claims)));
  });
});
