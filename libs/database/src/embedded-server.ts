import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
const IDLE = 0x49; // 'I': ReadyForQuery outside a transaction
const SYNC_MESSAGE = new Uint8Array([0x53, 0, 0, 0, 4]);
const [PARSE, BIND, DESCRIBE, CLOSE, SYNC, QUERY, TERMINATE, READY_FOR_QUERY] = [...'PBDCSQXZ'].map(
  (c) => c.charCodeAt(0),
);

export interface EmbeddedServerOptions {
  db: PGlite;
  host: string;
  port: number;
  maxConnections: number;
  /**
   * Longest wait of a client for its turn on the backend; past it the waiting
   * statement fails with SQLSTATE 57014, as PostgreSQL's statement_timeout
   * would fail it (PGlite itself cannot interrupt a running statement). 0: no
   * limit. A client's `statement_timeout` startup parameter (node-postgres
   * sends its `statement_timeout` option so) replaces it for that client.
   */
  statementTimeoutMs: number;
  /**
   * A client that keeps a transaction open this long without sending anything
   * while another client waits is disconnected and its transaction rolled
   * back, as PostgreSQL's idle_in_transaction_session_timeout would. 0: never.
   * A client's `idle_in_transaction_session_timeout` startup parameter replaces it.
   */
  idleInTransactionTimeoutMs: number;
}

/**
 * Follows the backend's replies as they stream out, to learn the transaction
 * status of a ReadyForQuery that ends them ('I' idle, 'T' in a transaction,
 * 'E' failed transaction), whatever the chunking.
 */
class ReplyScanner {
  private readonly header = Buffer.alloc(5);
  private have = 0;
  private remaining = 0;
  private type = 0;
  /** Status byte of the ReadyForQuery that ended the replies so far, if one did. */
  status: number | undefined;

  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - i);
        if (this.type === READY_FOR_QUERY) this.status = chunk[i + n - 1];
        this.remaining -= n;
        i += n;
        continue;
      }
      this.header[this.have++] = chunk[i++];
      if (this.have === 5) {
        this.have = 0;
        this.type = this.header[0];
        this.remaining = this.header.readInt32BE(1) - 4;
        this.status = undefined;
      }
    }
  }
}

function message(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function cstring(text: string): Buffer {
  return Buffer.from(`${text}\0`, 'utf8');
}

/** An ErrorResponse, then (unless the client must first send Sync) ReadyForQuery idle. */
function timeoutReply(): Buffer {
  return message(
    0x45, // 'E'
    Buffer.concat([
      cstring('SERROR'),
      cstring('VERROR'),
      cstring('C57014'),
      cstring('Mcanceling statement due to statement timeout (waiting for the embedded backend)'),
      Buffer.from([0]),
    ]),
  );
}

const READY_IDLE = message(READY_FOR_QUERY, Buffer.from([IDLE]));

/** One client connection and what the server keeps for it. */
interface Client {
  socket: Socket;
  id: number;
  /** Its prepared statements, under the backend-wide names given to them. */
  statements: Set<string>;
  /** Holds the backend: between its first message and ReadyForQuery idle. */
  midTurn: boolean;
  /** Its statement timed out waiting: drop its messages up to the next Sync. */
  discardUntilSync: boolean;
  /** Its own `statement_timeout` and `idle_in_transaction_session_timeout` (startup parameters), ms. */
  statementTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
}

/** The parameters of a StartupMessage (after length and protocol version). */
function startupParameters(raw: Buffer): Map<string, string> {
  const parts = raw.toString('utf8', 8, raw.length).split('\0');
  const params = new Map<string, string>();
  for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2)
    params.set(parts[i], parts[i + 1]);
  return params;
}

/** A timeout parameter as PostgreSQL reads it (a number of ms), else `fallback`. */
function milliseconds(value: string | undefined, fallback: number): number {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : fallback;
}

/**
 * Serves one PGlite backend to several PostgreSQL wire-protocol clients.
 *
 * PGlite is a single PostgreSQL backend, so every client shares its one
 * session. Two things make that safe for clients written for a server:
 *
 * - Turns. The backend is lent to one client at a time for a whole turn: from
 *   that client's first message until the backend answers ReadyForQuery
 *   outside a transaction. An extended-protocol exchange (Parse, Bind,
 *   Execute, ... Sync) or a transaction (BEGIN ... COMMIT, a cursor's DECLARE
 *   and FETCHes) never interleaves with another client's messages; the others
 *   wait, in arrival order, at most `statementTimeoutMs`. A client that leaves
 *   or fails mid-turn has its exchange ended and its transaction rolled back.
 * - Prepared statement names. A named statement a client prepares (Parse,
 *   Bind, Describe, Close) is renamed `c<client>_<name>` on the backend, so two
 *   connections may prepare the same name, as on a server; a client's
 *   statements are deallocated when it disconnects.
 *
 * What stays shared is the rest of the session: `SET` settings and
 * session-level advisory locks belong to the backend, not to a client.
 * PGlite enforces no statement_timeout (it cannot interrupt a statement).
 */
