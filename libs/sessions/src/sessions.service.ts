import { Inject, Injectable } from '@nestjs/common';
import { FieldViolation, UserNotFoundError, ValidationFailedError } from '@app/problem';
import { deriveDeviceType } from './device-type';
import type { CreateSessionRequest } from './dto/create-session.request';
import type { PageInfo } from './dto/page-info.dto';
import { buildPageInfo, pageOffset } from './pagination';
import type { AdminSessionRow, SessionRow } from './session.row';
import { SESSIONS_MODULE_OPTIONS } from './sessions.module-definition';
import {
  type ResolvedSessionsOptions,
  resolveSessionsOptions,
  type SessionsModuleOptions,
} from './sessions.options';
import { SessionsRepository } from './sessions.repository';

export interface UserSessionsResult {
  rows: SessionRow[];
  pageInfo: PageInfo;
}

/** The rules: what counts as active, who has which sessions, how a sign-in is recorded. */
@Injectable()
export class SessionsService {
  private readonly options: ResolvedSessionsOptions;

  constructor(
    private readonly repository: SessionsRepository,
    @Inject(SESSIONS_MODULE_OPTIONS) options: SessionsModuleOptions,
  ) {
    this.options = resolveSessionsOptions(options);
  }

  /** A page of the user's active sessions; 404 when the user does not exist. */
  async listForUser(userId: string, page: number, pageSize: number): Promise<UserSessionsResult> {
    const result = await this.repository.findUserSessionsPage(
      userId,
      pageSize,
      pageOffset(page, pageSize),
    );
    if (!result.userExists) throw new UserNotFoundError(userId);
    return { rows: result.rows, pageInfo: buildPageInfo(page, pageSize, result.total) };
  }

  listAllActive(): Promise<AdminSessionRow[]> {
    return this.repository.findAllActive();
  }

  /** Records a sign-in, creating or renaming its user in the same statement. */
  async recordSignIn(request: CreateSessionRequest): Promise<SessionRow> {
    const { ttlSeconds, idleTimeoutSeconds } = this.lifetimes(request);
    return this.repository.insert({
      userId: String(request.user_id),
      username: request.username,
      tenantId: request.tenant_id ?? null,
      deviceId: request.device_id ?? null,
      deviceType: request.device_type ?? deriveDeviceType(request.user_agent),
      ip: request.ip,
      geoip: request.geoip ?? null,
      userAgent: request.user_agent,
      amr: request.amr,
      ttlSeconds,
      idleTimeoutSeconds,
    });
  }

  private lifetimes(request: CreateSessionRequest): {
    ttlSeconds: number;
    idleTimeoutSeconds: number;
  } {
    const o = this.options;
    const ttlSeconds = request.ttl_seconds ?? o.absoluteTtlSeconds;
    const idleTimeoutSeconds = request.idle_timeout_seconds ?? o.idleTimeoutSeconds;
    const violations: FieldViolation[] = [];
    if (ttlSeconds < o.minAbsoluteTtlSeconds || ttlSeconds > o.maxAbsoluteTtlSeconds) {
      violations.push({
        field: 'ttl_seconds',
        code: 'range',
        description: `ttl_seconds must be between ${o.minAbsoluteTtlSeconds} and ${o.maxAbsoluteTtlSeconds}`,
      });
    }
    if (
      idleTimeoutSeconds < o.minIdleTimeoutSeconds ||
      idleTimeoutSeconds > o.maxIdleTimeoutSeconds
    ) {
      violations.push({
        field: 'idle_timeout_seconds',
        code: 'range',
        description: `idle_timeout_seconds must be between ${o.minIdleTimeoutSeconds} and ${o.maxIdleTimeoutSeconds}`,
      });
    }
    if (violations.length) throw new ValidationFailedError(violations);
    return { ttlSeconds, idleTimeoutSeconds };
  }
}
