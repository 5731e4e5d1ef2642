import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Session lifecycle:
 * - `idle_timeout_seconds`: each session's own idle timeout, so a touch slides
 *   `idle_expires_at` by the timeout it was created with;
 * - `expired_at`: set by the sweeper once a session has run out;
 * - `session_revocations`: the revocation feed. Each row carries the id of the
 *   transaction that wrote it (`xid`); readers only read rows below the oldest
 *   transaction still running, so rows appear in the feed in an order that no
 *   later commit can slip in front of.
 */
export class SessionLifecycle1763780000000 implements MigrationInterface {
  name = 'SessionLifecycle1763780000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE sessions
        ADD COLUMN idle_timeout_seconds integer NOT NULL DEFAULT 1800 CHECK (idle_timeout_seconds > 0),
        ADD COLUMN expired_at timestamptz`);
    await queryRunner.query(`
      CREATE TABLE session_revocations (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
        session_id uuid NOT NULL,
        user_id bigint NOT NULL,
        revoked_at timestamptz NOT NULL,
        revoked_by varchar(128) NOT NULL,
        reason varchar(256)
      )`);
    await queryRunner.query(
      'CREATE INDEX session_revocations_feed_idx ON session_revocations (xid, id)',
    );
    await queryRunner.query(
      'CREATE INDEX session_revocations_revoked_at_idx ON session_revocations (revoked_at)',
    );
    // The sweeper's two scans: sessions that ran out but are not marked yet, and ended ones past retention.
    await queryRunner.query(`
      CREATE INDEX sessions_unmarked_expiry_idx ON sessions (LEAST(expires_at, idle_expires_at))
        WHERE revoked_at IS NULL AND expired_at IS NULL`);
    await queryRunner.query(`
      CREATE INDEX sessions_ended_idx ON sessions (COALESCE(revoked_at, expired_at))
        WHERE revoked_at IS NOT NULL OR expired_at IS NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX sessions_ended_idx');
    await queryRunner.query('DROP INDEX sessions_unmarked_expiry_idx');
    await queryRunner.query('DROP TABLE session_revocations');
    await queryRunner.query(
      'ALTER TABLE sessions DROP COLUMN expired_at, DROP COLUMN idle_timeout_seconds',
    );
  }
}
