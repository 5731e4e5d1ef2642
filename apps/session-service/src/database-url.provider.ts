import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import {
  type EmbeddedPostgres,
  type EmbeddedPostgresOptions,
  startEmbeddedPostgres,
} from '@session-service/database';
import type { AppConfig } from './config/app.config';
import { APP_CONFIG } from './config/app-config.token';

/**
 * How the service starts its embedded PostgreSQL from its configuration (the
 * e2e-embedded test project starts its own the same way). The embedded server
 * stands in for PostgreSQL's timeouts: a statement waiting longer than
 * `statement_timeout` for its turn fails, a transaction left idle is ended.
 */
export function embeddedPostgresOptions(config: AppConfig): EmbeddedPostgresOptions {
  return {
    dataDir: config.database.embeddedDbDir,
    // The service's pool, and a few more for psql and other tools.
    maxConnections: config.database.poolSize + 10,
    statementTimeoutMs: config.database.statementTimeoutMs,
    idleInTransactionTimeoutMs: config.database.idleInTransactionTimeoutMs,
  };
}

/**
 * Where the database is: `DATABASE_URL` when given, otherwise an embedded
 * PostgreSQL (PGlite) started on first use and stopped with the application.
 */
@Injectable()
export class DatabaseUrlProvider implements OnApplicationShutdown {
  private readonly logger = new Logger('Database');
  private embedded?: Promise<EmbeddedPostgres>;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async url(): Promise<string> {
    if (this.config.database.url) return this.config.database.url;
    this.embedded ??= startEmbeddedPostgres(embeddedPostgresOptions(this.config));
    const embedded = await this.embedded;
    this.logger.log(
      `No DATABASE_URL: using embedded PostgreSQL (PGlite) in ${this.config.database.embeddedDbDir}`,
    );
    return embedded.url;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.embedded) await (await this.embedded).stop();
  }
}
