import { Readable } from 'node:stream';

/** Bytes gathered before a chunk is handed to the socket. */
const CHUNK_BYTES = 32 * 1024;

/** Why a streamed list was cut off: its client stopped taking the bytes. */
export class StalledReaderError extends Error {
  constructor(timeoutMs: number) {
    super(`the client took no data for ${timeoutMs} ms`);
    this.name = 'StalledReaderError';
  }
}

/**
 * Turns batches of serialised items into the bytes of `{ "<key>": [...],
 * "total": N }`, so a list of any length is sent with flat memory and `total`
 * is exactly the number of items sent. The next batch is read only when the
 * socket has taken the previous chunks (backpressure).
 *
 * It resolves only once the first batch (or the end) has arrived: a query
 * that fails before that rejects here, while the status line can still say so
 * (a Problem, such as 503 when the database is unreachable). `release` runs
 * once when the items are done, failed, or abandoned by the client.
 *
 * With `writeTimeoutMs`, a chunk the consumer has not asked past within that
 * time (a client that stopped reading, its socket buffers full) destroys the
 * stream with a `StalledReaderError`, so the query's connection is given back
 * instead of being held until the database's own idle timeout.
 */
export async function jsonListBody(
  batches: AsyncIterable<readonly string[]>,
  key: string,
  release: () => void,
  writeTimeoutMs = 0,
): Promise<Readable> {
  const iterator = batches[Symbol.asyncIterator]();
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    void iterator.return?.().catch(() => undefined);
    release();
  };
  let first: IteratorResult<readonly string[]>;
  try {
    first = await iterator.next();
  } catch (error) {
    finish();
    throw error;
  }

  async function* body(): AsyncGenerator<string> {
    try {
      let total = 0;
      // Items are cut into chunks of about CHUNK_BYTES, never joined a whole batch at a
      // time: a string of a thousand items (hundreds of KB) is too large for V8's young
      // generation and goes straight to the old one, which then needs a full collection
      // every second or so of a long list. Chunks this size die young.
      let parts: string[] = [`{${JSON.stringify(key)}:[`];
      let size = 0;
      for (let next = first; !next.done; next = await iterator.next()) {
        for (const item of next.value) {
          parts.push(total === 0 ? item : `,${item}`);
          total += 1;
          size += item.length + 1;
          if (size < CHUNK_BYTES) continue;
          const deadline =
            writeTimeoutMs > 0
              ? setTimeout(
                  () => readable.destroy(new StalledReaderError(writeTimeoutMs)),
                  writeTimeoutMs,
                )
              : undefined;
          try {
            yield parts.join('');
          } finally {
            clearTimeout(deadline);
          }
          parts = [];
          size = 0;
        }
      }
      parts.push(`],"total":${total}}`);
      yield parts.join('');
    } finally {
      finish();
    }
  }

  // Strings pass to the socket as they are (`encoding`): no Buffer copy of each chunk.
  const readable = Readable.from(body(), { objectMode: false, encoding: 'utf8' });
  // Destroyed (the client left, even before the body was ever read, or the list ended and
  // the stream destroyed itself): the list's place among the open streams and its
  // connection are given back now, not once a batch being read arrives; the connection's
  // closing statement queues behind that read.
  const destroyStream = readable._destroy.bind(readable);
  readable._destroy = (error, callback) => {
    finish();
    destroyStream(error, callback);
  };
  return readable;
}
