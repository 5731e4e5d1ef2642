import type { QueryRunner } from 'typeorm';
import { DEFAULT_SESSIONS_SCHEMA, sessionsTables, type SessionsTables } from '../sessions-schema';

/**
 * Base of the library's migrations: each works on the tables of one schema,
 * named in full in every statement (never through `search_path`, so neither
 * the migration connection nor the host's other migrations are affected).
 * `sessionsMigrations({ schema })` binds them to a schema; constructed
 * without one (as `SESSIONS_MIGRATIONS` are), they use `session_service`.
 */
export abstract class SessionsSchemaMigration {
  protected readonly t: SessionsTables;

  constructor(schema: string = DEFAULT_SESSIONS_SCHEMA) {
    this.t = sessionsTables(schema);
  }
}

/**
 * Creates the schema unless it exists. A schema created beforehand (by a DBA,
 * with CREATE on it granted to the service's user) is used as it is: the
 * user then needs no CREATE privilege on the database.
 */
export async function ensureSchema(runner: QueryRunner, t: SessionsTables): Promise<void> {
  const [found] = (await runner.query(`SELECT to_regnamespace($1) IS NOT NULL AS found`, [
    t.schemaName,
  ])) as { found: boolean }[];
  if (!found.found) await runner.query(`CREATE SCHEMA IF NOT EXISTS ${t.schema}`);
}

/** Tables the releases before the schema created, unqualified, in the connection's current schema. */
const LEGACY_TABLES = ['users', 'sessions', 'session_revocations'] as const;

/**
 * Brings a database migrated before the library had a schema up to date: the
 * tables those migrations created unqualified (in the schema `search_path`
 * put first, `public` by default) move into the library's schema with
 * `ALTER TABLE ... SET SCHEMA`, which carries their rows, indexes,
 * constraints and identity sequences along. Creates the schema if missing.
 *
 * Runs first in every migration after the initial one: a database whose
 * history stops anywhere in the old releases continues in the schema. When
 * the schema already has `sessions` (created there by the current initial
 * migration) it moves nothing, so a host's own tables of the same names are
 * never touched.
 */
export async function adoptLegacyTables(runner: QueryRunner, t: SessionsTables): Promise<void> {
  await ensureSchema(runner, t);
  const [present] = (await runner.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [
    t.sessions,
  ])) as { present: boolean }[];
  if (present.present) return;
  // Where the earlier migrations put it: the `sessions` the connection's search_path finds.
  const [legacy] = (await runner.query(
    `SELECT n.nspname AS schema
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.oid = to_regclass('sessions')
        AND EXISTS (SELECT 1 FROM pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attname = 'idle_expires_at' AND NOT a.attisdropped)`,
  )) as { schema: string }[] | [];
  if (!legacy) {
    throw new Error(
      `sessions migrations: neither ${t.sessions} nor an earlier release's sessions table ` +
        `(on the search_path) exists, yet the migrations history says the initial migration ran`,
    );
  }
  const from = `"${legacy.schema.replace(/"/g, '""')}"`;
  for (const table of LEGACY_TABLES) {
    const [exists] = (await runner.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [
      `${from}.${table}`,
    ])) as { exists: boolean }[];
    if (exists.exists) await runner.query(`ALTER TABLE ${from}.${table} SET SCHEMA ${t.schema}`);
  }
}
