import { bearerChallenge, refusalProblem } from './problem';

describe('refusalProblem', () => {
  it('titles an about:blank Problem with the status phrase (RFC 9457 section 4.2.1)', () => {
    expect(refusalProblem('stale', 503)).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'Revocations cannot be confirmed right now; retry shortly',
    });
    expect(refusalProblem('token_missing', 401)).toMatchObject({
      type: 'about:blank',
      title: 'Unauthorized',
      detail: 'A bearer token is required',
      code: 30240101,
    });
  });

  it('names its own kinds under a type base', () => {
    const base = 'https://sessions.example.com/problems/';
    expect(refusalProblem('stale', 503, base)).toMatchObject({
      type: `${base}revocations-not-current`,
      title: 'Revocations Not Current',
    });
    expect(refusalProblem('session_revoked', 401, base)).toMatchObject({
      type: `${base}unauthorized`,
      title: 'Unauthorized',
      detail: 'A valid bearer token is required',
    });
  });
});

describe('bearerChallenge', () => {
  it.each([
    ['token_missing', 'Bearer'],
    ['token_invalid', 'Bearer error="invalid_token"'],
    ['session_revoked', 'Bearer error="invalid_token"'],
    ['stale', 'Bearer'],
  ] as const)('%s: %s', (reason, challenge) => {
    expect(bearerChallenge(reason)).toBe(challenge);
  });
});
