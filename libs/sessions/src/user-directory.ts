import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

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

/** The default directory: the `users` table of this library's migrations. */
@Injectable()
export class TableUserDirectory implements UserDirectory {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async exists(userId: string): Promise<boolean> {
    const rows: { found: boolean }[] = await this.dataSource.query(
      'SELECT EXISTS (SELECT 1 FROM users WHERE id = $1) AS found',
      [userId],
    );
    return rows[0].found;
  }

  async usernames(userIds: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const rows: { id: string; username: string }[] = await this.dataSource.query(
      'SELECT id::text AS id, username FROM users WHERE id = ANY($1::bigint[])',
      [userIds],
    );
    return new Map(rows.map((r) => [r.id, r.username]));
  }
}
