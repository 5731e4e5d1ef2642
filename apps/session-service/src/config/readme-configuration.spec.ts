import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import { loadConfig } from './app.config';
import { EnvironmentVariables, validateEnvironment } from './environment';

/**
 * The README's configuration table against the code: it lists every
 * environment variable the service reads and nothing else, and each default as
 * the code has it. A variable added to the code without a row (or a row left
 * behind after its variable went) fails here.
 */
const root = resolve(__dirname, '..', '..', '..', '..');

/**
 * Rows of the first table under `## Configuration`: variable → the default it
 * states (undefined for "none"); rows not in that form are listed in `problems`.
 */
function readmeTable(): { rows: Map<string, string | undefined>; problems: string[] } {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Configuration\n');
  if (start < 0) throw new Error('README.md has no "## Configuration" section');
  const next = readme.indexOf('\n## ', start + 1);
  const lines = readme.slice(start, next < 0 ? undefined : next).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const table: string[][] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break;
    // Cells split on `|` not escaped as `\|`.
    table.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
  }
  expect(table[0]).toEqual(['Variable', 'Default', 'Meaning']);
  expect(table[1].every((cell) => /^:?-+:?$/.test(cell))).toBe(true);
  const rows = new Map<string, string | undefined>();
  const problems: string[] = [];
  for (const [variable, defaultCell = '', meaning = ''] of table.slice(2)) {
    const name = /^`([A-Z][A-Z0-9_]*)`$/.exec(variable)?.[1];
    if (!name) {
      problems.push(`${variable}: one \`NAME\` per row`);
      continue;
    }
    if (rows.has(name)) problems.push(`${name}: listed twice`);
    if (!meaning) problems.push(`${name}: no meaning`);
    // The default: the value in the cell's leading backticks, or none.
    const value = /^none\b/.test(defaultCell) ? undefined : /^`([^`]*)`/.exec(defaultCell)?.[1];
    if (value === undefined && !/^none\b/.test(defaultCell)) {
      problems.push(`${name}: default is neither \`value\` nor none: ${defaultCell}`);
    }
    rows.set(name, value);
  }
  return { rows, problems };
}

/**
 * The variables the configuration reads, by name, as it reads them: loadConfig
 * runs on an empty environment that records every name asked for.
 */
function variablesReadByConfig(): Set<string> {
  const read = new Set<string>();
  const note = (key: string | symbol) => {
    if (typeof key === 'string') read.add(key);
  };
  const env: NodeJS.ProcessEnv = new Proxy(
    {},
    {
      get: (_target, key) => (note(key), undefined),
      has: (_target, key) => (note(key), false),
      getOwnPropertyDescriptor: (_target, key) => (note(key), undefined),
      ownKeys: () => {
        throw new Error('the configuration must read variables by name, not list the environment');
      },
    },
  );
  loadConfig(env);
  return read;
}

/** Every .ts file under `dir`, tests and installed packages (a workspace's own node_modules) left out. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !/\.(spec|e2e-spec)\.ts$/.test(e.name))
    .filter((e) => !/[\\/]node_modules([\\/]|$)/.test(e.parentPath))
    .map((e) => join(e.parentPath, e.name));
}

/**
 * Variables read anywhere else in the shipped code: `process.env.X`,
 * `process.env['X']`, `env.X`. Handing the whole environment over is allowed
 * only to the configuration (`loadConfig(process.env)`, `startService(process.env)`).
 */
function variablesReadInSources(): { names: Map<string, string>; otherUses: string[] } {
  const names = new Map<string, string>();
  const otherUses: string[] = [];
  for (const file of ['apps', 'libs'].flatMap((dir) => sources(join(root, dir)))) {
    const text = readFileSync(file, 'utf8');
    const where = relative(root, file);
    for (const m of text.matchAll(
      /\b(?:process\.)?env(?:\.([A-Z][A-Z0-9_]*)\b|\[\s*['"`]([A-Z][A-Z0-9_]*)['"`]\s*\])/g,
    )) {
      names.set(m[1] ?? m[2], where);
    }
    for (const m of text.matchAll(/process\.env\b(?!\.[A-Z]|\[\s*['"`])/g)) {
      const line = text.slice(text.lastIndexOf('\n', m.index) + 1, text.indexOf('\n', m.index));
      if (/^\s*(\*|\/\/)/.test(line)) continue; // a comment
      if (/\b(loadConfig|startService)\(process\.env\)/.test(line)) continue;
      otherUses.push(`${where}: ${line.trim()}`);
    }
  }
  return { names, otherUses };
}

describe('README configuration table', () => {
  const { rows: table, problems } = readmeTable();
  const readByConfig = variablesReadByConfig();
  const { names: readInSources, otherUses } = variablesReadInSources();
  const read = new Set([...readByConfig, ...readInSources.keys()]);

  it('has one `NAME` per row, each with a meaning and a default of `value` or none', () => {
    expect(problems).toEqual([]);
  });

  it('finds the variables the configuration reads (the check itself works)', () => {
    expect(readByConfig).toContain('PORT');
    expect(readByConfig).toContain('DATABASE_URL');
    expect(readByConfig.size).toBeGreaterThan(30);
  });

  it('the configuration reads every variable of the environment schema', () => {
    const declared = getMetadataStorage()
      .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
      .map((m) => m.propertyName);
    expect(declared.filter((name) => !readByConfig.has(name))).toEqual([]);
  });

  it('the shipped code reads the environment only by name or through the configuration', () => {
    expect(otherUses).toEqual([]);
  });

  it('lists every variable the service reads', () => {
    const missing = [...read].filter((name) => !table.has(name)).sort();
    expect(missing, 'read by the service, missing from the README table').toEqual([]);
  });

  it('lists no variable the service does not read', () => {
    const extra = [...table.keys()].filter((name) => !read.has(name)).sort();
    expect(extra, 'in the README table, never read by the service').toEqual([]);
  });

  it('states each default as the code has it (the empty environment)', () => {
    const defaults = validateEnvironment({}) as unknown as Record<
      string,
      string | number | undefined
    >;
    const wrong = [...table]
      .filter(([name]) => readByConfig.has(name))
      .map(([name, readme]) => {
        const actual = defaults[name] === undefined ? undefined : String(defaults[name]);
        return { name, readme, actual };
      })
      .filter(({ readme, actual }) => readme !== actual);
    expect(wrong).toEqual([]);
  });

  it('the empty environment is a working configuration (the defaults are usable)', () => {
    expect(() => loadConfig({})).not.toThrow();
  });
});
