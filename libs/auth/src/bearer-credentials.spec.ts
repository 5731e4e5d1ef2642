import { criticalParametersUnderstood, readBearerCredentials } from './bearer-credentials';

const segment = (header: object) => Buffer.from(JSON.stringify(header)).toString('base64url');
const token = (header: object) => `${segment(header)}.eyJzdWIiOiIxIn0.c2ln`;

describe('bearer credentials', () => {
  it('keeps each header its own verdict, however often headers repeat', () => {
    const plain = token({ alg: 'HS256', typ: 'JWT' });
    const critical = token({ alg: 'HS256', crit: ['b64'], b64: false });
    for (let i = 0; i < 3; i++) {
      expect(criticalParametersUnderstood(plain)).toBe(true);
      expect(criticalParametersUnderstood(critical)).toBe(false);
    }
  });

  it('judges headers longer than it remembers, and keeps judging after many distinct ones', () => {
    const long = token({ alg: 'HS256', crit: ['x'], x: 'y'.repeat(2048) });
    expect(criticalParametersUnderstood(long)).toBe(false);
    for (let i = 0; i < 600; i++) {
      expect(criticalParametersUnderstood(token({ alg: 'HS256', n: i }))).toBe(true);
    }
    expect(criticalParametersUnderstood(token({ alg: 'HS256', crit: ['b64'], b64: false }))).toBe(
      false,
    );
  });

  it('reads a request once: a later change of its headers is not read again', () => {
    const request = { headers: { authorization: `Bearer ${token({ alg: 'HS256' })}` } };
    const first = readBearerCredentials(request);
    expect(first.kind).toBe('token');
    request.headers.authorization = 'Basic dXNlcjpwYXNz';
    expect(readBearerCredentials(request)).toBe(first);
    expect(readBearerCredentials({ headers: { authorization: 'Basic dXNlcjpwYXNz' } })).toEqual({
      kind: 'none',
    });
  });
});
