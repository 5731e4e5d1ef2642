import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '@app/database';
import type { AppConfig } from './config/app.config';
import { APP_CONFIG } from './config/app-config.token';

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
    this.embedded ??= startEmbeddedPostgres({
      dataDir: this.config.database.embeddedDbDir,
      maxConnections: this.config.database.poolSize + 2,
    });
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
