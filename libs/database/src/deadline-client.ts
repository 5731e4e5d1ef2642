import { Client } from 'pg';

/** The error node-postgres raises when a query passes its `query_timeout`. */
export const QUERY_DEADLINE_MESSAGE = 'Query read timeout';

/** How long a closing connection waits for the server to acknowledge its goodbye. */
const END_GRACE_MS = 500;

type Callback = (error: Error | null, ...rest: unknown[]) => void;

/**
 * A node-postgres client that gives up on its connection when a query passes
 * the client-side deadline (`query_timeout`): node-postgres answers the query
 * with an error but keeps the connection, whose protocol state is then
 * unknown (the answer may still arrive, or never). This client ends it at
 * once, before it can be given back to the pool, so the pool drops it and
 * opens a fresh one for the next request. A connection whose goodbye the
 * server does not acknowledge (a silent network) is destroyed after a short
 * grace, so closing the pool never waits on a dead socket.
 */
export class DeadlineClient extends Client {
  // node-postgres overloads `query` many ways; every one ends in a callback or a promise.
  query(...args: unknown[]): never {
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last] as Callback;
      args[last] = (error: Error | null, ...rest: unknown[]) => {
        if (error) this.giveUpOn(error);
        callback(error, ...rest);
      };
    }
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).catch((error: Error) => this.giveUpOn(error));
    }
    return result as never;
  }

  end(...args: unknown[]): never {
    this.destroyLater();
    return (super.end as (...a: unknown[]) => unknown)(...args) as never;
  }

  private destroyLater(): void {
    const timer = setTimeout(() => this.destroySocket(), END_GRACE_MS);
    timer.unref();
    this.once('end', () => clearTimeout(timer));
  }

  private giveUpOn(error: Error): void {
    if (error?.message !== QUERY_DEADLINE_MESSAGE) return;
    // `end` marks the client as ending (so the pool removes it on release) and,
    // with a query still outstanding, destroys its socket.
    const end: () => Promise<void> = super.end.bind(this);
    end().catch(() => undefined);
    this.destroyLater();
  }

  private destroySocket(): void {
    (
      this as unknown as { connection?: { stream?: { destroy(): void } } }
    ).connection?.stream?.destroy();
  }
}
