import { Client, type ClientConfig } from 'pg';

/** The error a query gets when it passes the client-side deadline (node-postgres' own words). */
export const QUERY_DEADLINE_MESSAGE = 'Query read timeout';

/** How long a closing connection waits for the server to acknowledge its goodbye. */
const END_GRACE_MS = 500;

type Callback = (error: Error | null, result?: unknown) => void;

/** A query sent on this connection and not answered yet. */
interface Outstanding {
  readonly startedAt: number;
  /** Answers the query with the deadline error (once; a later answer is dropped). */
  fail(error: Error): void;
}

/**
 * A node-postgres client with a client-side deadline on every query
 * (`query_timeout` of its configuration, in milliseconds): a query the
 * server has not answered in time fails with `Query read timeout`, and the
 * connection, whose protocol state is then unknown (the answer may still
 * arrive, or never), is ended at once, before it can be given back to the
 * pool, so the pool drops it and opens a fresh one for the next request. A
 * connection whose goodbye the server does not acknowledge (a silent
 * network) is destroyed after a short grace, so closing the pool never waits
 * on a dead socket.
 *
 * The deadline is kept with one timer per connection, re-armed when a query
 * starts on an idle connection, instead of node-postgres' timer per query:
 * a timer per query, cleared a millisecond later, kept each answer's rows
 * alive past the young generation's collections, which then grew to its
 * largest size and promoted megabytes per collection under load.
 *
 * Queries submitted as objects of their own (`pg-cursor`, `pg-query-stream`)
 * are sent as they are, without the deadline.
 */
export class DeadlineClient extends Client {
  private readonly deadlineMs: number;
  /**
   * Queries in the order they were sent: the first is the oldest, and the
   * first to be answered. An array, not a Set: a Set's table, reallocated as
   * it fills and empties with every query, outlived young-generation
   * collections under load.
   */
  private readonly outstanding: Outstanding[] = [];
  private timer?: NodeJS.Timeout;
  /** What `timer` was set for: `refresh()` re-arms it for as long again. */
  private timerMs = 0;
  private readonly onDeadline = (): void => this.checkDeadline();

  constructor(config?: string | ClientConfig) {
    const settings = typeof config === 'string' ? { connectionString: config } : (config ?? {});
    // node-postgres would arm a timer of its own per query: the deadline is this client's.
    super({ ...settings, query_timeout: undefined });
    this.deadlineMs = settings.query_timeout || 0;
  }

  // node-postgres overloads `query` many ways: (config), (config, values), (config, callback),
  // (config, values, callback); a submittable config returns itself, the others a promise
  // unless a callback is given.
  query(config: unknown, values?: unknown, callback?: unknown): never {
    const submittable = typeof (config as { submit?: unknown } | null)?.submit === 'function';
    if (!this.deadlineMs || submittable) return this.send(config, values, callback);
    if (typeof values === 'function')
      return this.withDeadline(config, undefined, values as Callback);
    if (typeof callback === 'function')
      return this.withDeadline(config, values, callback as Callback);
    // As node-postgres does, a query that cannot be sent throws here rather than rejecting.
    let settle!: Callback;
    const answer = new Promise((resolve, reject) => {
      settle = (error, result) => (error ? reject(error) : resolve(result));
    });
    this.withDeadline(config, values, settle);
    return answer as never;
  }

  end(...args: unknown[]): never {
    this.stopTimer();
    this.destroyLater();
    return (super.end as (...a: unknown[]) => unknown)(...args) as never;
  }

  private send(config: unknown, values: unknown, callback: unknown): never {
    return (super.query as (...a: unknown[]) => never).call(this, config, values, callback);
  }

  private withDeadline(config: unknown, values: unknown, callback: Callback): never {
    let settled = false;
    const entry: Outstanding = {
      startedAt: performance.now(),
      fail: (error) => {
        if (settled) return;
        settled = true;
        callback(error);
      },
    };
    this.startDeadline(entry);
    try {
      return this.send(config, values, (error: Error | null, result?: unknown) => {
        if (settled) return;
        settled = true;
        this.forget(entry);
        callback(error, result);
      });
    } catch (error) {
      // Refused before it was sent (no query text, say): nothing is outstanding.
      settled = true;
      this.forget(entry);
      throw error;
    }
  }

  private forget(entry: Outstanding): void {
    if (this.outstanding[0] === entry) this.outstanding.shift();
    else {
      const at = this.outstanding.indexOf(entry);
      if (at >= 0) this.outstanding.splice(at, 1);
    }
  }

  /** The timer runs for the oldest outstanding query: armed when the first one starts. */
  private startDeadline(entry: Outstanding): void {
    const idle = this.outstanding.length === 0;
    this.outstanding.push(entry);
    if (!idle) return;
    if (this.timer && this.timerMs === this.deadlineMs) this.timer.refresh();
    else this.arm(this.deadlineMs);
  }

  private arm(ms: number): void {
    this.stopTimer();
    this.timer = setTimeout(this.onDeadline, ms).unref();
    this.timerMs = ms;
  }

  private checkDeadline(): void {
    const oldest = this.outstanding[0];
    if (!oldest) return;
    const left = oldest.startedAt + this.deadlineMs - performance.now();
    if (left > 1) {
      // The query that armed the timer was answered; the next one has time left.
      this.arm(left);
      return;
    }
    // Ended first (the pool must not take the connection back), then every query on it fails.
    this.giveUp();
    const error = new Error(QUERY_DEADLINE_MESSAGE);
    for (const entry of this.outstanding.splice(0)) entry.fail(error);
  }

  /**
   * `end` marks the client as ending (so the pool removes it on release) and,
   * with a query still outstanding, destroys its socket.
   */
  private giveUp(): void {
    const end: () => Promise<void> = super.end.bind(this);
    end().catch(() => undefined);
    this.stopTimer();
    this.destroyLater();
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private destroyLater(): void {
    const timer = setTimeout(() => this.destroySocket(), END_GRACE_MS);
    timer.unref();
    this.once('end', () => clearTimeout(timer));
  }

  private destroySocket(): void {
    (
      this as unknown as { connection?: { stream?: { destroy(): void } } }
    ).connection?.stream?.destroy();
  }
}
