import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '@app/database';
import { SESSIONS_ENTITIES, SESSIONS_MIGRATIONS } from '@app/sessions';
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

export default new DataSource(
  buildDataSourceOptions(
    { ...config.database, url: config.database.url },
    SESSIONS_ENTITIES,
    SESSIONS_MIGRATIONS,
  ),
);
