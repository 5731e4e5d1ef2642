/**
 * Authentication method references accepted when a sign-in is recorded: the
 * RFC 8176 registry plus the names auth platforms commonly emit for the same
 * methods (`password` for `pwd`, `totp`, `webauthn`, ...).
 */
export const RFC8176_METHODS = [
  'face',
  'fpt',
  'geo',
  'hwk',
  'iris',
  'kba',
  'mca',
  'mfa',
  'otp',
  'pin',
  'pwd',
  'rba',
  'retina',
  'sc',
  'sms',
  'swk',
  'tel',
  'user',
  'vbm',
  'wia',
] as const;

export const COMMON_METHOD_ALIASES = [
  'password',
  'totp',
  'hotp',
  'webauthn',
  'passkey',
  'email',
  'magic_link',
  'oauth',
  'oidc',
  'saml',
  'sso',
  'recovery_code',
  'push',
] as const;

export const AMR_VALUES: readonly string[] = [...RFC8176_METHODS, ...COMMON_METHOD_ALIASES];
