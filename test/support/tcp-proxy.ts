import { createServer, type Server, type Socket, connect } from 'node:net';

/** One proxied connection: the service's end and the database's end. */
interface Link {
  client: Socket;
  upstream: Socket;
}

/**
 * A TCP pass-through to the test database that a test can cut and restore,
 * to see how the service behaves when PostgreSQL goes away and comes back.
 *
 * Besides cutting (connections dropped, new ones refused), it can fail
 * silently, as a network partition or a frozen primary does, where
 * PostgreSQL never sees the service's queries:
 * - `stall()`: every connection, open or new, stays open and no byte passes in
 *   either direction; `unstall()` lets the held bytes through again;
 * - `blackHole()`: the same, but the bytes are dropped, so the connections
 *   that carried some are dead for good even after `restore()`.
 */
export class TcpProxy {
  private server?: Server;
  private readonly links = new Set<Link>();
  private mode: 'pass' | 'stall' | 'black-hole' = 'pass';
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** Connections currently open through the proxy. */
  get connections(): number {
    return this.links.size;
  }

  async start(port = this.port): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.targetPort, this.targetHost);
      const link = { client, upstream };
      this.links.add(link);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.links.delete(link);
      };
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ]) {
        from.on('data', (chunk: Buffer) => {
          if (this.mode === 'black-hole') return;
          if (!to.write(chunk)) from.pause();
        });
        to.on('drain', () => {
          if (this.mode === 'pass') from.resume();
        });
        // Either end going away takes the other with it, as a real connection would.
        from.on('close', close);
        from.on('error', close);
      }
      if (this.mode === 'stall') {
        client.pause();
        upstream.pause();
      }
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Keeps every connection open, and accepts new ones, but passes no byte either way. */
  stall(): void {
    this.mode = 'stall';
    for (const { client, upstream } of this.links) {
      client.pause();
      upstream.pause();
    }
  }

  /** Like `stall`, but whatever is sent meanwhile is lost. */
  blackHole(): void {
    this.mode = 'black-hole';
  }

  /** Bytes flow again (after `stall`, the held ones first). */
  unstall(): void {
    this.mode = 'pass';
    for (const { client, upstream } of this.links) {
      client.resume();
      upstream.resume();
    }
  }

  /** Ends a `blackHole`: new bytes pass again; the ones dropped stay lost. */
  restore(): void {
    this.unstall();
  }

  /** Drops every open connection and refuses new ones. */
  async cut(): Promise<void> {
    for (const { client, upstream } of this.links) {
      client.destroy();
      upstream.destroy();
    }
    this.links.clear();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** The proxied URL of `url`. */
  rewrite(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }
}
