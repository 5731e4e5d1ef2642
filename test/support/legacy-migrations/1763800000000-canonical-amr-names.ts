import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One name per authentication method: sessions recorded before sign-ins were
 * stored under RFC 8176 names get their aliases rewritten (`password` → `pwd`,
 * `totp` → `otp`, `webauthn` → `hwk`, ...), so `auth_method=pwd` finds them.
 *
 * Only rows naming an alias change, and only in `amr`: the order of the methods
 * is kept, and a method named twice (`password` and `pwd`) is kept once, where
 * it came first. Names that are not aliases stay as they are.
 *
 * The alias table is copied here as it was when this migration was written (a
 * migration must not change meaning when the code does); an alias added later
 * needs a migration of its own.
 */
export class CanonicalAmrNames1763800000000 implements MigrationInterface {
  name = 'CanonicalAmrNames1763800000000';

  static readonly ALIASES: Readonly<Record<string, string>> = Object.freeze({
    password: 'pwd',
    passwd: 'pwd',
    totp: 'otp',
    hotp: 'otp',
    sms_otp: 'sms',
    webauthn: 'hwk',
    passkey: 'hwk',
    fido2: 'hwk',
    u2f: 'hwk',
    security_key: 'hwk',
    fingerprint: 'fpt',
    smartcard: 'sc',
    ngcmfa: 'mfa',
  });

  async up(queryRunner: QueryRunner): Promise<void> {
    const aliases = Object.keys(CanonicalAmrNames1763800000000.ALIASES);
    const canonical = Object.values(CanonicalAmrNames1763800000000.ALIASES);
    await queryRunner.query(
      `
      UPDATE sessions s
         SET amr = ARRAY(
               SELECT m.name
                 FROM (SELECT COALESCE(a.canonical, e.name) AS name, min(e.ord) AS ord
                         FROM unnest(s.amr) WITH ORDINALITY AS e (name, ord)
                         LEFT JOIN unnest($1::text[], $2::text[]) AS a (alias, canonical)
                           ON a.alias = e.name
                        GROUP BY 1) m
                ORDER BY m.ord)
       WHERE s.amr && $1::text[]`,
      [aliases, canonical],
    );
  }

  /**
   * Nothing to undo: the RFC 8176 names are valid input and output of every
   * earlier version, and which alias a row once used is not recorded.
   */
  async down(): Promise<void> {}
}
