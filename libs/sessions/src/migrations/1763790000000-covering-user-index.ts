import type { MigrationInterface, QueryRunner } from 'typeorm';
import { adoptLegacyTables, SessionsSchemaMigration } from './schema-migration';

/**
 * The user list reads a user's active sessions twice per page: to count them
 * and to skip to the page. With the expiry columns included in the index both
 * are index-only scans, so a deep page of a user with thousands of sessions
 * costs about as much as the first (see docs/performance.md).
 */
export class CoveringUserIndex1763790000000
  extends SessionsSchemaMigration
  implements MigrationInterface
{
  name = 'CoveringUserIndex1763790000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { t } = this;
    await adoptLegacyTables(queryRunner, t);
    await queryRunner.query(`DROP INDEX ${t.schema}.sessions_user_active_idx`);
    await queryRunner.query(`
      CREATE INDEX sessions_user_active_idx
        ON ${t.sessions} (user_id, last_active_at DESC, id DESC) INCLUDE (expires_at, idle_expires_at)
        WHERE revoked_at IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const { t } = this;
    await queryRunner.query(`DROP INDEX ${t.schema}.sessions_user_active_idx`);
    await queryRunner.query(`
      CREATE INDEX sessions_user_active_idx
        ON ${t.sessions} (user_id, last_active_at DESC, id DESC) WHERE revoked_at IS NULL`);
  }
}
