/**
 * Authentication method references (`amr`) of a sign-in. Each method is stored
 * under one name, so the admin list's `auth_method` filter finds every session
 * of a method whatever the auth platform called it:
 *
 * - the RFC 8176 registry names are stored as they are;
 * - aliases, the names identity providers commonly send for one of those
 *   methods, are accepted on input and in the filter and stored as the RFC 8176
 *   name (`password` as `pwd`, `totp` as `otp`, `webauthn` as `hwk`, ...);
 * - a few accepted methods have no RFC 8176 equivalent (`email`, `saml`, ...):
 *   they are stored as given.
 *
 * Any other name is refused (400). Names are matched exactly: every accepted
 * name is lower case, as RFC 8176 spells its values.
 *
 * Adding an alias changes how new rows are stored: add a migration that rewrites
 * the rows stored under the new alias (see CanonicalAmrNames1763800000000).
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

export type Rfc8176Method = (typeof RFC8176_METHODS)[number];

/** Alias → the RFC 8176 method it names. */
export const AMR_ALIASES: Readonly<Record<string, Rfc8176Method>> = Object.freeze({
  // Password (Auth0 and many platforms say `password`).
  password: 'pwd',
  passwd: 'pwd',
  // One-time passwords: RFC 8176 `otp` covers HOTP (RFC 4226) and TOTP (RFC 6238).
  totp: 'otp',
  hotp: 'otp',
  // A code sent by text message (`sms` in RFC 8176).
  sms_otp: 'sms',
  // WebAuthn / FIDO authenticators and passkeys: proof of possession of a hardware-secured key.
  webauthn: 'hwk',
  passkey: 'hwk',
  fido2: 'hwk',
  u2f: 'hwk',
  security_key: 'hwk',
  // Biometrics and smart cards under their everyday names.
  fingerprint: 'fpt',
  smartcard: 'sc',
  // Microsoft Entra ID: "equivalent to mfa".
  ngcmfa: 'mfa',
});

/** Accepted methods that RFC 8176 has no name for: stored as given. */
export const NON_RFC8176_METHODS = [
  'email',
  'magic_link',
  'oauth',
  'oidc',
  'saml',
  'sso',
  'recovery_code',
  'push',
] as const;

/** Every name a stored session's `amr` can hold. */
export const STORED_AMR_VALUES: readonly string[] = [...RFC8176_METHODS, ...NON_RFC8176_METHODS];

/** Every name accepted on input: the stored names and their aliases. */
export const AMR_VALUES: readonly string[] = [...STORED_AMR_VALUES, ...Object.keys(AMR_ALIASES)];

/** The stored name of a method: the RFC 8176 name of an alias, any other name as given. */
export function canonicalAmr(name: string): string {
  return Object.hasOwn(AMR_ALIASES, name) ? AMR_ALIASES[name] : name;
}

/** The stored names of a sign-in's methods, in order; a method named twice (`password`, `pwd`) once. */
export function canonicalAmrList(names: readonly string[]): string[] {
  return [...new Set(names.map(canonicalAmr))];
}

/** Most methods one sign-in may name (`amr` of a create request). */
export const MAX_AMR_METHODS = 10;

/** Length of the longest accepted method name. */
export const AMR_NAME_MAX_LENGTH = Math.max(...AMR_VALUES.map((name) => name.length));

/** Upper bound of `amr` joined with commas, as `dto.SessionResponse` shows it. */
export const AMR_LIST_MAX_LENGTH = MAX_AMR_METHODS * (AMR_NAME_MAX_LENGTH + 1) - 1;
