import type { MigrationInterface, QueryRunner } from 'typeorm';
import { SessionsSchemaMigration } from './schema-migration';

/**
 * Sign-ins in commit order, for the Shared Signals `session-established`
 * event: each audit row records the id of the transaction that wrote it
 * (`xid`, as the revocation feed's rows do), read like the feed (only rows of
 * transactions older than every running one) through a partial index of the
 * `created` rows. The column is added without a value for the rows already
 * there and takes its default only for new rows, so the table is not
 * rewritten; no reader starts before this migration, so none needs them.
 *
 * Each stream keeps its own position in that source (`established_xid`,
 * `established_id`), and its acknowledgements name their source (`source`:
 * 0 the revocation feed, 1 the sign-ins).
 */
export class SessionEstablishedFeed1765300000000
  extends SessionsSchemaMigration
  implements MigrationInterface
{
  name = 'SessionEstablishedFeed1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { t } = this;
    await queryRunner.query(`ALTER TABLE ${t.events} ADD COLUMN xid xid8`);
    await queryRunner.query(
      `ALTER TABLE ${t.events} ALTER COLUMN xid SET DEFAULT pg_current_xact_id()`,
    );
    await queryRunner.query(
      `CREATE INDEX session_events_created_xid_idx ON ${t.events} (xid, id) WHERE type = 'created'`,
    );
    await queryRunner.query(
      `ALTER TABLE ${t.schema}.ssf_streams
         ADD COLUMN established_xid xid8 NOT NULL DEFAULT pg_snapshot_xmin(pg_current_snapshot()),
         ADD COLUMN established_id bigint NOT NULL DEFAULT 0`,
    );
    await queryRunner.query(
      `ALTER TABLE ${t.schema}.ssf_stream_acks
         ADD COLUMN source smallint NOT NULL DEFAULT 0,
         DROP CONSTRAINT ssf_stream_acks_pkey,
         ADD PRIMARY KEY (stream_id, source, feed_xid, feed_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const { t } = this;
    await queryRunner.query(`DELETE FROM ${t.schema}.ssf_stream_acks WHERE source <> 0`);
    await queryRunner.query(
      `ALTER TABLE ${t.schema}.ssf_stream_acks
         DROP CONSTRAINT ssf_stream_acks_pkey,
         DROP COLUMN source,
         ADD PRIMARY KEY (stream_id, feed_xid, feed_id)`,
    );
    await queryRunner.query(
      `ALTER TABLE ${t.schema}.ssf_streams DROP COLUMN established_xid, DROP COLUMN established_id`,
    );
    await queryRunner.query(`DROP INDEX ${t.schema}.session_events_created_xid_idx`);
    await queryRunner.query(`ALTER TABLE ${t.events} DROP COLUMN xid`);
  }
}
