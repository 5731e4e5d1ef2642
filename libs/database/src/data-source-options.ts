import { Logger } from '@nestjs/common';
import { DataSource, type DataSourceOptions, type EntitySchema, type MixedList } from 'typeorm';
import { DeadlineClient } from './deadline-client';

/** Idle time before TCP keepalive probes start on a pooled connection. */
const KEEPALIVE_INITIAL_DELAY_MS = 10_000;

export interface DatabaseSettings {
  url: string;
  /**
   * Read replicas. List reads go to them (TypeORM picks one per query);
   * writes, revocation and the session check always use the primary.
   */
  readUrls?: string[];
  /** Most connections this process opens. */
  poolSize: number;
  /** How long a request may wait for a pooled connection or a new one, ms. */
  connectTimeoutMs: number;
  /**
   * Client-side deadline of one query, ms: past it the query fails (a 503)
   * and its connection is closed, even when no byte comes back (a network
   * partition, a frozen server) and `statement_timeout` never fires.
   * 0 turns it off.
   */
  queryTimeoutMs?: number;
  /** Server-side cap on one statement, ms. */
  statementTimeoutMs: number;
  /** Server ends a session left idle inside a transaction this long, ms. */
  idleInTransactionTimeoutMs: number;
  /** Application name shown in pg_stat_activity. */
  applicationName: string;
}

type Migration = new () => unknown;

/**
 * The one place TypeORM's PostgreSQL options are built, shared by the service
 * and the TypeORM CLI data source. Schema changes only ever come from the
 * migrations, which run at start-up (`runMigrations`); `synchronize` stays off.
 */
export function buildDataSourceOptions(
  settings: DatabaseSettings,
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>,
  migrations: Migration[],
): DataSourceOptions {
  const readUrls = settings.readUrls ?? [];
  const endpoints =
    readUrls.length > 0
      ? {
          replication: {
            master: { url: settings.url },
            slaves: readUrls.map((url) => ({ url })),
          },
        }
      : { url: settings.url };
  return {
    type: 'postgres',
    ...endpoints,
    entities,
    migrations,
    // Run before the pool opens, by `runMigrations` below, without the request-sized deadlines.
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    applicationName: settings.applicationName,
    poolSize: settings.poolSize,
    connectTimeoutMS: settings.connectTimeoutMs,
    // An idle client's error (server restart, network cut) is logged, never thrown.
    poolErrorHandler: (error: unknown) =>
      new Logger('Database').warn(`idle connection failed: ${String(error)}`),
    extra: {
      statement_timeout: settings.statementTimeoutMs,
      idle_in_transaction_session_timeout: settings.idleInTransactionTimeoutMs,
      // pg-pool: give up waiting for a free client instead of queueing forever.
      connectionTimeoutMillis: settings.connectTimeoutMs,
      // node-postgres: give up on a query the server does not answer in time; the
      // client closes its connection then, so the pool never hands it out again.
      query_timeout: settings.queryTimeoutMs || undefined,
      Client: DeadlineClient,
      // A silently dead peer is noticed on idle connections too.
      keepAlive: true,
      keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
    },
  };
}

/**
 * Runs the pending migrations on one connection of their own, before the
 * service's pool opens, with neither the server-side `statement_timeout` nor
 * the client-side query deadline: those are sized for requests, and a
 * migration may rewrite a large table. Each migration is its own transaction.
 */
export async function runMigrations(options: DataSourceOptions): Promise<void> {
  const extra = (options as { extra?: Record<string, unknown> }).extra ?? {};
  const migrator = new DataSource({
    ...options,
    poolSize: 1,
    migrationsRun: false,
    extra: { ...extra, statement_timeout: 0, query_timeout: undefined },
  } as DataSourceOptions);
  await migrator.initialize();
  try {
    await migrator.runMigrations({ transaction: 'each' });
  } finally {
    await migrator.destroy();
  }
}
