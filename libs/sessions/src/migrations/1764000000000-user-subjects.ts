import type { MigrationInterface, QueryRunner } from 'typeorm';
import { adoptLegacyTables, SessionsSchemaMigration } from './schema-migration';

/**
 * Subject mapping: an identity provider's subject (`sub`, at `issuer`) that
 * is not one of the platform's integer user ids, and the user it stands for.
 * Recorded at sign-in; read by the JWT strategy through `SUBJECT_RESOLVER`.
 * One subject of one issuer names one user; a user may have many subjects.
 */
export class UserSubjects1764000000000
  extends SessionsSchemaMigration
  implements MigrationInterface
{
  name = 'UserSubjects1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { t } = this;
    await adoptLegacyTables(queryRunner, t);
    await queryRunner.query(`
      CREATE TABLE ${t.subjects} (
        issuer varchar(255) NOT NULL,
        subject varchar(255) NOT NULL,
        user_id bigint NOT NULL REFERENCES ${t.users} (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (issuer, subject)
      )`);
    await queryRunner.query(`CREATE INDEX user_subjects_user_id_idx ON ${t.subjects} (user_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${this.t.subjects}`);
  }
}
