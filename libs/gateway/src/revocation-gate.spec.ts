import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair } from 'jose';
import { accessToken, eventually, gateOptions } from '../test/gate-fixtures';
import { TestTransmitter } from '../test/test-transmitter';
import { RevocationGate } from './revocation-gate';

describe('RevocationGate', () => {
  let transmitter: TestTransmitter;
  let gate: RevocationGate | undefined;

  beforeEach(async () => {
    transmitter = await new TestTransmitter().start();
  });

  afterEach(async () => {
    await gate?.stop();
    gate = undefined;
    await transmitter.stop();
  });

  async function started(overrides: Parameters<typeof gateOptions>[1] = {}) {
    gate = new RevocationGate(gateOptions(transmitter, overrides));
    await gate.start();
    return gate;
  }

  it('lets a verified token through and refuses it with 401 once its session-revoked SET arrives', async () => {
    const g = await started();
    const sessionId = randomUUID();
    const token = await accessToken(sessionId);
    expect(await g.check(`Bearer ${token}`)).toMatchObject({ allowed: true, sessionId });

    const [jti] = await transmitter.revoke(sessionId);
    await eventually(async () => !(await g.check(`Bearer ${token}`)).allowed);
    const decision = await g.check(`Bearer ${token}`);
    expect(decision).toMatchObject({
      allowed: false,
      reason: 'session_revoked',
      problem: { status: 401, title: 'Unauthorized', type: 'about:blank', code: 30240101 },
    });
    // The SET is acknowledged by the next poll, and so leaves the queue.
    await eventually(() => transmitter.acks.includes(jti));
    expect(transmitter.onlyStream().queue.size).toBe(0);
    expect(g.metrics().sets).toMatchObject({ received: 1, revocations: 1 });
  });

  it('creates one poll stream for session-revoked and reuses it on restart', async () => {
    const g = await started();
    const stream = transmitter.onlyStream();
    expect(stream.delivery.method).toBe('urn:ietf:rfc:8936');
    expect(stream.events_requested).toEqual([
      'https://schemas.openid.net/secevent/caep/event-type/session-revoked',
    ]);
    await eventually(() => transmitter.polls.length > 0);
    expect(transmitter.polls.at(-1)).toMatchObject({ returnImmediately: true, maxEvents: 100 });
    await g.stop();

    gate = new RevocationGate(gateOptions(transmitter));
    await gate.start();
    expect(transmitter.streams.size).toBe(1);
    expect(gate.health().streamId).toBe(stream.stream_id);
  });

  it('ignores and counts SETs with a bad signature, typ, iss or aud, reporting them in setErrs', async () => {
    const g = await started();
    const stream = transmitter.onlyStream();
    const { privateKey: otherKey } = await generateKeyPair('ES256');
    const at = Math.floor(Date.now() / 1000);
    const spoiled = {
      signature: { key: otherKey },
      typ: { typ: 'JWT' },
      iss: { iss: 'https://evil.example' },
      aud: { aud: 'someone-else' },
    };
    const sessions: Record<string, string> = {};
    for (const [name, overrides] of Object.entries(spoiled)) {
      sessions[name] = randomUUID();
      const set = await transmitter.sign(stream, name, sessions[name], at, overrides);
      await transmitter.deliverRaw(name, set);
    }
    await eventually(() => Object.keys(transmitter.setErrs).length === 4);

    for (const sessionId of Object.values(sessions)) {
      expect(await g.check(`Bearer ${await accessToken(sessionId)}`)).toMatchObject({
        allowed: true,
      });
    }
    expect(transmitter.setErrs).toMatchObject({
      signature: { err: 'invalid_key' },
      iss: { err: 'invalid_issuer' },
      aud: { err: 'invalid_audience' },
    });
    const { rejected } = g.metrics().sets;
    expect(rejected.signature).toBe(1);
    expect(rejected.claims + rejected.malformed).toBe(3);
    expect(g.prometheus()).toContain('session_gateway_sets_rejected_total{reason="signature"} 1');
  });

  it('starts from a snapshot: a session revoked before the gateway started is refused at once', async () => {
    const before = randomUUID();
    const longAgo = randomUUID();
    // No stream exists yet: these are only in the service's feed.
    await transmitter.revoke(before, new Date(Date.now() - 60_000));
    await transmitter.revoke(longAgo, new Date(Date.now() - 3_600_000));
    const g = await started({ maxTokenLifetimeSeconds: 600 });

    expect(await g.check(`Bearer ${await accessToken(before)}`)).toMatchObject({
      allowed: false,
      reason: 'session_revoked',
    });
    // Revoked before any token still valid could have been issued: not asked for.
    const since = Date.parse(transmitter.feedRequests[0].get('since') ?? '');
    expect(Date.now() - since).toBeGreaterThanOrEqual(605_000);
    expect(Date.now() - since).toBeLessThan(615_000);
    expect(g.isRevoked(longAgo)).toBe(false);
    expect(g.metrics().snapshotRevocations).toBe(1);
  });

  it('reads every page of the snapshot', async () => {
    const ids = Array.from({ length: 5 }, () => randomUUID());
    for (const id of ids) await transmitter.revoke(id);
    const g = await started({ snapshot: { ...gateOptions(transmitter).snapshot!, pageSize: 2 } });
    expect(ids.every((id) => g.isRevoked(id))).toBe(true);
    expect(transmitter.feedRequests).toHaveLength(3);
  });

  it('keeps serving while the stream is briefly lost, then fails closed with 503 after maxStalenessMs', async () => {
    const g = await started({ maxStalenessMs: 300 });
    const token = await accessToken();
    transmitter.down = true;
    expect(await g.check(`Bearer ${token}`)).toMatchObject({ allowed: true });
    await eventually(() => g.stalenessMs() > 300);

    expect(await g.check(`Bearer ${token}`)).toMatchObject({
      allowed: false,
      reason: 'stale',
      // about:blank: the title is the status's phrase (RFC 9457 section 4.2.1).
      problem: { status: 503, type: 'about:blank', title: 'Service Unavailable' },
    });
    expect(g.health()).toMatchObject({ status: 'down', state: 'stale' });
    expect(g.prometheus()).toMatch(/session_gateway_current 0\n/);

    transmitter.down = false;
    await eventually(() => g.isCurrent());
    expect(await g.check(`Bearer ${token}`)).toMatchObject({ allowed: true, failedOpen: false });
    expect(g.health()).toMatchObject({ status: 'up', state: 'following' });
  });

  it('fails closed with 401 when so configured, and open when asked to', async () => {
    const closed = await started({ maxStalenessMs: 100, failClosedStatus: 401 });
    transmitter.down = true;
    await eventually(() => !closed.isCurrent());
    const token = await accessToken();
    expect(await closed.check(`Bearer ${token}`)).toMatchObject({
      allowed: false,
      problem: { status: 401 },
    });
    await closed.stop();

    gate = new RevocationGate(gateOptions(transmitter, { maxStalenessMs: 100, failMode: 'open' }));
    void gate.start(); // never current: the transmitter is down
    expect(await gate.check(`Bearer ${token}`)).toMatchObject({ allowed: true, failedOpen: true });
    expect(gate.metrics().requests.allowed_stale).toBe(1);
    // A revoked session stays refused even when failing open.
    expect(await gate.check('Bearer not-a-jwt')).toMatchObject({ allowed: false });
  });

  it('sets the stream up again (with a new snapshot) when the transmitter lost it', async () => {
    const g = await started();
    transmitter.streams.clear();
    const revokedMeanwhile = randomUUID();
    await transmitter.revoke(revokedMeanwhile); // in the feed only: no stream exists
    await eventually(() => transmitter.streams.size === 1);
    await eventually(() => g.isRevoked(revokedMeanwhile));
    expect(g.metrics().streamsCreated).toBe(2);
    expect(transmitter.feedRequests).toHaveLength(2);
  });

  it('answers 401 token_missing, and 401 for a bad signature or a token without a session', async () => {
    const g = await started();
    expect(await g.check(undefined)).toMatchObject({
      allowed: false,
      reason: 'token_missing',
      problem: { status: 401, detail: 'A bearer token is required' },
    });
    const forged = await accessToken(
      randomUUID(),
      undefined,
      'another-secret-of-at-least-32-bytes!!',
    );
    expect(await g.check(`Bearer ${forged}`)).toMatchObject({ reason: 'token_invalid' });
    const sessionless = await accessToken(randomUUID(), {});
    expect(await g.check(`Bearer ${sessionless}`)).toMatchObject({ reason: 'token_invalid' });
    expect(g.metrics().requests).toMatchObject({ token_missing: 1, token_invalid: 2 });
  });

  it('receives pushed SETs (RFC 8935): 202 for a valid one, 400 or 401 otherwise', async () => {
    const g = new RevocationGate(
      gateOptions(transmitter, {
        ssf: {
          issuer: transmitter.issuer,
          bearerToken: 'receiver-token',
          delivery: 'push',
          push: {
            endpointUrl: 'http://gateway.invalid/ssf/push',
            authorization: 'Bearer push-secret',
          },
        },
      }),
    );
    gate = g;
    await g.start();
    const stream = transmitter.onlyStream();
    expect(stream.delivery).toMatchObject({
      method: 'urn:ietf:rfc:8935',
      authorization_header: 'Bearer push-secret',
    });
    const sessionId = randomUUID();
    const set = await transmitter.sign(stream, 'j1', sessionId, Math.floor(Date.now() / 1000));
    const push = (overrides: Partial<Parameters<RevocationGate['handlePush']>[0]>) =>
      g.handlePush({
        body: set,
        contentType: 'application/secevent+jwt',
        authorization: 'Bearer push-secret',
        ...overrides,
      });

    expect(await push({ authorization: 'Bearer wrong' })).toMatchObject({ status: 401 });
    expect(await push({ contentType: 'application/json' })).toMatchObject({ status: 400 });
    expect(g.isRevoked(sessionId)).toBe(false);
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await transmitter.sign(stream, 'j2', sessionId, 0, { key: privateKey });
    const refused = await push({ body: forged });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body ?? '{}')).toMatchObject({ err: 'invalid_key' });

    expect(await push({})).toEqual({ status: 202, headers: {} });
    expect(g.isRevoked(sessionId)).toBe(true);
  });

  it('stays current with push delivery through verification events, and goes stale without them', async () => {
    // The gate's push endpoint, as a host mounts it.
    let g: RevocationGate | undefined;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        void g
          ?.handlePush({
            body,
            contentType: req.headers['content-type'],
            authorization: req.headers.authorization,
          })
          .then((answer) => {
            res.writeHead(answer.status, answer.headers).end(answer.body);
          });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const pushGate = new RevocationGate(
        gateOptions(transmitter, {
          maxStalenessMs: 300,
          ssf: {
            issuer: transmitter.issuer,
            bearerToken: 'receiver-token',
            delivery: 'push',
            push: { endpointUrl: `http://127.0.0.1:${port}/push` },
            verificationIntervalMs: 50,
          },
        }),
      );
      g = pushGate;
      gate = pushGate;
      await pushGate.start();
      await eventually(() => transmitter.verifications >= 3);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(pushGate.isCurrent()).toBe(true);
      expect(transmitter.pushes.every((p) => p.status === 202)).toBe(true);

      const sessionId = randomUUID();
      await transmitter.revoke(sessionId);
      expect(pushGate.isRevoked(sessionId)).toBe(true);

      transmitter.down = true; // no more verification events
      await eventually(() => !pushGate.isCurrent());
      expect(pushGate.health()).toMatchObject({ status: 'down', state: 'stale' });
    } finally {
      transmitter.down = false;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
