import {
  BACKCHANNEL_LOGOUT_EVENT,
  eventsSupported,
  feedJti,
  feedTxn,
  initiatingEntity,
  logoutJti,
  logoutTokenClaims,
  parseJti,
  type RevocationEvent,
  revocationSubject,
  SESSION_ESTABLISHED,
  SESSION_REVOKED,
  sessionEstablishedClaims,
  sessionRevokedClaims,
  type SignInEvent,
  signInJti,
  signInTxn,
  verificationClaims,
  VERIFICATION_EVENT,
  verificationJti,
  verificationTxn,
} from './events';

const STREAM = 'f5b1e4c2-6d3a-4b8e-9f10-2a7c3e5d8b41';

const event = (overrides: Partial<RevocationEvent> = {}): RevocationEvent => ({
  feed_xid: '812',
  feed_id: '17',
  session_id: '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10',
  user_id: '1001',
  revoked_at: '2026-12-02T10:30:00.250Z',
  revoked_by: 'admin:1',
  reason: 'stolen laptop',
  subject_issuer: null,
  subject: null,
  ...overrides,
});

describe('initiatingEntity (CAEP 1.0 section 2)', () => {
  it.each([
    ['user:1001', 'user'],
    ['admin:1', 'admin'],
    ['service:2', 'system'],
    ['system', 'system'],
    ['policy', 'policy'],
    ['policy:max-sessions', 'policy'],
    ['test', 'system'],
    ['username:1', 'system'],
  ])('%s -> %s', (revokedBy, entity) => {
    expect(initiatingEntity(revokedBy)).toBe(entity);
  });
});

describe('revocationSubject (SSF 1.0 complex subject)', () => {
  it('names the user by id (opaque) without a recorded subject, and the session by id', () => {
    expect(revocationSubject(event())).toEqual({
      format: 'complex',
      user: { format: 'opaque', id: '1001' },
      session: { format: 'opaque', id: '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10' },
    });
  });

  it('names the user as iss_sub when a subject mapping is recorded', () => {
    const subject = revocationSubject(
      event({ subject_issuer: 'https://idp.example.com', subject: 'abc' }),
    );
    expect(subject).toMatchObject({
      user: { format: 'iss_sub', iss: 'https://idp.example.com', sub: 'abc' },
    });
  });
});

describe('sessionRevokedClaims', () => {
  const claims = (e: RevocationEvent) =>
    sessionRevokedClaims({
      issuer: 'https://sessions.example.com',
      audience: '7',
      jti: 'j-1',
      issuedAt: 1_800_000_000,
      event: e,
    });

  it('carries iss, jti, iat, txn, aud, sub_id and the CAEP event with its timestamp in seconds', () => {
    expect(claims(event())).toEqual({
      iss: 'https://sessions.example.com',
      jti: 'j-1',
      iat: 1_800_000_000,
      txn: '812:17',
      aud: '7',
      sub_id: revocationSubject(event()),
      events: {
        [SESSION_REVOKED]: {
          event_timestamp: Math.floor(Date.parse('2026-12-02T10:30:00.250Z') / 1000),
          initiating_entity: 'admin',
          reason_admin: { en: 'stolen laptop' },
        },
      },
    });
  });

  it('leaves reason_admin out when no reason is known, and never has sub or exp', () => {
    const built = claims(event({ reason: null, revoked_by: 'user:1001' }));
    expect(built.events).toEqual({
      [SESSION_REVOKED]: { event_timestamp: expect.any(Number), initiating_entity: 'user' },
    });
    expect(built).not.toHaveProperty('sub');
    expect(built).not.toHaveProperty('exp');
  });
});

describe('verificationClaims (SSF 1.0 section 8.1.4.2)', () => {
  it('has the stream as subject and echoes state', () => {
    const built = verificationClaims({
      issuer: 'https://s',
      audience: '7',
      jti: 'v',
      issuedAt: 1,
      streamId: STREAM,
      state: 'abc',
    });
    expect(built.sub_id).toEqual({ format: 'opaque', id: STREAM });
    expect(built.events).toEqual({ [VERIFICATION_EVENT]: { state: 'abc' } });
    expect(built).not.toHaveProperty('txn');
  });

  it('carries the txn it is given', () => {
    const txn = verificationTxn('0b6f3a52-6a1e-4c7e-9d59-1f0c2b3a4d5e');
    const built = verificationClaims({
      issuer: 'https://s',
      audience: '7',
      jti: verificationJti(STREAM, '0b6f3a52-6a1e-4c7e-9d59-1f0c2b3a4d5e'),
      issuedAt: 1,
      txn,
      streamId: STREAM,
    });
    expect(built.txn).toBe('v:0b6f3a52-6a1e-4c7e-9d59-1f0c2b3a4d5e');
  });
});

