import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ensureSchema, SessionsSchemaMigration } from './schema-migration';

/**
 * The library's schema, users and sessions, with the two partial indexes the
 * lists read:
 * - a user's active sessions, most recently active first, ties by id;
 * - every active session in the same order, for the admin list.
 * Both skip revoked rows, which stay in the table for audit.
 *
 * Releases before the schema ran this migration with unqualified names (the
 * tables landed in `public`); `SessionsSchema1763900000000` moves those.
 */
export class InitialSchema1763770000000
  extends SessionsSchemaMigration
  implements MigrationInterface
{
  name = 'InitialSchema1763770000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { t } = this;
    await ensureSchema(queryRunner, t);
    await queryRunner.query(`
      CREATE TABLE ${t.users} (
        id bigint PRIMARY KEY CHECK (id > 0),
        username varchar(255) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE ${t.sessions} (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id bigint NOT NULL REFERENCES ${t.users} (id) ON DELETE CASCADE,
        tenant_id varchar(128),
        device_id varchar(128),
        device_type varchar(32) NOT NULL,
        ip inet NOT NULL,
        geoip varchar(128),
        user_agent varchar(1024) NOT NULL,
        amr text[] NOT NULL CHECK (cardinality(amr) > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        authenticated_at timestamptz NOT NULL,
        last_active_at timestamptz NOT NULL,
        idle_expires_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_by varchar(128),
        revoke_reason varchar(256),
        CHECK (idle_expires_at <= expires_at)
      )`);
    await queryRunner.query(`
      CREATE INDEX sessions_user_active_idx
        ON ${t.sessions} (user_id, last_active_at DESC, id DESC) WHERE revoked_at IS NULL`);
    await queryRunner.query(`
      CREATE INDEX sessions_active_recent_idx
        ON ${t.sessions} (last_active_at DESC, id DESC) WHERE revoked_at IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const { t } = this;
    await queryRunner.query(`DROP TABLE ${t.sessions}`);
    await queryRunner.query(`DROP TABLE ${t.users}`);
    // The schema too, if the library's tables were all it held.
    const [left] = (await queryRunner.query(
      `SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = to_regnamespace($1)`,
      [t.schemaName],
    )) as { n: number }[];
    if (left.n === 0) await queryRunner.query(`DROP SCHEMA IF EXISTS ${t.schema}`);
  }
}
