import type { MigrationInterface, QueryRunner } from 'typeorm';
import { adoptLegacyTables, SessionsSchemaMigration } from './schema-migration';

/**
 * Receivers of revocations (`@session-service/signals`): Shared Signals
 * streams (`ssf_streams`, their subjects in `ssf_stream_subjects`, their
 * acknowledgements and verification events) and Back-Channel Logout relying
 * parties (`relying_parties`). Each stream and relying party follows the
 * revocation feed from its own position (`feed_xid`, `feed_id`): nothing is
 * written in a revocation's transaction. `lease_*` lets one instance deliver
 * to a push stream or a relying party at a time; `next_attempt_at` and
 * `attempts` carry the retry backoff across restarts.
 */
export class SignalStreams1765200000000
  extends SessionsSchemaMigration
  implements MigrationInterface
{
  name = 'SignalStreams1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { t } = this;
    await adoptLegacyTables(queryRunner, t);
    const delivery = `
        feed_xid xid8 NOT NULL,
        feed_id bigint NOT NULL DEFAULT 0,
        lease_owner uuid,
        lease_until timestamptz,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0,
        delivered_count bigint NOT NULL DEFAULT 0,
        last_delivered_at timestamptz,
        last_error varchar(500),
        last_error_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()`;
    await queryRunner.query(`
      CREATE TABLE ${t.schema}.ssf_streams (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner varchar(255) NOT NULL,
        audience varchar(255) NOT NULL,
        delivery_method varchar(40) NOT NULL,
        endpoint_url varchar(2048),
        authorization_header varchar(4096),
        events_requested text[] NOT NULL DEFAULT '{}',
        description varchar(255),
        status varchar(10) NOT NULL DEFAULT 'enabled',
        status_reason varchar(255),
        ${delivery}
      )`);
    await queryRunner.query(
      `CREATE INDEX ssf_streams_owner_idx ON ${t.schema}.ssf_streams (owner)`,
    );
    await queryRunner.query(`
      CREATE TABLE ${t.schema}.ssf_stream_subjects (
        stream_id uuid NOT NULL REFERENCES ${t.schema}.ssf_streams (id) ON DELETE CASCADE,
        subject_key varchar(600) NOT NULL,
        subject jsonb NOT NULL,
        removed boolean NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (stream_id, subject_key)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${t.schema}.ssf_stream_acks (
        stream_id uuid NOT NULL REFERENCES ${t.schema}.ssf_streams (id) ON DELETE CASCADE,
        feed_xid xid8 NOT NULL,
        feed_id bigint NOT NULL,
        PRIMARY KEY (stream_id, feed_xid, feed_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${t.schema}.ssf_stream_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        stream_id uuid NOT NULL REFERENCES ${t.schema}.ssf_streams (id) ON DELETE CASCADE,
        event_type varchar(255) NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX ssf_stream_events_stream_idx ON ${t.schema}.ssf_stream_events (stream_id, created_at)`,
    );
    await queryRunner.query(`
      CREATE TABLE ${t.schema}.relying_parties (
        client_id varchar(255) PRIMARY KEY,
        backchannel_logout_uri varchar(2048) NOT NULL,
        backchannel_logout_session_required boolean NOT NULL DEFAULT false,
        ${delivery}
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const { t } = this;
    await queryRunner.query(`DROP TABLE ${t.schema}.relying_parties`);
    await queryRunner.query(`DROP TABLE ${t.schema}.ssf_stream_events`);
    await queryRunner.query(`DROP TABLE ${t.schema}.ssf_stream_acks`);
    await queryRunner.query(`DROP TABLE ${t.schema}.ssf_stream_subjects`);
    await queryRunner.query(`DROP TABLE ${t.schema}.ssf_streams`);
  }
}