export class EmbeddedPostgresServer {
  private server?: Server;
  private readonly clients = new Set<Client>();
  private owner?: Client;
  private readonly waiting: { client: Client; grant: (granted: boolean) => void }[] = [];
  private nextId = 1;
  /** PGlite's answer to a StartupMessage (authentication, parameters, ReadyForQuery). */
  private startupReply?: Buffer;

  constructor(private readonly options: EmbeddedServerOptions) {}

  async start(): Promise<string> {
    const server = createServer((socket) => this.accept(socket));
    server.maxConnections = this.options.maxConnections;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('embedded server: no TCP address');
    return `${this.options.host}:${address.port}`;
  }

  async stop(): Promise<void> {
    for (const client of this.clients) client.socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const client: Client = {
      socket,
      id: this.nextId++,
      statements: new Set(),
      midTurn: false,
      discardUntilSync: false,
      statementTimeoutMs: this.options.statementTimeoutMs,
      idleInTransactionTimeoutMs: this.options.idleInTransactionTimeoutMs,
    };
    this.clients.add(client);
    let buffer = Buffer.alloc(0);
    let started = false;
    let chain = Promise.resolve();
    let idleTimer: NodeJS.Timeout | undefined;
    const clearIdle = () => {
      if (idleTimer) clearTimeout(idleTimer);
      idleTimer = undefined;
    };

    const handle = async (raw: Buffer, typed: boolean): Promise<void> => {
      if (socket.destroyed) return;
      if (!typed) {
        const code = raw.readInt32BE(4);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          socket.write('N');
          return;
        }
        if (code === CANCEL_REQUEST) {
          // PGlite has no other process to signal: nothing can be cancelled.
          socket.destroy();
          return;
        }
        // PGlite ignores these settings: this server applies them to the client's waits.
        const params = startupParameters(raw);
        client.statementTimeoutMs = milliseconds(
          params.get('statement_timeout'),
          client.statementTimeoutMs,
        );
        client.idleInTransactionTimeoutMs = milliseconds(
          params.get('idle_in_transaction_session_timeout'),
          client.idleInTransactionTimeoutMs,
        );
      } else if (raw[0] === TERMINATE) {
        socket.end();
        return;
      }
      if (client.discardUntilSync) {
        if (raw[0] === SYNC) {
          client.discardUntilSync = false;
          socket.write(READY_IDLE);
        }
        return;
      }
      clearIdle();
      if (!typed && this.startupReply && this.owner !== undefined && this.owner !== client) {
        // Another connection holds the backend (maybe for a long transaction):
        // a new connection is let in with the reply PGlite gave an earlier one.
        socket.write(this.startupReply);
        return;
      }
      if (!(await this.acquire(client))) {
        // Timed out waiting for its turn: fail this statement as the backend would.
        socket.write(timeoutReply());
        if (!typed) {
          socket.end();
          return;
        }
        if (raw[0] === QUERY) socket.write(READY_IDLE);
        else client.discardUntilSync = raw[0] !== SYNC;
        if (raw[0] === SYNC) socket.write(READY_IDLE);
        return;
      }
      if (socket.destroyed) return;
      const scanner = new ReplyScanner();
      const db = this.options.db;
      try {
        const bytes = typed ? this.rename(client, raw) : raw;
        const reply: Buffer[] = [];
        await db.runExclusive(() =>
          db.execProtocolRawStream(new Uint8Array(bytes), {
            onRawData: (data) => {
              scanner.push(data);
              if (!typed) reply.push(Buffer.from(data));
              if (!socket.destroyed) socket.write(Buffer.from(data));
            },
          }),
        );
        if (!typed && scanner.status === IDLE) this.startupReply = Buffer.concat(reply);
      } catch {
        socket.destroy();
        return;
      }
      if (scanner.status === IDLE) {
        client.midTurn = false;
        return this.handOn(client);
      }
      client.midTurn = true;
      const limit = client.idleInTransactionTimeoutMs;
      if (scanner.status !== undefined && limit > 0) {
        // In a transaction, waiting for the client's next statement.
        const check = () => {
          if (this.waiting.length > 0) socket.destroy();
          else idleTimer = setTimeout(check, limit).unref();
        };
        idleTimer = setTimeout(check, limit).unref();
      }
    };

