import { Inject, Injectable } from '@nestjs/common';
import { UserNotFoundError } from '@session-service/problem';
import { decodeEventCursor, encodeEventCursor } from './event-cursor';
import {
  type SessionEventRow,
  SessionEventsRepository,
  type SessionEventsFilter,
} from './session-events.repository';
import { SESSIONS_MODULE_OPTIONS } from './sessions.module-definition';
import { resolveSessionsOptions, type SessionsSettings } from './sessions.options';
import type { UserDirectory } from './user-directory';

export interface SessionEventsPage {
  rows: SessionEventRow[];
  /** Cursor of the next, older page; null at the end. */
  nextCursor: string | null;
}

/** Reading the audit trail: keyset pages, newest first. */
@Injectable()
export class SessionEventsService {
  private readonly directory: UserDirectory | undefined;

  constructor(
    private readonly repository: SessionEventsRepository,
    @Inject(SESSIONS_MODULE_OPTIONS) options: SessionsSettings,
  ) {
    this.directory = resolveSessionsOptions(options).userDirectory;
  }

  /** One page of the events matching the filter; a bad cursor is a 400 naming `cursor`. */
  async list(
    filter: SessionEventsFilter,
    limit: number,
    cursor?: string,
  ): Promise<SessionEventsPage> {
    const after = cursor === undefined ? undefined : decodeEventCursor(cursor);
    const rows = await this.repository.findPage(filter, limit + 1, after);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      rows: page,
      nextCursor:
        rows.length > limit && last
          ? encodeEventCursor({ micros: last.position_micros, id: last.id })
          : null,
    };
  }

  /**
   * One page of a user's events; 404 when the user does not exist (the
   * host's directory decides when there is one). A user who no longer has
   * sessions keeps their events until the retention sweeps them.
   */
  async listForUser(
    userId: string,
    filter: SessionEventsFilter,
    limit: number,
    cursor?: string,
  ): Promise<SessionEventsPage> {
    // A bad cursor is a 400 before the user is looked up.
    if (cursor !== undefined) decodeEventCursor(cursor);
    const exists = await (this.directory
      ? this.directory.exists(userId)
      : this.repository.userExists(userId));
    if (!exists) throw new UserNotFoundError(userId);
    return this.list({ ...filter, userId }, limit, cursor);
  }
}
