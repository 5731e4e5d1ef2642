import { BeforeApplicationShutdown, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import {
  catchError,
  EMPTY,
  exhaustMap,
  from,
  mergeMap,
  type Observable,
  ReplaySubject,
  takeUntil,
  timer,
} from 'rxjs';
import {
  FieldViolation,
  isStatementTimeout,
  ProblemError,
  type RequestContext,
  SessionNotFoundError,
  UserNotFoundError,
  ValidationFailedError,
} from '@session-service/problem';
import { type AuthenticatedUser, isUuid, notify, parseUserId } from '@session-service/auth';
import { canonicalAmrList } from './amr';
import { deriveDeviceType } from './device-type';
import type { CreateSessionRequest } from './dto/create-session.request';
import type { PageInfo } from './dto/page-info.dto';
import { buildPageInfo, pageOffset } from './pagination';
import { decodeFeedCursor, encodeFeedCursor } from './feed-cursor';
import type { RevocationRow, SessionDetailRow, SessionRow } from './session.row';
import { SessionStateService } from './session-state.service';
import { endReasonOf, SESSIONS_OBSERVER, type SessionsObserver } from './sessions-observer';
import type { UserDirectory } from './user-directory';
import { SESSIONS_MODULE_OPTIONS } from './sessions.module-definition';
import {
  type ResolvedSessionsOptions,
  resolveSessionsOptions,
  type SessionsModuleOptions,
  type SessionsSettings,
} from './sessions.options';
import { defaultSubjectIssuer } from './subjects.service';
import {
  effectiveLimit,
  type LifetimePolicy,
  lifetimePolicy,
  type SessionLimit,
  type TenantSettings,
} from './session-policy';
import { TenantsService } from './tenants.service';
import { decodeListCursor, encodeListCursor } from './keyset-cursor';
import {
  type AdminListFilter,
  type BatchStream,
  type RevocationActor,
  SessionsRepository,
  type StreamedAdminItem,
  type UserSummaryRow,
} from './sessions.repository';

/** The smallest batch a bulk revocation shrinks to before a statement timeout is reported. */
const MIN_REVOKE_BATCH = 10;

/** Outcome of ending all of a user's sessions. */
export interface BulkRevocation {
  /** Sessions this request ended so far. */
  revoked: number;
  /** false: the budget ran out and the batches go on in the background. */
  complete: boolean;
  /** When not complete: active sessions still to end (null if they could not be counted). */
  remaining?: number | null;
}

/** Rows a stream reads per poll; a backlog drains over successive polls. */
const FEED_STREAM_BATCH = 500;

export interface RevocationPage {
  rows: RevocationRow[];
  nextCursor: string;
  hasMore: boolean;
}

/** What a request that ends sessions records as `revoked_by`. */
export type RevokerRole = 'user' | 'admin' | 'service';

export function revocationActor(
  role: RevokerRole,
  caller: AuthenticatedUser,
  reason: string | null,
  request?: RequestContext,
): RevocationActor {
  return { by: `${role}:${caller.userId}`, reason, request };
}

/** A user as `GET /api/users/{user_id}` shows them, with the limit they are held to. */
export type UserSummary = Omit<UserSummaryRow, 'user_limit'> & { session_limit: SessionLimit };

export interface UserSessionsResult {
  /** Each session as the JSON text of `dto.SessionResponse`. */
  items: string[];
  pageInfo: PageInfo;
}

/** The rules: what counts as active, who has which sessions, how a sign-in is recorded. */
@Injectable()
export class SessionsService implements BeforeApplicationShutdown {
  private readonly options: ResolvedSessionsOptions;
  /** Emits once the application starts shutting down: revocation streams end then. */
  private readonly stopping = new ReplaySubject<void>(1);
  /** Streamed lists open now, each holding a connection (see `streamConnections`). */
  private openStreams = 0;
  private readonly logger = new Logger('Sessions');
  /** Issuer of a sign-in's `subject` when it names none (see `defaultSubjectIssuer`). */
  private readonly subjectIssuer: string | undefined;

  constructor(
    private readonly repository: SessionsRepository,
    private readonly state: SessionStateService,
    @Inject(SESSIONS_MODULE_OPTIONS) options: SessionsSettings,
    @Optional() @Inject(SESSIONS_OBSERVER) private readonly observer?: SessionsObserver,
    // Absent (a SessionsService built by hand): no tenants, the service's own policy.
    @Optional() private readonly tenants?: TenantsService,
  ) {
    this.options = resolveSessionsOptions(options);
    this.subjectIssuer = defaultSubjectIssuer((options as Partial<SessionsModuleOptions>).auth);
  }

  /**
   * A page of the user's active sessions; 404 when the user does not exist.
   * With the built-in directory the existence check is part of the page query;
   * a host's directory is asked alongside it.
   */
  async listForUser(userId: string, page: number, pageSize: number): Promise<UserSessionsResult> {
    assertUserId(userId);
    const directory = this.options.userDirectory;
    const [result, exists] = await Promise.all([
      this.repository.findUserSessionsPage(userId, pageSize, pageOffset(page, pageSize)),
      directory ? directory.exists(userId) : undefined,
    ]);
    if (!(exists ?? result.userExists)) throw new UserNotFoundError(userId);
    return { items: result.items, pageInfo: buildPageInfo(page, pageSize, result.total) };
  }

  /**
   * Every active session matching the filter (the seed contract's list), as
   * batches of serialised items, named through the host's directory if any.
   * At most `streamConnections` streams are open at once; past that, a 503
   * Problem (with Retry-After) rather than a connection the other routes need.
   */
  async streamActive(filter: AdminListFilter): Promise<BatchStream<string>> {
    if (this.openStreams >= this.options.streamConnections) {
      throw ProblemError.fromTemplate('streamsBusy', 'default');
    }
    this.openStreams++;
    let released = false;
    const giveBack = () => {
      if (released) return;
      released = true;
      this.openStreams--;
    };
    try {
      const directory = this.options.userDirectory;
      const { batches, release } = await this.repository.streamActive(filter, !directory);
      return {
        batches: serialised(batches, directory),
        release: () => {
          giveBack();
          release();
        },
      };
    } catch (error) {
      giveBack();
      throw error;
    }
  }

  /** How long a streamed list waits for its client to take what was sent, ms. */
  get streamWriteTimeoutMs(): number {
    return this.options.streamWriteTimeoutMs;
  }

  /** One keyset page of active sessions, and the cursor of the next one (null at the end). */
  async listActivePage(
    filter: AdminListFilter,
    limit: number,
    cursor?: string,
  ): Promise<{ items: string[]; nextCursor: string | null }> {
    const after = cursor === undefined ? undefined : decodeListCursor(cursor);
    const directory = this.options.userDirectory;
    const rows = await this.repository.findActivePage(filter, limit + 1, after, !directory);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: await adminItems(page, directory),
      nextCursor:
        rows.length > limit && last
          ? encodeListCursor({ lastActiveAt: last.position_key, id: last.id })
          : null,
    };
  }

  /**
   * Records a sign-in, creating or renaming its user in the same statement,
   * and with a `subject` its mapping to the user; 409 (nothing written) when
   * that subject is mapped to another user. `ids`: the request recording it,
   * whose ids its audit events carry.
   */
  async recordSignIn(
    request: Readonly<CreateSessionRequest>,
    ids?: RequestContext,
  ): Promise<SessionRow> {
    const tenant = await this.tenants?.forSignIn(request.tenant_id);
    const { ttlSeconds, idleTimeoutSeconds } = this.lifetimes(request, tenant);
    const subject = this.subjectOf(request);
    const session = {
      userId: String(request.user_id),
      username: request.username,
      tenantId: request.tenant_id ?? null,
      deviceId: request.device_id ?? null,
      deviceType: request.device_type ?? deriveDeviceType(request.user_agent),
      ip: request.ip,
      geoip: request.geoip ?? null,
      userAgent: request.user_agent,
      amr: canonicalAmrList(request.amr),
      ttlSeconds,
      idleTimeoutSeconds,
      subject,
      request: ids,
    };
    // No limit from the tenant or the service and no device rule: one
    // statement, which records nothing when the user has a limit of their own;
    // then (and otherwise) the sign-in takes the limited path.
    const limit = effectiveLimit(this.options, tenant, undefined);
    const replaceDevice = this.options.replaceSameDevice && session.deviceId !== null;
    let row =
      limit.max_sessions === null && !replaceDevice
        ? await this.repository.insert(session)
        : undefined;
    if (!row) {
      const outcome = await this.repository.insertWithinLimit(session, limit, replaceDevice);
      if (outcome.denied) {
        throw ProblemError.fromTemplate('sessionLimitReached', 'default', {
          user_id: session.userId,
          max_sessions: outcome.denied.max_sessions ?? 0,
        });
      }
      if (outcome.revoked > 0) {
        this.state.forgetUser(session.userId);
        notify(this.observer, 'sessionsEnded', { reason: 'policy', count: outcome.revoked });
      }
      row = outcome.row;
    }
    if (!row) {
      throw ProblemError.fromTemplate('subjectTaken', 'default', {
        issuer: subject!.issuer,
        subject: subject!.subject,
      });
    }
    notify(this.observer, 'sessionRecorded');
    return row;
  }

  /** The sign-in's subject mapping, its issuer defaulted; 400 as `subjectViolations` says. */
  private subjectOf(
    request: Readonly<CreateSessionRequest>,
  ): { issuer: string; subject: string } | null {
    const violations = subjectViolations(request, this.subjectIssuer);
    if (violations.length) throw new ValidationFailedError(violations);
    if (request.subject === undefined) return null;
    return { issuer: (request.issuer ?? this.subjectIssuer)!, subject: request.subject };
  }

  /**
   * A user as recorded (name, subjects, active sessions); 404 when the user
   * does not exist. With a host's directory, existence and the name are the
   * directory's; a user it knows who never signed in here has no subjects
   * and no sessions.
   */
  async getUser(userId: string): Promise<UserSummary> {
    assertUserId(userId);
    const directory = this.options.userDirectory;
    const [row, exists, names] = await Promise.all([
      this.repository.findUserSummary(userId),
      directory?.exists(userId),
      directory?.usernames([userId]),
    ]);
    if (!(exists ?? row !== undefined)) throw new UserNotFoundError(userId);
    return {
      user_id: userId,
      username: names?.get(userId) ?? row?.username ?? '',
      active_sessions: row?.active_sessions ?? 0,
      subjects: row?.subjects ?? [],
      tenant_id: row?.tenant_id ?? null,
      last_sign_in_at: row?.last_sign_in_at ?? null,
      session_limit: effectiveLimit(
        this.options,
        row?.tenant_id ? await this.tenants?.cached(row.tenant_id) : undefined,
        row?.user_limit ?? undefined,
      ),
    };
  }

  /** One session of any status; 404 when there is none. */
  async getDetail(sessionId: string): Promise<SessionDetailRow> {
    assertSessionId(sessionId);
    const row = await this.repository.findDetail(sessionId);
    if (!row) throw new SessionNotFoundError(sessionId);
    return row;
  }

  /**
   * Ends one session. With `ownerId`, a session of anyone else is reported as
   * not existing, so the answer never tells that another user's session exists.
   * Revoking a revoked session succeeds again without changing the record.
   */
  async revoke(sessionId: string, ownerId: string | null, actor: RevocationActor): Promise<void> {
    assertSessionId(sessionId);
    // Nobody's session belongs to an id that names no user.
    if (ownerId !== null && parseUserId(ownerId) === undefined) {
      throw new SessionNotFoundError(sessionId);
    }
    const result = await this.repository.revokeOne(sessionId, ownerId, actor);
    if (result.found === 0) throw new SessionNotFoundError(sessionId);
    this.state.forget(sessionId);
    this.ended(actor, result.revoked);
  }

  /**
   * Ends every active session of a user (created before the request), except
   * `keepSessionId`, in batches of at most `revokeBatchSize` sessions, each
   * batch one short statement with its feed rows, so no statement grows with
   * the account and each revoked session takes effect as its batch commits. A
   * batch cancelled by `statement_timeout` is retried at half the size.
   * Within `revokeBudgetMs` the answer is complete; past it, the request
   * answers with its progress and the batches go on in the background (a
   * repeated request joins in: both only end sessions still active).
   */
  async revokeAllOfUser(
    userId: string,
    keepSessionId: string | null,
    actor: RevocationActor,
  ): Promise<BulkRevocation> {
    assertUserId(userId);
    if (keepSessionId !== null) assertSessionId(keepSessionId);
    const { userExists, startedAt } = await this.repository.startBulkRevocation(userId);
    if (!userExists) throw new UserNotFoundError(userId);
    const progress = { revoked: 0 };
    const job = this.revokeInBatches(userId, keepSessionId, actor, startedAt, progress).finally(
      () => this.state.forgetUser(userId),
    );
    let timer: NodeJS.Timeout | undefined;
    const outOfTime = new Promise<'budget'>((resolve) => {
      timer = setTimeout(() => resolve('budget'), this.options.revokeBudgetMs);
    });
    try {
      if ((await Promise.race([job.then(() => 'done' as const), outOfTime])) === 'done') {
        return { revoked: progress.revoked, complete: true };
      }
    } finally {
      clearTimeout(timer);
    }
    job.catch((error: unknown) =>
      this.logger.error(
        `Revoking the sessions of user ${userId} stopped after ${progress.revoked}; repeat the request to finish`,
        error instanceof Error ? error.stack : String(error),
      ),
    );
    this.state.forgetUser(userId);
    // Read before counting: batches committed meanwhile are then in neither number.
    const revoked = progress.revoked;
    const remaining = await this.repository
      .countActiveOfUser(userId, keepSessionId)
      .catch(() => null);
    return { revoked, complete: false, remaining };
  }

  private async revokeInBatches(
    userId: string,
    keepSessionId: string | null,
    actor: RevocationActor,
    createdBy: string,
    progress: { revoked: number },
  ): Promise<void> {
    const largest = this.options.revokeBatchSize;
    let size = largest;
    for (;;) {
      let batch;
      try {
        batch = await this.repository.revokeBatchOfUser(
          userId,
          keepSessionId,
          actor,
          createdBy,
          size,
        );
      } catch (error) {
        if (isStatementTimeout(error) && size > MIN_REVOKE_BATCH) {
          size = Math.max(MIN_REVOKE_BATCH, Math.floor(size / 2));
          continue;
        }
        throw error;
      }
      progress.revoked += batch.revoked;
      this.ended(actor, batch.revoked);
      if (batch.found < size) return;
      size = Math.min(largest, Math.ceil(size * 1.25));
    }
  }

  /** Reports `count` sessions ended by `actor` to the observer. */
  private ended(actor: RevocationActor, count: number): void {
    if (count > 0) notify(this.observer, 'sessionsEnded', { reason: endReasonOf(actor.by), count });
  }

  /** Reports the feed's lag of the revocations handed to a reader. */
  private read(rows: readonly RevocationRow[]): void {
    if (rows.length === 0 || !this.observer?.revocationsRead) return;
    const now = Date.now();
    const lagSeconds = rows.map((r) => Math.max(0, now - Date.parse(r.revoked_at)) / 1000);
    notify(this.observer, 'revocationsRead', { lagSeconds });
  }

  /**
   * Records activity on an active session; 404 if unknown, 409 if revoked or
   * expired. `ids`: the request touching it, whose ids its audit event carries.
   */
  async touch(sessionId: string, ids?: RequestContext): Promise<SessionRow> {
    assertSessionId(sessionId);
    const row = await this.repository.touch(sessionId, ids);
    if (row) return row;
    const existing = await this.repository.findDetail(sessionId);
    if (!existing) throw new SessionNotFoundError(sessionId);
    throw ProblemError.fromTemplate('sessionNotActive', 'default', {
      session_id: sessionId,
      status: existing.status,
    });
  }

  /**
   * The feed as a stream: every revocation after `cursor`, then each new one
   * as it becomes readable, polling every `feedPollIntervalMs`. A failed poll
   * is retried at the next tick; the stream itself stays open until the
   * application shuts down (a stream opened after that completes at once).
   */
  streamRevocations(cursor: string | undefined, since?: string): Observable<RevocationRow> {
    let after = decodeFeedCursor(cursor);
    const drain = async (): Promise<RevocationRow[]> => {
      const rows = await this.repository.readRevocations(after, FEED_STREAM_BATCH, since);
      const last = rows.at(-1);
      if (last) after = { xid: last.xid, id: last.id };
      this.read(rows);
      return rows;
    };
    return timer(0, this.options.feedPollIntervalMs).pipe(
      exhaustMap(() => from(drain()).pipe(catchError(() => EMPTY))),
      mergeMap((rows) => rows),
      takeUntil(this.stopping),
    );
  }

  /** Ends the revocation streams, so shutdown never waits on a client holding one open. */
  beforeApplicationShutdown(): void {
    this.stopping.next();
  }

  /** A page of the revocation feed after `cursor` (only revocations made at or after `since`, when given). */
  async readRevocations(
    cursor: string | undefined,
    limit: number,
    since?: string,
  ): Promise<RevocationPage> {
    const after = decodeFeedCursor(cursor);
    const rows = await this.repository.readRevocations(after, limit + 1, since);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    this.read(page);
    return {
      rows: page,
      nextCursor: last ? encodeFeedCursor({ xid: last.xid, id: last.id }) : encodeFeedCursor(after),
      hasMore: rows.length > limit,
    };
  }

  /** The sign-in's lifetimes: its own within its tenant's bounds, else the tenant's (or the service's). */
  private lifetimes(
    request: Readonly<CreateSessionRequest>,
    tenant: TenantSettings | undefined,
  ): {
    ttlSeconds: number;
    idleTimeoutSeconds: number;
  } {
    const policy = lifetimePolicy(this.options, tenant);
    const ttlSeconds = request.ttl_seconds ?? policy.absoluteTtlSeconds;
    const idleTimeoutSeconds = request.idle_timeout_seconds ?? policy.idleTimeoutSeconds;
    // The effective values, defaults included: a misconfigured default is refused too.
    const violations = lifetimeViolations(
      { ttl_seconds: ttlSeconds, idle_timeout_seconds: idleTimeoutSeconds },
      policy,
    );
    if (violations.length) throw new ValidationFailedError(violations);
    return { ttlSeconds, idleTimeoutSeconds };
  }
}