    socket.on('data', (data: Buffer) => {
      buffer = Buffer.concat([buffer, data]);
      for (;;) {
        const typed = started;
        if (buffer.length < (typed ? 5 : 8)) return;
        const length = typed ? 1 + buffer.readInt32BE(1) : buffer.readInt32BE(0);
        if (length < (typed ? 5 : 8) || length > 1 << 30) {
          socket.destroy();
          return;
        }
        if (buffer.length < length) return;
        const raw = buffer.subarray(0, length);
        buffer = buffer.subarray(length);
        if (!typed && raw.readInt32BE(4) === PROTOCOL_3) started = true;
        chain = chain.then(() => handle(raw, typed)).catch(() => void socket.destroy());
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearIdle();
      const queued = this.waiting.findIndex((w) => w.client === client);
      if (queued >= 0) this.waiting.splice(queued, 1)[0].grant(false);
      // After its last message: end what it left open, forget its statements.
      chain = chain.then(() => this.cleanUp(client));
    });
  }

  /** The backend-wide name of a client's statement: each client has its own names. */
  private backendName(client: Client, name: string): string {
    return name === '' ? '' : `c${client.id}_${name}`;
  }

  /** Renames the statement a Parse, Bind, Describe or Close message names. */
  private rename(client: Client, raw: Buffer): Buffer {
    const type = raw[0];
    let at: number;
    if (type === PARSE) at = 5;
    else if (type === BIND)
      at = raw.indexOf(0, 5) + 1; // after the portal name
    else if ((type === DESCRIBE || type === CLOSE) && raw[5] === 0x53)
      at = 6; // 'S'
    else return raw;
    const end = raw.indexOf(0, at);
    if (at <= 0 || end < 0 || end === at) return raw;
    const name = this.backendName(client, raw.toString('utf8', at, end));
    if (type === PARSE) client.statements.add(name);
    if (type === CLOSE) client.statements.delete(name);
    const body = Buffer.concat([raw.subarray(5, at), cstring(name), raw.subarray(end + 1)]);
    return message(type, body);
  }

  /** Resolves true once `client` holds the backend; false when it gave up waiting. */
  private acquire(client: Client): Promise<boolean> {
    if (this.owner === undefined || this.owner === client) {
      this.owner = client;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const entry = {
        client,
        grant: (granted: boolean) => {
          clearTimeout(timer);
          resolve(granted);
        },
      };
      const limit = client.statementTimeoutMs;
      const timer =
        limit > 0
          ? setTimeout(() => {
              const i = this.waiting.indexOf(entry);
              if (i >= 0) this.waiting.splice(i, 1);
              resolve(false);
            }, limit)
          : undefined;
      this.waiting.push(entry);
    });
  }

  /** Ends the turn of `client` and gives the backend to the next in line. */
  private handOn(client: Client): void {
    if (this.owner !== client) return;
    this.owner = undefined;
    const next = this.waiting.shift();
    if (next) {
      this.owner = next.client;
      next.grant(true);
    }
  }

  /** A client left: end its exchange and transaction, deallocate its statements. */
  private async cleanUp(client: Client): Promise<void> {
    this.clients.delete(client);
    const db = this.options.db;
    if (!client.midTurn && client.statements.size === 0) return this.handOn(client);
    if (this.owner !== client && !(await this.acquire(client))) {
      // The backend stayed busy: clean up later, when it is free.
      setTimeout(() => void this.cleanUp(client), 1000).unref();
      return;
    }
    try {
      await db.runExclusive(async () => {
        if (client.midTurn) {
          await db.execProtocolRawStream(SYNC_MESSAGE, { onRawData: () => undefined });
          if (db.isInTransaction()) {
            await db.execProtocolRawStream(query('ROLLBACK'), { onRawData: () => undefined });
          }
        }
        for (const name of client.statements) {
          await db.execProtocolRawStream(query(`DEALLOCATE "${name}"`), {
            onRawData: () => undefined,
          });
        }
      });
    } catch {
      // Closed database (stopping): nothing left to clean.
    } finally {
      client.midTurn = false;
      client.statements.clear();
      this.handOn(client);
    }
  }
}

function query(sql: string): Uint8Array {
  return new Uint8Array(message(QUERY, cstring(sql)));
}
