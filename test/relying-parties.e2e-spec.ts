import { insertSession, insertUser } from './support/factories';
import { startRedirectingReceiver } from './support/redirecting-receiver';
import { startReceiver } from './support/receivers';
import { resetDatabase, startTransmitterApp, type TestApp } from './support/test-app';
import { adminToken } from './support/tokens';
import { pollUntil, sleep } from './support/wait';

/**
 * Back-Channel Logout relying parties: which logout URIs are accepted, and
 * how a relying party's answer is read.
 */
describe('Back-Channel Logout relying parties: logout URIs and answers', () => {
  let t: TestApp;
  let base: string;

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${adminToken()}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  };

  const revoke = async () => {
    const sessionId = await insertSession(t.dataSource, { userId: 1001 });
    expect((await call('DELETE', `/api/sessions/${sessionId}`)).status).toBe(204);
  };

  beforeAll(async () => {
    ({ t, base } = await startTransmitterApp({
      SIGNALS_DELIVERY_INTERVAL_MS: '50',
      SIGNALS_RETRY_BASE_MS: '50',
      SIGNALS_RETRY_MAX_MS: '200',
    }));
  });

  afterAll(async () => {
    await t?.close();
  });

  beforeEach(async () => {
    await resetDatabase(t.dataSource);
    await t.dataSource.query('DELETE FROM session_service.relying_parties');
    await insertUser(t.dataSource, 1001);
  });

  it('refuses a backchannel_logout_uri with credentials or a fragment, registering nothing', async () => {
    for (const uri of [
      'http://user:pw@127.0.0.1:3220/bcl',
      'https://user@crm.example.com/bcl',
      'https://crm.example.com@evil.example.com/bcl',
      'https://crm.example.com/bcl#logout',
    ]) {
      const answer = await call('POST', '/api/relying-parties', {
        client_id: 'crm-web',
        backchannel_logout_uri: uri,
      });
      expect(answer.status, uri).toBe(400);
      expect(answer.json.type).toMatch(/invalid-request$/);
      expect(answer.json.errors).toEqual([
        expect.objectContaining({
          field: 'backchannel_logout_uri',
          code: 'format',
          description:
            'backchannel_logout_uri must be an http(s) URL without credentials or a fragment',
        }),
      ]);
    }
    expect((await call('GET', '/api/relying-parties')).json.relying_parties).toEqual([]);
  });

  it('accepts an @ in the path or query', async () => {
    const uri = 'https://crm.example.com/logout/a@b?to=c@d';
    const answer = await call('POST', '/api/relying-parties', {
      client_id: 'crm-web',
      backchannel_logout_uri: uri,
    });
    expect(answer.status).toBe(201);
    expect(answer.json.backchannel_logout_uri).toBe(uri);
  });

  it('any 2xx delivers the logout token: 202 is not sent again', async () => {
    const rp = await startReceiver(() => ({ status: 202 }));
    try {
      expect(
        (
          await call('POST', '/api/relying-parties', {
            client_id: 'crm-web',
            backchannel_logout_uri: rp.url,
          })
        ).status,
      ).toBe(201);
      await revoke();
      await pollUntil(
        () => Promise.resolve(rp.requests.length),
        (n) => n >= 1,
        10_000,
        'a logout token',
      );
      await sleep(600);
      expect(rp.requests).toHaveLength(1);
      expect((await call('GET', '/api/relying-parties/crm-web')).json).toMatchObject({
        backlog: 0,
        attempts: 0,
        last_error: null,
      });
    } finally {
      await rp.close();
    }
  });

  it('a redirect is not followed: retried, and recorded as a redirect', async () => {
    const elsewhere = await startReceiver(() => ({ status: 200 }));
    const moved = await startRedirectingReceiver(elsewhere.url, 307);
    try {
      await call('POST', '/api/relying-parties', {
        client_id: 'crm-web',
        backchannel_logout_uri: moved.url,
      });
      await revoke();
      const failing = await pollUntil(
        () => call('GET', '/api/relying-parties/crm-web'),
        (r) => r.json.attempts >= 2,
        10_000,
        'failed attempts',
      );
      expect(failing.json).toMatchObject({
        backlog: 1,
        last_error: 'HTTP 307: redirects are not followed',
      });
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await moved.close();
      await elsewhere.close();
    }
  });
});
