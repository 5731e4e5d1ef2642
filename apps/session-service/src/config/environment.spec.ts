import { ConfigError, validateEnvironment } from './environment';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    validateEnvironment(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected validateEnvironment to throw a ConfigError');
}

describe('validateEnvironment', () => {
  it('fills in every default from an empty environment', () => {
    const vars = validateEnvironment({});
    expect(vars).toMatchObject({
      NODE_ENV: 'development',
      PORT: 3000,
      HOST: '0.0.0.0',
      SERVICE_NAME: 'session-service',
      DATABASE_POOL_SIZE: 10,
      JWT_CLOCK_TOLERANCE_SECONDS: 5,
      JWT_ROLES_CLAIM: 'roles',
      DEMO_SEED: 'true',
    });
    expect(vars.JWT_SECRET).toBeUndefined();
    expect(vars.DATABASE_URL).toBeUndefined();
  });

  it('converts numeric variables and treats empty strings as unset', () => {
    const vars = validateEnvironment({ PORT: ' 8080 ', DATABASE_POOL_SIZE: '', JWT_SECRET: '' });
    expect(vars.PORT).toBe(8080);
    expect(vars.DATABASE_POOL_SIZE).toBe(10);
    expect(vars.JWT_SECRET).toBeUndefined();
  });

  it('ignores variables it does not know', () => {
    expect(() => validateEnvironment({ PATH: '/usr/bin', HOME: '/root' })).not.toThrow();
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '1.5'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['NODE_ENV', 'staging'],
    ['SERVICE_NAME', 'Session Service'],
    ['DATABASE_URL', 'mysql://db/x'],
    ['DATABASE_POOL_SIZE', '0'],
    ['JWT_SECRET', 'short'],
    ['JWT_PUBLIC_KEY', 'ssh-rsa AAAA'],
    ['JWT_ALGORITHMS', 'none'],
    ['JWT_ALGORITHMS', 'HS256,'],
    ['JWT_ROLES_CLAIM', 'realm_access..roles'],
    ['JWT_ROLES_CLAIM', 'https://example.com/roles'],
    ['JWT_ROLES_CLAIM', 'roles,'],
    ['JWT_USER_ID_CLAIM', 'user id'],
    ['JWT_USER_ID_CLAIM', '["unclosed"'],
    ['JWT_SESSION_CLAIM', 'session_id,sid'],
    ['SESSION_IDLE_TIMEOUT_SECONDS', '59'],
    ['DEMO_SEED', 'yes'],
  ])('refuses %s=%j, naming it', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.startsWith(`${name}: `))).toBe(true);
  });

  it('names every bad variable at once', () => {
    const problems = problemsOf({ PORT: 'abc', JWT_SECRET: 'short', DEMO_SEED: 'maybe' });
    const names = new Set(problems.map((p) => p.split(':')[0]));
    expect([...names].sort()).toEqual(['DEMO_SEED', 'JWT_SECRET', 'PORT']);
  });
});
