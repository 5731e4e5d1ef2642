import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * docs/embedding.md is written from the fixture host (test/fixtures/host-app) and the
 * README's typed-client section from the client fixture (test/fixtures/client-service),
 * which CI installs from the packed tarballs, compiles under `tsc --strict` and runs:
 * every TypeScript block of those pages is marked `<!-- from: <file> -->` and must be
 * found, as it is, in that file.
 */
const root = join(__dirname, '..');

function examples(page: string): { from?: string; code: string }[] {
  const text = readFileSync(join(root, page), 'utf8');
  return [...text.matchAll(/(?:<!-- from: (\S+) -->\n\n?)?```ts\n([\s\S]*?)```/g)].map(
    ([, from, code]) => ({ from, code }),
  );
}

describe.each([
  ['docs/embedding.md', 5],
  ['README.md', 1],
])('%s', (page, atLeast) => {
  const blocks = examples(page);

  it(`has at least ${atLeast} TypeScript examples`, () => {
    expect(blocks.length).toBeGreaterThanOrEqual(atLeast);
  });

  it.each(blocks.map((block, i) => [i + 1, block] as const))(
    'example %i comes from a fixture file, as it is there',
    (_i, { from, code }) => {
      expect(from, `an example without a <!-- from: ... --> line:\n${code}`).toMatch(
        /^test\/fixtures\//,
      );
      const source = readFileSync(join(root, from ?? ''), 'utf8');
      expect(source).toContain(code);
    },
  );
});
