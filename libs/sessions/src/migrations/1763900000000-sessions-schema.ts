import type { MigrationInterface, QueryRunner } from 'typeorm';
import { adoptLegacyTables, SessionsSchemaMigration } from './schema-migration';

/**
 * The library's tables in a schema of their own (`session_service` unless the
 * host names another), so they never collide with a host's `users` or
 * `sessions`. A database migrated by the releases before has `users`,
 * `sessions` and `session_revocations` in `public` (the connection's current
 * schema then): they move with `ALTER TABLE ... SET SCHEMA`, rows, indexes,
 * constraints and identity sequence included, in this migration's
 * transaction. On a database the current migrations built from the start the
 * tables are in the schema already and nothing changes.
 */
export class SessionsSchema1763900000000
  extends SessionsSchemaMigration
  implements MigrationInterface
{
  name = 'SessionsSchema1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await adoptLegacyTables(queryRunner, this.t);
  }

  /**
   * Nothing to undo: the earlier migrations, as they are now, work on the
   * tables in the schema (their `down` included). Going back to a release
   * before the schema means moving the three tables back by hand.
   */
  async down(): Promise<void> {}
}
