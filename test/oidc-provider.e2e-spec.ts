/**
 * A real OpenID Provider (the `oidc-provider` package) issues a JWT access
 * token to the auth platform's client through the client credentials grant;
 * the service finds the provider's keys through its discovery document and
 * lets that client record a sign-in. The token's `sub` is the client id, which
 * the subject mapping (a test double here) maps to the platform's user id.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Provider as NestProvider } from '@nestjs/common';
import Provider from 'oidc-provider';
import request from 'supertest';
import type { App } from 'supertest/types';
import { SUBJECT_RESOLVER, type SubjectResolver } from '@session-service/auth';
import { insertUser } from './support/factories';
import { expectProblem } from './support/schemas';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { bearer } from './support/tokens';

const PLATFORM = 6950;
const ALICE = 6951;
const API = 'https://sessions.example.com/api';

let server: Server;
let issuer: string;

beforeAll(async () => {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) =>
    res.writeHead(503).end();
  server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'auth-platform',
        client_secret: 'auth-platform-secret-of-at-least-32-bytes',
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
      },
    ],
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'op-ps256', use: 'sig' }] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => API,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'sessions:write',
          audience: 'session-service',
          accessTokenFormat: 'jwt',
          accessTokenTTL: 300,
          jwt: { sign: { alg: 'PS256' } },
        }),
      },
    },
    extraTokenClaims: () => ({ roles: ['session-writer'] }),
  });
  const callback = provider.callback();
  handler = (req, res) => void callback(req, res);
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

async function clientCredentialsToken(): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from('auth-platform:auth-platform-secret-of-at-least-32-bytes').toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'sessions:write' }),
  });
  const body = (await res.json()) as { access_token?: string; error?: string };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.access_token!;
}

async function boot(providers: NestProvider[]): Promise<TestApp> {
  const t = await createTestApp(
    {
      JWT_SECRET: '',
      JWT_ISSUER: '',
      JWT_OIDC_ISSUER: issuer,
      JWT_AUDIENCE: 'session-service',
      JWT_ALGORITHMS: 'PS256',
    },
    { providers },
  );
  await resetDatabase(t.dataSource);
  await insertUser(t.dataSource, PLATFORM, 'auth-platform');
  return t;
}

const signIn = (http: App, token: string) =>
  request(http)
    .post('/api/sessions')
    .set(...bearer(token))
    .send({
      user_id: ALICE,
      username: 'alice',
      amr: ['pwd'],
      ip: '198.51.100.9',
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
    });

describe('oidc-provider: a client credentials JWT access token (PS256, discovery)', () => {
  it('is a JWT access token for the service, its sub the client id', async () => {
    const token = await clientCredentialsToken();
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map(
        (part) => JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>,
      );
    expect(header).toMatchObject({ alg: 'PS256', typ: 'at+jwt', kid: 'op-ps256' });
    expect(payload).toMatchObject({
      iss: issuer,
      sub: 'auth-platform',
      aud: 'session-service',
      client_id: 'auth-platform',
      roles: ['session-writer'],
    });
  });

  it('records a sign-in when the subject mapping knows the client', async () => {
    const resolver: SubjectResolver = {
      resolve: (iss, sub) =>
        Promise.resolve(iss === issuer && sub === 'auth-platform' ? String(PLATFORM) : null),
    };
    const t = await boot([{ provide: SUBJECT_RESOLVER, useValue: resolver }]);
    try {
      const res = await signIn(t.app.getHttpServer(), await clientCredentialsToken());
      expect(res.status).toBe(201);
      expect(typeof res.body.id).toBe('string');
    } finally {
      await t.close();
    }
  });

  it('is a 401 without the subject mapping (the client id is no user id)', async () => {
    const t = await boot([]);
    try {
      const res = await signIn(t.app.getHttpServer(), await clientCredentialsToken());
      expectProblem(res, 401);
    } finally {
      await t.close();
    }
  });
});
