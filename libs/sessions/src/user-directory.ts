import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SESSIONS_DATA_SOURCE, SESSIONS_MODULE_OPTIONS } from './sessions.module-definition';
import { DEFAULT_SESSIONS_SCHEMA, sessionsTables } from './sessions-schema';

/**
 * Where users are found. A host application that keeps its own users passes
 * its implementation as the `userDirectory` option; the service's own
 * `users` table (filled at each sign-in) is the default. Sessions keep a row
 * in that table either way, for the foreign key and the audit trail.
 */
export interface UserDirectory {
  /** Whether the user exists: the user list answers 404 otherwise. */
  exists(userId: string): Promise<boolean>;
  /** Display names for the admin list; an id missing from the map keeps its recorded name. */
  usernames(userIds: readonly string[]): Promise<ReadonlyMap<string, string>>;
}

/**
 * The default directory: the `users` table of this library's migrations, in
 * the schema of the `schema` option (default `session_service`).
 */
@Injectable()
export class TableUserDirectory implements UserDirectory {
  private readonly sql: { exists: string; usernames: string };

  constructor(
    @Inject(SESSIONS_DATA_SOURCE) private readonly dataSource: DataSource,
    @Optional() @Inject(SESSIONS_MODULE_OPTIONS) options?: { schema?: string },
  ) {
    const { users } = sessionsTables(options?.schema ?? DEFAULT_SESSIONS_SCHEMA);
    this.sql = {
      exists: `SELECT EXISTS (SELECT 1 FROM ${users} WHERE id = $1) AS found`,
      usernames: `SELECT id::text AS id, username FROM ${users} WHERE id = ANY($1::bigint[])`,
    };
  }

  async exists(userId: string): Promise<boolean> {
    const rows: { found: boolean }[] = await this.dataSource.query(this.sql.exists, [userId]);
    return rows[0].found;
  }

  async usernames(userIds: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const rows: { id: string; username: string }[] = await this.dataSource.query(
      this.sql.usernames,
      [userIds],
    );
    return new Map(rows.map((r) => [r.id, r.username]));
  }
}
