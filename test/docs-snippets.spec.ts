import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * docs/embedding.md is written from the fixture host (test/fixtures/host-app), which CI
 * installs from the packed tarballs, compiles under `tsc --strict` and runs: every
 * TypeScript block of the page is marked `<!-- from: <file> -->` and must be found, as
 * it is, in that file.
 */
const root = join(__dirname, '..');
const page = readFileSync(join(root, 'docs', 'embedding.md'), 'utf8');
const blocks = [...page.matchAll(/(?:<!-- from: (\S+) -->\n\n?)?```ts\n([\s\S]*?)```/g)].map(
  ([, from, code]) => ({ from, code }),
);

describe('docs/embedding.md', () => {
  it('has TypeScript examples', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  it.each(blocks.map((block, i) => [i + 1, block] as const))(
    'example %i comes from a fixture file, as it is there',
    (_i, { from, code }) => {
      expect(from, `an example without a <!-- from: ... --> line:\n${code}`).toMatch(
        /^test\/fixtures\//,
      );
      const source = readFileSync(join(root, from), 'utf8');
      expect(source).toContain(code);
    },
  );
});
