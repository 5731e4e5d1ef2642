import type { MigrationInterface, QueryRunner } from 'typeorm';
import { adoptLegacyTables, SessionsSchemaMigration } from './schema-migration';

/**
 * The audit trail: one row per session event (created, touched, revoked,
 * expired, evicted, subject_mapped), written by the statement that makes the
 * change. No foreign keys: events outlive the sessions and users they name
 * (each has its own retention), and an insert checks nothing but its own row.
 *
 * Built for tens of millions of rows: every listing is a keyset walk,
 * newest first, over one of three indexes: all events by
 * `(occurred_at, id)` (also the retention sweep's range), a user's by
 * `(user_id, occurred_at, id)` and a session's by
 * `(session_id, occurred_at, id)` (partial: user-level events have none).
 * The type and initiator filters are checked on the rows those walks visit.
 */
export class SessionEvents1765100000000
  extends SessionsSchemaMigration
  implements MigrationInterface
{
  name = 'SessionEvents1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { t } = this;
    await adoptLegacyTables(queryRunner, t);
    await queryRunner.query(`
      CREATE TABLE ${t.events} (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        type varchar(16) NOT NULL
          CHECK (type IN ('created', 'touched', 'revoked', 'expired', 'evicted', 'subject_mapped')),
        session_id uuid,
        user_id bigint NOT NULL,
        tenant_id varchar(128),
        initiator varchar(8) NOT NULL
          CHECK (initiator IN ('user', 'admin', 'service', 'policy', 'system')),
        actor varchar(128),
        reason varchar(256),
        request_id varchar(128),
        trace_id varchar(32),
        occurred_at timestamptz NOT NULL DEFAULT now(),
        details jsonb
      )`);
    await queryRunner.query(
      `CREATE INDEX session_events_occurred_idx ON ${t.events} (occurred_at, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX session_events_user_idx ON ${t.events} (user_id, occurred_at, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX session_events_session_idx ON ${t.events} (session_id, occurred_at, id)
         WHERE session_id IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${this.t.events}`);
  }
}
