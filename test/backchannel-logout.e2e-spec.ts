import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { insertSession, insertUser } from './support/factories';
import { type ReceivedRequest, startReceiver } from './support/receivers';
import { resetDatabase, startTransmitterApp, type TestApp } from './support/test-app';
import { adminToken, tokenFor } from './support/tokens';
import { pollUntil } from './support/wait';

const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/**
 * A relying party written from OpenID Connect Back-Channel Logout 1.0: it
 * validates every logout token as section 2.6 says, and remembers the `jti`s
 * it has seen (the optional replay check).
 */
describe('OpenID Connect Back-Channel Logout 1.0', () => {
  let t: TestApp;
  let base: string;
  let issuer: string;
  let jwks: ReturnType<typeof createRemoteJWKSet>;

  const call = async (method: string, path: string, token: string | undefined, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  };

  /** Section 2.6, steps 1 to 7 (no encryption is used), for the relying party `clientId`. */
  async function validateLogoutToken(
    request: ReceivedRequest,
    clientId: string,
    seen: Set<string>,
  ) {
    // Section 2.5: an HTTP POST, application/x-www-form-urlencoded, with logout_token.
    expect(request.method).toBe('POST');
    expect(request.contentType).toBe('application/x-www-form-urlencoded');
    const token = new URLSearchParams(request.body).get('logout_token');
    expect(token).toEqual(expect.any(String));
    const header = decodeProtectedHeader(token!);
    // Section 2.4: explicit typing; 2.6 step 2: never alg none.
    expect(header.typ).toBe('logout+jwt');
    expect(header.alg).not.toBe('none');
    // Steps 2 and 3: signature through the issuer's keys; iss, aud, iat and exp.
    const { payload } = await jwtVerify(token!, jwks, {
      issuer,
      audience: clientId,
      typ: 'logout+jwt',
      maxTokenAge: '5m',
      requiredClaims: ['iat', 'exp', 'jti'],
    });
    // Step 4: sub or sid (here both: the session and its user).
    expect(payload.sid ?? payload.sub).toBeDefined();
    // Step 5: events with the back-channel logout member, a JSON object.
    const events = payload.events as Record<string, unknown>;
    expect(typeof events[LOGOUT_EVENT]).toBe('object');
    expect(events[LOGOUT_EVENT]).not.toBeNull();
    // Step 6: no nonce.
    expect(payload).not.toHaveProperty('nonce');
    // Step 7: a jti not seen before.
    expect(seen.has(payload.jti!)).toBe(false);
    seen.add(payload.jti!);
    // A short lifetime (section 2.4 recommends at most two minutes).
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(120);
    return payload;
  }

  beforeAll(async () => {
    ({ t, base } = await startTransmitterApp({
      SIGNALS_DELIVERY_INTERVAL_MS: '50',
      SIGNALS_RETRY_BASE_MS: '50',
      SIGNALS_RETRY_MAX_MS: '200',
    }));
    issuer = base;
    jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
  });

  afterAll(async () => {
    await t?.close();
  });

  beforeEach(async () => {
    await resetDatabase(t.dataSource);
    await t.dataSource.query('DELETE FROM session_service.relying_parties');
    await insertUser(t.dataSource, 1001);
  });

  it('a registered relying party receives a logout token that passes every check of section 2.6', async () => {
    let failures = 1;
    const rp = await startReceiver(() => (failures-- > 0 ? { status: 503 } : { status: 200 }));
    try {
      const registered = await call('POST', '/api/relying-parties', adminToken(), {
        client_id: 'crm-web',
        backchannel_logout_uri: rp.url,
        backchannel_logout_session_required: true,
      });
      expect(registered.status).toBe(201);
      expect(registered.json).toMatchObject({
        client_id: 'crm-web',
        backchannel_logout_uri: rp.url,
        backchannel_logout_session_required: true,
        backlog: 0,
      });
      const first = await insertSession(t.dataSource, { userId: 1001 });
      const second = await insertSession(t.dataSource, { userId: 1001 });
      expect((await call('DELETE', `/api/sessions/${first}`, adminToken())).status).toBe(204);
      expect(
        (await call('DELETE', `/sessions/user/1001/sessions/${second}`, tokenFor(1001))).status,
      ).toBe(204);

      await pollUntil(
        () => Promise.resolve(rp.requests.filter((r) => r.status === 200).length),
        (n) => n >= 2,
        10_000,
        'two logout tokens accepted',
      );
      const seen = new Set<string>();
      const accepted = rp.requests.filter((r) => r.status === 200);
      const payloads = [];
      for (const request of accepted)
        payloads.push(await validateLogoutToken(request, 'crm-web', seen));
      expect(payloads.map((p) => p.sid)).toEqual([first, second]);
      expect(payloads.every((p) => p.sub === '1001')).toBe(true);
      // The refused first attempt was retried with the same jti.
      const retried = new URLSearchParams(rp.requests[0].body).get('logout_token')!;
      const retriedJti = (await jwtVerify(retried, jwks, { issuer, audience: 'crm-web' })).payload
        .jti;
      expect(retriedJti).toBe(payloads[0].jti);

      const state = await pollUntil(
        () => call('GET', '/api/relying-parties/crm-web', adminToken()),
        (r) => r.json.backlog === 0,
        5000,
        'nothing left to deliver',
      );
      expect(state.json).toMatchObject({ attempts: 0, last_error: 'HTTP 503' });
    } finally {
      await rp.close();
    }
  });

  it("a token for one relying party does not pass as another one's (aud)", async () => {
    const rp = await startReceiver(() => ({ status: 200 }));
    try {
      await call('POST', '/api/relying-parties', adminToken(), {
        client_id: 'billing',
        backchannel_logout_uri: rp.url,
      });
      await call(
        'DELETE',
        `/api/sessions/${await insertSession(t.dataSource, { userId: 1001 })}`,
        adminToken(),
      );
      await pollUntil(
        () => Promise.resolve(rp.requests.length),
        (n) => n >= 1,
        10_000,
        'a logout token',
      );
      const token = new URLSearchParams(rp.requests[0].body).get('logout_token')!;
      await expect(jwtVerify(token, jwks, { issuer, audience: 'crm-web' })).rejects.toThrow();
      await validateLogoutToken(rp.requests[0], 'billing', new Set());
    } finally {
      await rp.close();
    }
  });

  it('400 naming the field for text PostgreSQL cannot store, nothing registered', async () => {
    for (const [body, field] of [
      [
        { client_id: 'nul\u0000', backchannel_logout_uri: 'https://crm.example.com/logout' },
        'client_id',
      ],
      [
        { client_id: 'nul-check', backchannel_logout_uri: 'https://crm.example.com/\u0000' },
        'backchannel_logout_uri',
      ],
    ] as const) {
      const answer = await call('POST', '/api/relying-parties', adminToken(), body);
      expect(answer.status).toBe(400);
      expect(answer.json.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    expect((await call('GET', '/api/relying-parties/nul-check', adminToken())).status).toBe(404);
  });

  it('400 names the rule a client_id with a space breaks', async () => {
    const answer = await call('POST', '/api/relying-parties', adminToken(), {
      client_id: 'rp x',
      backchannel_logout_uri: 'https://crm.example.com/logout',
    });
    expect(answer.status).toBe(400);
    expect(answer.json.errors).toEqual([
      expect.objectContaining({
        field: 'client_id',
        code: 'format',
        description: 'client_id must be 1 to 255 printable ASCII characters, without spaces',
      }),
    ]);
  });

  it('admin routes: list, get, 409 on a second registration, delete, 404; other callers 403', async () => {
    const body = { client_id: 'crm-web', backchannel_logout_uri: 'https://crm.example.com/logout' };
    expect((await call('POST', '/api/relying-parties', adminToken(), body)).status).toBe(201);
    const again = await call('POST', '/api/relying-parties', adminToken(), body);
    expect(again.status).toBe(409);
    expect(again.json.type).toMatch(/relying-party-exists$/);
    const list = await call('GET', '/api/relying-parties', adminToken());
    expect(list.json.relying_parties.map((r: { client_id: string }) => r.client_id)).toEqual([
      'crm-web',
    ]);
    expect((await call('GET', '/api/relying-parties', tokenFor(1001))).status).toBe(403);
    expect(
      (
        await call('POST', '/api/relying-parties', adminToken(), {
          client_id: 'x',
          backchannel_logout_uri: 'ftp://x',
        })
      ).status,
    ).toBe(400);
    expect((await call('DELETE', '/api/relying-parties/crm-web', adminToken())).status).toBe(204);
    const gone = await call('GET', '/api/relying-parties/crm-web', adminToken());
    expect(gone.status).toBe(404);
    expect(gone.json.type).toMatch(/relying-party-not-found$/);
  });
});