/**
 * A sign-in's `issuer` without a `subject` (it would be ignored), or a
 * `subject` without an `issuer` where no default issuer is configured.
 */
export function subjectViolations(
  request: Pick<CreateSessionRequest, 'subject' | 'issuer'>,
  defaultIssuer: string | undefined,
): FieldViolation[] {
  if (request.subject === undefined && request.issuer !== undefined) {
    return [
      { field: 'issuer', code: 'required', description: 'issuer is only accepted with subject' },
    ];
  }
  if (request.subject !== undefined && request.issuer === undefined && !defaultIssuer) {
    return [
      {
        field: 'issuer',
        code: 'required',
        description: 'issuer is required with subject: no default issuer is configured',
      },
    ];
  }
  return [];
}

/** Per-sign-in lifetimes outside the configured bounds, one violation per field. */
export function lifetimeViolations(
  request: Pick<CreateSessionRequest, 'ttl_seconds' | 'idle_timeout_seconds'>,
  o: LifetimePolicy,
): FieldViolation[] {
  const violations: FieldViolation[] = [];
  const check = (field: string, value: unknown, min: number, max: number) => {
    if (typeof value === 'number' && Number.isInteger(value) && (value < min || value > max)) {
      violations.push({
        field,
        code: 'range',
        description: `${field} must be between ${min} and ${max}`,
        value,
      });
    }
  };
  check('ttl_seconds', request.ttl_seconds, o.minAbsoluteTtlSeconds, o.maxAbsoluteTtlSeconds);
  check(
    'idle_timeout_seconds',
    request.idle_timeout_seconds,
    o.minIdleTimeoutSeconds,
    o.maxIdleTimeoutSeconds,
  );
  return violations;
}