describe('txn (RFC 8417 section 2.2, SSF 1.0 section 4.1.9)', () => {
  const other = '00000000-0000-4000-8000-000000000000';

  it("of a revocation is its feed position: the same on every stream, the part of the stream's jti after the stream", () => {
    expect(feedTxn(event())).toBe('812:17');
    expect(feedJti(STREAM, event())).toBe(`${STREAM}:${feedTxn(event())}`);
    expect(feedJti(other, event())).toBe(`${other}:${feedTxn(event())}`);
    const on = (audience: string, jti: string) =>
      sessionRevokedClaims({ issuer: 'https://s', audience, jti, issuedAt: 1, event: event() });
    expect(on('7', feedJti(STREAM, event())).txn).toBe(on('8', feedJti(other, event())).txn);
    expect(feedTxn(event({ feed_id: '18' }))).not.toBe(feedTxn(event()));
  });

  it('of a sign-in, a revocation and a verification event never coincide', () => {
    const position = { feed_xid: '812', feed_id: '17' };
    const txns = [feedTxn(position), signInTxn(position), verificationTxn(STREAM)];
    expect(new Set(txns).size).toBe(3);
    const established = sessionEstablishedClaims({
      issuer: 'https://s',
      audience: '7',
      jti: signInJti(STREAM, signIn(position)),
      issuedAt: 1,
      event: signIn(position),
    });
    expect(established.txn).toBe('s:812:17');
  });
});

describe('logoutTokenClaims (Back-Channel Logout 1.0 section 2.4)', () => {
  it('has iss, aud = client_id, iat, a short exp, jti, sid, sub, the event as {} and no nonce', () => {
    const built = logoutTokenClaims({
      issuer: 'https://s',
      clientId: 'crm-web',
      jti: 'x',
      issuedAt: 100,
      ttlSeconds: 120,
      event: event(),
    });
    expect(built).toEqual({
      iss: 'https://s',
      aud: 'crm-web',
      iat: 100,
      exp: 220,
      jti: 'x',
      sub: '1001',
      sid: '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10',
      events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    });
    expect(built).not.toHaveProperty('nonce');
  });
});

describe('jti', () => {
  it('is stable per stream and feed row, distinct across streams, and parsed back', () => {
    const jti = feedJti(STREAM, event());
    expect(feedJti(STREAM, event())).toBe(jti);
    expect(feedJti('00000000-0000-4000-8000-000000000000', event())).not.toBe(jti);
    expect(parseJti(STREAM, jti)).toEqual({ kind: 'feed', xid: '812', id: '17' });
  });

  it('refuses a jti of another stream or a malformed one', () => {
    expect(
      parseJti(STREAM, feedJti('00000000-0000-4000-8000-000000000000', event())),
    ).toBeUndefined();
    expect(parseJti(STREAM, `${STREAM}:01:2`)).toBeUndefined();
    expect(parseJti(STREAM, `${STREAM}:1:99999999999999999999`)).toBeUndefined();
    expect(parseJti(STREAM, 'garbage')).toBeUndefined();
  });

  it('of a logout token is stable per relying party and row, distinct across relying parties', () => {
    expect(logoutJti('a', event())).toBe(logoutJti('a', event()));
    expect(logoutJti('a', event())).not.toBe(logoutJti('b', event()));
    expect(logoutJti('a', event())).not.toBe(logoutJti('a', event({ feed_id: '18' })));
  });
});

const signIn = (overrides: Partial<SignInEvent> = {}): SignInEvent => ({
  feed_xid: '900',
  feed_id: '42',
  session_id: '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10',
  user_id: '1001',
  established_at: '2026-12-02T10:30:00.250Z',
  ip: '198.51.100.9',
  amr: ['pwd', 'otp'],
  subject_issuer: null,
  subject: null,
  ...overrides,
});

describe('session-established (CAEP 1.0)', () => {
  const base = { issuer: 'https://sessions.example.com', audience: '7', jti: 'j', issuedAt: 1 };

  it('carries the session subject, the sign-in time, its address and methods', () => {
    const claims = sessionEstablishedClaims({ ...base, event: signIn() });
    expect(claims.sub_id).toEqual({
      format: 'complex',
      user: { format: 'opaque', id: '1001' },
      session: { format: 'opaque', id: '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10' },
    });
    expect(claims.events).toEqual({
      [SESSION_ESTABLISHED]: {
        event_timestamp: 1796207400,
        ips: ['198.51.100.9'],
        amr: ['pwd', 'otp'],
      },
    });
  });

  it('leaves out what is no longer known once the session row is gone', () => {
    const claims = sessionEstablishedClaims({ ...base, event: signIn({ ip: null, amr: null }) });
    expect(claims.events).toEqual({ [SESSION_ESTABLISHED]: { event_timestamp: 1796207400 } });
  });

  it('has a jti of its own, parsed back as a sign-in', () => {
    const jti = signInJti(STREAM, signIn());
    expect(jti).not.toBe(feedJti(STREAM, { feed_xid: '900', feed_id: '42' }));
    expect(parseJti(STREAM, jti)).toEqual({ kind: 'signIn', xid: '900', id: '42' });
    expect(parseJti('00000000-0000-4000-8000-000000000000', jti)).toBeUndefined();
    expect(parseJti(STREAM, `${STREAM}:s:1:99999999999999999999`)).toBeUndefined();
  });

  it('is supported only with the audit trail', () => {
    expect(eventsSupported(true)).toEqual([SESSION_REVOKED, SESSION_ESTABLISHED]);
    expect(eventsSupported(false)).toEqual([SESSION_REVOKED]);
  });
});
