import type { ModuleRef } from '@nestjs/core';
import { OptionalProvider } from './optional-provider';

/**
 * How the JWT guard learns whether the session a token was issued for is still
 * active. The sessions library provides it; a host without it gets plain
 * stateless JWT checks.
 */
export interface SessionStateChecker {
  isActive(sessionId: string, userId: string): Promise<boolean>;
}

export const SESSION_STATE_CHECKER = Symbol('SESSION_STATE_CHECKER');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * The application's `SessionStateChecker`, looked up once on first use (it may
 * live in a module registered after the auth providers). Without one, every
 * session counts as active.
 */
export class SessionStateLookup {
  private readonly checker: OptionalProvider<SessionStateChecker>;

  constructor(moduleRef: ModuleRef) {
    this.checker = new OptionalProvider(moduleRef, SESSION_STATE_CHECKER);
  }

  async isActive(sessionId: string, userId: string): Promise<boolean> {
    const checker = this.checker.get();
    return checker ? checker.isActive(sessionId, userId) : true;
  }
}