/**
 * Admin list items as JSON (seed 000's `AdminSession`), with the directory's
 * names when a host has one (one lookup for them all).
 */
async function adminItems(
  rows: readonly StreamedAdminItem[],
  directory?: UserDirectory,
): Promise<string[]> {
  if (!directory) return rows.map((row) => itemText(row));
  const named = rows.filter((row) => 'head' in row);
  const names =
    named.length > 0
      ? await directory.usernames([...new Set(named.map((row) => row.user_id))])
      : undefined;
  return rows.map((row) => itemText(row, names));
}

/** One item's JSON: as PostgreSQL wrote it whole, or its head with the (directory's) name. */
function itemText(row: StreamedAdminItem, names?: ReadonlyMap<string, string>): string {
  if ('item' in row) return row.item;
  return `${row.head},"username":${JSON.stringify(names?.get(row.user_id) ?? row.username)}}`;
}

/** Each batch of the streamed list as JSON items, with the directory's names (one lookup per batch). */
async function* serialised(
  batches: AsyncIterable<StreamedAdminItem[]>,
  directory?: UserDirectory,
): AsyncGenerator<string[]> {
  for await (const batch of batches) yield adminItems(batch, directory);
}

/**
 * A host's route may hand any string to the service: an id that cannot name a
 * user (not a canonical positive integer) or a session (not a UUID) names
 * none, so it is a 404 like an unknown one, never the database's type error.
 */
function assertUserId(userId: string): void {
  if (parseUserId(userId) === undefined) throw new UserNotFoundError(String(userId));
}

function assertSessionId(sessionId: string): void {
  if (!isUuid(sessionId)) throw new SessionNotFoundError(String(sessionId));
}
