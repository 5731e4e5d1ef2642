/**
 * Writes the service's OpenAPI document, keys sorted, without a database or a
 * listener (see openapi-document.ts):
 *
 *   npm run client:export -- [--out libs/sessions-client/openapi.json]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { buildServedOpenApiDocument, stableJson } from './openapi-document';

const DEFAULT_OUT = 'libs/sessions-client/openapi.json';

function outPath(argv: string[]): string {
  const index = argv.indexOf('--out');
  if (index < 0) return resolve(DEFAULT_OUT);
  const out = argv[index + 1];
  if (!out) throw new Error('--out needs a file name');
  return resolve(out);
}

async function main(): Promise<void> {
  const out = outPath(process.argv.slice(2));
  const text = stableJson(await buildServedOpenApiDocument());
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  process.stdout.write(`OpenAPI document written to ${out}\n`);
}

main().then(
  // Timers of modules that were scanned but never started must not keep the export alive.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
