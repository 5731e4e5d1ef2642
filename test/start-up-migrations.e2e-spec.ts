/**
 * Migrations at start-up run on a connection of their own, without the
 * request-sized deadlines (`DATABASE_STATEMENT_TIMEOUT_MS`,
 * `DATABASE_QUERY_TIMEOUT_MS`): a migration that rewrites a large table takes
 * longer than any request may. A migration that sleeps past both deadlines
 * stands in for one.
 */
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { buildDataSourceOptions, runMigrations } from '@session-service/database';
import { SESSIONS_ENTITIES, SESSIONS_MIGRATIONS } from '@session-service/sessions';
import { testDatabaseUrl } from './support/test-database';

const settings = () => ({
  url: testDatabaseUrl(),
  poolSize: 2,
  connectTimeoutMs: 1500,
  statementTimeoutMs: 100,
  queryTimeoutMs: 150,
  idleInTransactionTimeoutMs: 10_000,
  applicationName: 'start-up-migrations-spec',
});

class SlowMigration9999999999999 implements MigrationInterface {
  name = 'SlowMigration9999999999999';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('SELECT pg_sleep(0.4)');
  }
  async down(): Promise<void> {}
}

describe('migrations at start-up', () => {
  const migrations = [...SESSIONS_MIGRATIONS, SlowMigration9999999999999];
  const options = () => buildDataSourceOptions(settings(), SESSIONS_ENTITIES, migrations);
  const withoutDeadlines = () =>
    new DataSource(
      buildDataSourceOptions(
        { ...settings(), statementTimeoutMs: 0, queryTimeoutMs: 0 },
        SESSIONS_ENTITIES,
        migrations,
      ),
    );

  afterAll(async () => {
    const ds = await withoutDeadlines().initialize();
    await ds.query('DELETE FROM migrations WHERE name = $1', ['SlowMigration9999999999999']);
    await ds.destroy();
  });

  it('the service pool itself cancels a statement past its deadlines', async () => {
    const ds = await new DataSource(options()).initialize();
    try {
      await expect(ds.query('SELECT pg_sleep(0.4)')).rejects.toThrow();
    } finally {
      await ds.destroy();
    }
  });

  it('runs a migration that takes longer than both deadlines, to completion', async () => {
    await runMigrations(options());
    const ds = await withoutDeadlines().initialize();
    try {
      const rows = await ds.query<{ name: string }[]>(
        'SELECT name FROM migrations WHERE name = $1',
        ['SlowMigration9999999999999'],
      );
      expect(rows).toEqual([{ name: 'SlowMigration9999999999999' }]);
    } finally {
      await ds.destroy();
    }
  });
});
