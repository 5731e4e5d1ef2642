import { insertUser } from './support/factories';
import { freePort } from './support/receivers';
import { createTestApp, resetDatabase, type TestApp } from './support/test-app';
import { adminToken } from './support/tokens';

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

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    t = await createTestApp({
      SIGNALS_ISSUER: base,
      SIGNALS_DELIVERY_WORKER: 'true',
      SIGNALS_DELIVERY_INTERVAL_MS: '50',
      SIGNALS_RETRY_BASE_MS: '50',
      SIGNALS_RETRY_MAX_MS: '200',
      RATE_LIMIT_IP_PER_MINUTE: '100000',
      RATE_LIMIT_USER_PER_MINUTE: '100000',
    });
    await t.app.listen(port, '127.0.0.1');
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
});
