import type { INestApplication } from '@nestjs/common';
import { sign } from 'jsonwebtoken';
import { resolveAuthOptions, writeClaim } from '@session-service/auth';
import { SessionsService } from '@session-service/sessions';
import type { AppConfig } from '../config/app.config';

const DEMO_ADMIN_ID = 1;
const DEMO_USER_ID = 1001;
const DEMO_OTHER_USER_ID = 1002;

/** Demo users and their sign-ins: several devices, so the lists have something to show. */
const DEMO_SIGN_INS = [
  {
    user_id: 1001,
    username: 'alice',
    amr: ['password', 'totp'],
    ip: '203.0.113.10',
    geoip: 'Berlin, DE',
    user_agent:
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  },
  {
    user_id: 1001,
    username: 'alice',
    amr: ['webauthn'],
    ip: '198.51.100.23',
    geoip: 'Berlin, DE',
    device_id: 'dev_alice_phone',
    user_agent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  },
  {
    user_id: 1001,
    username: 'alice',
    amr: ['pwd'],
    ip: '2001:db8::42',
    tenant_id: 'tnt_demo',
    user_agent:
      'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  },
  {
    user_id: 1002,
    username: 'bob',
    amr: ['password'],
    ip: '192.0.2.77',
    geoip: 'Lyon, FR',
    user_agent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  },
];

/**
 * Outside production with no JWT key configured, the service signs its own
 * demo tokens: it seeds a few users and sessions (once per data folder) and
 * prints an admin token, a user token, a session id and the docs URL, as lines
 * a shell can export.
 */
export interface DemoTokens {
  adminToken: string;
  userToken: string;
  userId: number;
  /** Another demo user's active session, for the admin examples (absent with DEMO_SEED=false and no data). */
  sessionId?: string;
}

/** The session id of a user page item (`dto.SessionResponse` as JSON text). */
const idOf = (item: string | undefined): string | undefined =>
  item === undefined ? undefined : (JSON.parse(item) as { id: string }).id;

export async function announceDemo(
  app: INestApplication,
  config: AppConfig,
  baseUrl: string,
  print: (text: string) => void,
): Promise<DemoTokens | undefined> {
  const key = config.ephemeralSigningKey;
  if (!key) return undefined;
  const sessions = app.get(SessionsService);
  const latestSession = async (userId: number) =>
    idOf((await sessions.listForUser(String(userId), 1, 1).catch(() => undefined))?.items[0]);
  if (config.demoSeed) {
    // Once per data folder, and again for a demo user whose sessions have all ended
    // (the README's examples end some), so every printed line names a live session.
    for (const userId of new Set(DEMO_SIGN_INS.map((s) => s.user_id))) {
      if (await latestSession(userId)) continue;
      for (const signIn of DEMO_SIGN_INS.filter((s) => s.user_id === userId)) {
        await sessions.recordSignIn(signIn);
      }
    }
  }
  // The claims where the configured paths read them (the first roles path).
  const paths = resolveAuthOptions(config.auth).claimPaths;
  const mint = (sub: number, roles: string[], sessionId?: string) => {
    const claims: Record<string, unknown> = { sub: String(sub) };
    writeClaim(claims, paths.userId, String(sub));
    writeClaim(claims, paths.roles[0], roles);
    if (sessionId) writeClaim(claims, paths.session, sessionId);
    return sign(claims, key, {
      algorithm: 'HS256',
      expiresIn: '12h',
      ...(config.auth.issuer && { issuer: config.auth.issuer }),
      ...(config.auth.audience && { audience: config.auth.audience }),
    });
  };
  // With signals on, the demo admin is also a Shared Signals receiver (the README's stream examples).
  const adminToken = mint(DEMO_ADMIN_ID, [
    config.auth.adminRole ?? 'admin',
    ...(config.signals && config.auth.receiverRole ? [config.auth.receiverRole] : []),
  ]);
  // The user token is bound to alice's most recent session, as a real sign-in's token would be.
  const userToken = mint(DEMO_USER_ID, [], await latestSession(DEMO_USER_ID));
  // A session for the README's admin examples: bob's, so ending it leaves the user token working.
  const sessionId = await latestSession(DEMO_OTHER_USER_ID);
  const lines = [
    '',
    'Demo mode: no JWT_SECRET or JWT_PUBLIC_KEY, so tokens are signed with a key made at start-up.',
    ...(config.apiDocsEnabled ? [`Docs:        ${baseUrl}/docs`] : []),
    `ADMIN_TOKEN=${adminToken}`,
    `USER_TOKEN=${userToken}`,
    ...(sessionId ? [`SESSION_ID=${sessionId}`] : []),
    `Try:         curl -H "Authorization: Bearer $ADMIN_TOKEN" ${baseUrl}/api/sessions/all`,
    `             curl -H "Authorization: Bearer $USER_TOKEN" ${baseUrl}/sessions/user/1001/sessions`,
    '',
  ];
  print(lines.join('\n') + '\n');
  return { adminToken, userToken, userId: DEMO_USER_ID, sessionId };
}
