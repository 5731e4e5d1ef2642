import {
  AMR_ALIASES,
  AMR_NAME_MAX_LENGTH,
  AMR_VALUES,
  canonicalAmr,
  canonicalAmrList,
  NON_RFC8176_METHODS,
  RFC8176_METHODS,
  STORED_AMR_VALUES,
} from './amr';
import { CanonicalAmrNames1763800000000 } from './migrations/1763800000000-canonical-amr-names';

describe('authentication method names', () => {
  it.each([
    ['password', 'pwd'],
    ['passwd', 'pwd'],
    ['totp', 'otp'],
    ['hotp', 'otp'],
    ['sms_otp', 'sms'],
    ['webauthn', 'hwk'],
    ['passkey', 'hwk'],
    ['fido2', 'hwk'],
    ['u2f', 'hwk'],
    ['security_key', 'hwk'],
    ['fingerprint', 'fpt'],
    ['smartcard', 'sc'],
    ['ngcmfa', 'mfa'],
  ])('stores the alias %s as the RFC 8176 method %s', (alias, method) => {
    expect(canonicalAmr(alias)).toBe(method);
  });

  it('has exactly the aliases listed above', () => {
    expect(Object.keys(AMR_ALIASES).sort()).toEqual(
      [
        'password',
        'passwd',
        'totp',
        'hotp',
        'sms_otp',
        'webauthn',
        'passkey',
        'fido2',
        'u2f',
        'security_key',
        'fingerprint',
        'smartcard',
        'ngcmfa',
      ].sort(),
    );
  });

  it('maps every alias to an RFC 8176 method, never to another alias', () => {
    for (const method of Object.values(AMR_ALIASES)) {
      expect(RFC8176_METHODS).toContain(method);
    }
  });

  it('keeps RFC 8176 names and the accepted non-RFC names as given', () => {
    for (const name of STORED_AMR_VALUES) expect(canonicalAmr(name)).toBe(name);
    expect(canonicalAmr('email')).toBe('email');
    expect(canonicalAmr('saml')).toBe('saml');
  });

  it('has no name that is both stored and an alias, and accepts each name once', () => {
    for (const alias of Object.keys(AMR_ALIASES)) expect(STORED_AMR_VALUES).not.toContain(alias);
    expect(new Set(AMR_VALUES).size).toBe(AMR_VALUES.length);
    expect(AMR_VALUES).toEqual(expect.arrayContaining([...STORED_AMR_VALUES]));
    expect(AMR_VALUES).toEqual(expect.arrayContaining(Object.keys(AMR_ALIASES)));
    expect(
      NON_RFC8176_METHODS.some((name) => (RFC8176_METHODS as readonly string[]).includes(name)),
    ).toBe(false);
  });

  it('is idempotent: a stored name stays the same when stored again', () => {
    for (const name of AMR_VALUES)
      expect(canonicalAmr(canonicalAmr(name))).toBe(canonicalAmr(name));
  });

  it('does not resolve names inherited from Object.prototype', () => {
    expect(canonicalAmr('constructor')).toBe('constructor');
    expect(canonicalAmr('__proto__')).toBe('__proto__');
  });

  it('matches names exactly: other spellings are not aliases', () => {
    expect(canonicalAmr('Password')).toBe('Password');
    expect(canonicalAmr('PWD')).toBe('PWD');
  });

  it('stores a list in order, naming a method once where it came first', () => {
    expect(canonicalAmrList(['password', 'totp'])).toEqual(['pwd', 'otp']);
    expect(canonicalAmrList(['webauthn', 'password', 'pwd'])).toEqual(['hwk', 'pwd']);
    expect(canonicalAmrList(['pwd', 'password', 'otp', 'totp', 'hotp'])).toEqual(['pwd', 'otp']);
    expect(canonicalAmrList(['email', 'sms_otp'])).toEqual(['email', 'sms']);
  });

  it('leaves the longest-name bound to the accepted names', () => {
    expect(AMR_NAME_MAX_LENGTH).toBe(Math.max(...AMR_VALUES.map((n) => n.length)));
  });

  it('migrates the rows of every alias (a new alias needs a migration too)', () => {
    expect(CanonicalAmrNames1763800000000.ALIASES).toEqual(AMR_ALIASES);
  });
});
