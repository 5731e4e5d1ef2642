import { pipeline, type Readable, Transform } from 'node:stream';

/**
 * Turns a stream of rows into the bytes of `{ "<key>": [...], "total": N }`,
 * one row at a time, so a list of any length is sent with flat memory and
 * `total` is exactly the number of rows sent. `release` runs once the rows
 * are done, failed or abandoned.
 */
export function jsonListStream<Row>(
  rows: Readable,
  key: string,
  map: (row: Row) => unknown,
  release: () => void,
): Readable {
  let total = 0;
  const json = new Transform({
    writableObjectMode: true,
    transform(row: Row, _encoding, callback) {
      const prefix = total === 0 ? `{${JSON.stringify(key)}:[` : ',';
      total += 1;
      callback(null, prefix + JSON.stringify(map(row)));
    },
    flush(callback) {
      callback(null, `${total === 0 ? `{${JSON.stringify(key)}:[` : ''}],"total":${total}}`);
    },
  });
  pipeline(rows, json, (error) => {
    release();
    if (error) json.destroy(error);
  });
  return json;
}
