import { Readable } from 'node:stream';

/** Bytes gathered before a chunk is handed to the socket. */
const CHUNK_BYTES = 32 * 1024;

/**
 * Turns a stream of rows into the bytes of `{ "<key>": [...], "total": N }`,
 * so a list of any length is sent with flat memory and `total` is exactly the
 * number of rows sent.
 *
 * It resolves only once the first row (or the end) has arrived: a query that
 * fails before that rejects here, while the status line can still say so (a
 * Problem, such as 503 when the database is unreachable). `release` runs once
 * when the rows are done, failed, or abandoned by the client.
 */
export async function jsonListBody<Row>(
  rows: Readable,
  key: string,
  map: (row: Row) => unknown,
  release: () => void,
): Promise<Readable> {
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    rows.destroy();
    release();
  };
  const iterator = rows[Symbol.asyncIterator]() as AsyncIterator<Row>;
  let first: IteratorResult<Row>;
  try {
    first = await iterator.next();
  } catch (error) {
    finish();
    throw error;
  }

  async function* body(): AsyncGenerator<string> {
    try {
      let total = 0;
      let buffer = `{${JSON.stringify(key)}:[`;
      for (let next = first; !next.done; next = await iterator.next()) {
        buffer += (total === 0 ? '' : ',') + JSON.stringify(map(next.value));
        total += 1;
        if (buffer.length >= CHUNK_BYTES) {
          yield buffer;
          buffer = '';
        }
      }
      yield `${buffer}],"total":${total}}`;
    } finally {
      finish();
    }
  }

  const readable = Readable.from(body(), { objectMode: false });
  // Destroyed before it was ever read (the client left early): the generator never ran.
  readable.once('close', finish);
  return readable;
}
