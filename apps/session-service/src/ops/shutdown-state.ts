import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/app.config';
import { APP_CONFIG } from '../config/app-config.token';

/**
 * Draining: set when shutdown begins, so readiness turns 503 and load
 * balancers stop sending new requests while in-flight ones finish. Closing:
 * set once the drain time has passed, when the listener closes; a request
 * still arriving (on a kept-alive connection) is answered 503 then
 * (`configure-app.ts`).
 */
@Injectable()
export class ShutdownState implements BeforeApplicationShutdown {
  private draining = false;
  private closing = false;
  private readonly drainMs: number;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.drainMs = config.shutdown.drainMs;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** How long requests in flight when the listener closes may still take, ms. */
  get graceMs(): number {
    return this.drainMs;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.draining = true;
    // Give load balancers time to see the 503 before the listener closes.
    if (this.drainMs > 0) await new Promise((resolve) => setTimeout(resolve, this.drainMs));
    this.closing = true;
  }
}
