import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detailKey, PROBLEM_CATALOG, SHARED_DETAILS, sharedDetailKey } from './problem-catalog';

/** docs/errors.md, the published list of problem kinds, checked against the catalog. */
const markdown = readFileSync(join(__dirname, '../../../docs/errors.md'), 'utf8');

/** The body rows of the first table under the `## <heading>` section, as trimmed cells. */
function tableUnder(heading: string): string[][] {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`docs/errors.md has no "## ${heading}" section`);
  const next = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, next < 0 ? undefined : next);
  const rows = section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .map((line) =>
      line
        .slice(1, line.endsWith('|') ? -1 : undefined)
        .split('|')
        .map((cell) => cell.trim()),
    );
  // Header row and delimiter row.
  expect(rows[1]?.every((cell) => /^:?-+:?$/.test(cell))).toBe(true);
  return rows.slice(2);
}

const unquote = (cell: string): string => cell.replace(/^`(.*)`$/, '$1');

describe('docs/errors.md', () => {
  const kinds = tableUnder('Problem types');
  const byType = new Map(kinds.map((row) => [unquote(row[0]), row]));

  it('lists each kind once', () => {
    expect(byType.size).toBe(kinds.length);
  });

  it('lists exactly the kinds of the catalog, nothing extra', () => {
    expect([...byType.keys()].sort()).toEqual(
      Object.values(PROBLEM_CATALOG)
        .map((d) => `/problems/${d.slug}`)
        .sort(),
    );
  });

  it.each(Object.entries(PROBLEM_CATALOG))(
    '%s has the status, code, titles and when of the catalog',
    (_kind, d) => {
      const row = byType.get(`/problems/${d.slug}`);
      expect(row).toEqual([
        `\`/problems/${d.slug}\``,
        String(d.status),
        String(d.code),
        d.titles.en,
        d.titles['zh-CN'],
        d.when.en,
      ]);
    },
  );

  it('lists every detail template with its key and both texts, nothing extra', () => {
    const documented = tableUnder('Detail templates').map((row) => [
      unquote(row[0]),
      ...row.slice(1),
    ]);
    const expected = [
      ...Object.values(PROBLEM_CATALOG).flatMap((d) =>
        Object.entries(d.details).map(([variant, text]) => [
          detailKey(d, variant),
          text.en,
          text['zh-CN'],
        ]),
      ),
      ...Object.entries(SHARED_DETAILS).map(([name, text]) => [
        sharedDetailKey(name),
        text.en,
        text['zh-CN'],
      ]),
    ];
    expect(documented).toEqual(expected);
  });
});

describe("README.md's table of Problem codes", () => {
  const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8');

  it('lists every kind of the catalog with its code, status and type, nothing extra', () => {
    const documented = [...readme.matchAll(/^\| (\d{8}) +\| (\d{3}) +\| `\/problems\/([^`]+)`/gm)]
      .map(([, code, status, slug]) => `${code} ${status} ${slug}`)
      .sort();
    const expected = Object.values(PROBLEM_CATALOG)
      .map((d) => `${d.code} ${d.status} ${d.slug}`)
      .sort();
    expect(documented).toEqual(expected);
  });
});
