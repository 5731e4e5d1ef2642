import { jsonListBody } from './json-list.stream';

/**
 * Batches whose first read answers at once and whose second waits until
 * `answer` is called; once returned, every read is done (as a generator's).
 */
function slowSecondBatch(first: string[]): {
  batches: AsyncIterable<string[]>;
  answer: (result: IteratorResult<string[]>) => void;
  returned: () => boolean;
} {
  let answer: (result: IteratorResult<string[]>) => void = () => undefined;
  let reads = 0;
  let returned = false;
  const batches: AsyncIterable<string[]> = {
    [Symbol.asyncIterator]: () => ({
      next: () =>
        returned
          ? Promise.resolve({ done: true, value: undefined })
          : reads++ === 0
            ? Promise.resolve({ done: false, value: first })
            : new Promise<IteratorResult<string[]>>((resolve) => (answer = resolve)),
      return: () => {
        returned = true;
        return Promise.resolve({ done: true, value: undefined });
      },
    }),
  };
  return { batches, answer: (result) => answer(result), returned: () => returned };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('jsonListBody', () => {
  it('writes the items and the total, and gives the list back once', async () => {
    let released = 0;
    const source = slowSecondBatch(['{"n":1}', '{"n":2}']);
    const body = await jsonListBody(source.batches, 'sessions', () => released++);
    const chunks: string[] = [];
    body.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    await tick();
    source.answer({ done: true, value: undefined });
    await new Promise((resolve) => body.once('close', resolve));
    expect(JSON.parse(chunks.join(''))).toEqual({ sessions: [{ n: 1 }, { n: 2 }], total: 2 });
    expect(released).toBe(1);
  });

  it('gives the list back at once when destroyed while a batch is being read', async () => {
    let released = 0;
    const source = slowSecondBatch(['{"n":1}']);
    const body = await jsonListBody(source.batches, 'sessions', () => released++);
    body.resume();
    await tick();
    body.destroy();
    await tick();
    // The second read has not answered: the connection and the stream's place are free anyway.
    expect(released).toBe(1);
    expect(source.returned()).toBe(true);
    source.answer({ done: false, value: ['{"n":2}'] });
    await new Promise((resolve) => body.once('close', resolve));
    expect(released).toBe(1);
  });

  it('cuts a long batch into chunks of about 32 KiB, sent as strings', async () => {
    // A thousand items of 400 characters: one string of them all would be 400 KB.
    const items = Array.from({ length: 1000 }, (_, n) =>
      JSON.stringify({ n, pad: 'x'.repeat(380) }),
    );
    const source = slowSecondBatch(items);
    const body = await jsonListBody(source.batches, 'sessions', () => undefined);
    const chunks: unknown[] = [];
    body.on('data', (chunk: unknown) => chunks.push(chunk));
    await tick();
    source.answer({ done: true, value: undefined });
    await new Promise((resolve) => body.once('close', resolve));
    expect(chunks.every((chunk) => typeof chunk === 'string')).toBe(true);
    const lengths = (chunks as string[]).map((chunk) => chunk.length);
    expect(Math.max(...lengths)).toBeLessThanOrEqual(32 * 1024 + items[0].length + 1);
    expect(chunks.length).toBeGreaterThanOrEqual(12);
    const list = JSON.parse((chunks as string[]).join('')) as { sessions: { n: number }[] };
    expect(list.sessions.map((item) => item.n)).toEqual(items.map((_, n) => n));
    expect(list).toMatchObject({ total: 1000 });
  });
});
