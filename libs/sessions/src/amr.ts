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

/** Most methods one sign-in may name (`amr` of a create request). */
export const MAX_AMR_METHODS = 10;

/** Length of the longest accepted method name. */
export const AMR_NAME_MAX_LENGTH = Math.max(...AMR_VALUES.map((name) => name.length));

/** Upper bound of `amr` joined with commas, as `dto.SessionResponse` shows it. */
export const AMR_LIST_MAX_LENGTH = MAX_AMR_METHODS * (AMR_NAME_MAX_LENGTH + 1) - 1;
