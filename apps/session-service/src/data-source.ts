import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '@session-service/database';
import { sessionsDatabase } from '@session-service/sessions';
import { loadConfig } from './config/app.config';
import { ConfigError } from './config/environment';

/**
 * The data source of the TypeORM CLI (`npm run migration:show`, `migration:revert`, ...).
 * Same environment validation and the same options function as the service.
 */
const config = loadConfig(process.env);
if (!config.database.url) {
  throw new ConfigError(['DATABASE_URL: the TypeORM CLI works on an external PostgreSQL only']);
}

const { entities, migrations } = sessionsDatabase({ schema: config.sessions.schema });

export default new DataSource(
  buildDataSourceOptions(
    // Migrations run by hand may take long; statement_timeout still bounds each statement.
    { ...config.database, url: config.database.url, queryTimeoutMs: 0 },
    entities,
    migrations,
  ),
);
