import type { MigrationInterface, QueryRunner } from 'typeorm';
import { adoptLegacyTables, SessionsSchemaMigration } from './schema-migration';

/**
 * Tenants and concurrent-session limits. A tenant (the `tenant_id` sign-ins
 * carry) has its own lifetimes, their bounds, and a limit on the active
 * sessions one user may hold (`max_sessions`, NULL: none) with what happens
 * past it (`limit_policy`). An admin may set a user's own limit, which beats
 * the tenant's; it is kept apart from `users` (no foreign key: a user's row is
 * only ever upserted, and the limit outlives nothing it needs).
 */
export class Tenants1765000000000 extends SessionsSchemaMigration implements MigrationInterface {
  name = 'Tenants1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { t } = this;
    await adoptLegacyTables(queryRunner, t);
    await queryRunner.query(`
      CREATE TABLE ${t.tenants} (
        id varchar(128) PRIMARY KEY,
        absolute_ttl_seconds integer NOT NULL,
        min_absolute_ttl_seconds integer NOT NULL,
        max_absolute_ttl_seconds integer NOT NULL,
        idle_timeout_seconds integer NOT NULL,
        min_idle_timeout_seconds integer NOT NULL,
        max_idle_timeout_seconds integer NOT NULL,
        max_sessions integer CHECK (max_sessions >= 1),
        limit_policy varchar(16) NOT NULL CHECK (limit_policy IN ('evict-oldest', 'deny')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (min_absolute_ttl_seconds <= absolute_ttl_seconds
               AND absolute_ttl_seconds <= max_absolute_ttl_seconds),
        CHECK (min_idle_timeout_seconds <= idle_timeout_seconds
               AND idle_timeout_seconds <= max_idle_timeout_seconds)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${t.userSessionLimits} (
        user_id bigint PRIMARY KEY,
        max_sessions integer CHECK (max_sessions >= 1),
        limit_policy varchar(16) NOT NULL CHECK (limit_policy IN ('evict-oldest', 'deny')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${this.t.userSessionLimits}`);
    await queryRunner.query(`DROP TABLE ${this.t.tenants}`);
  }
}
