import type { ModuleRef } from '@nestjs/core';

/**
 * An optional provider of the application, found in any of its modules and
 * looked up once, on first use (it may live in a module registered after the
 * one asking); `null` when there is none.
 */
export class OptionalProvider<T> {
  private found?: T | null;

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly token: string | symbol,
  ) {}

  get(): T | null {
    if (this.found === undefined) {
      try {
        this.found = this.moduleRef.get<T>(this.token, { strict: false }) ?? null;
      } catch {
        this.found = null;
      }
    }
    return this.found;
  }
}
