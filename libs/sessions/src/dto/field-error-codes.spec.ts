import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { CODE_BY_CONSTRAINT, FIELD_VIOLATION_CODES, violationCode } from '@session-service/problem';

/**
 * Every rule a request DTO declares (built-in or custom, read from
 * class-validator's registry after loading every module of this folder) maps
 * to one of the documented field-error codes, listed in CODE_BY_CONSTRAINT
 * rather than left to the fallback. A new validator without a mapping fails here.
 */

/** The name a failed rule is reported under (`ValidationError.constraints` key). */
function constraintName(metadata: ValidationMetadata): string | undefined {
  if (metadata.type === 'conditionalValidation') return undefined; // @IsOptional: never fails
  if (metadata.type === 'customValidation') return metadata.name;
  return metadata.type;
}

describe('field-error codes of the request DTOs', () => {
  const used = new Map<string, string[]>();

  beforeAll(async () => {
    const folder = __dirname;
    const modules = readdirSync(folder).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
    const loaded = await Promise.all(modules.map((f) => import(join(folder, f))));
    const classes = loaded.flatMap((m) =>
      Object.values(m as Record<string, unknown>).filter((v) => typeof v === 'function'),
    );
    const storage = getMetadataStorage() as unknown as {
      validationMetadatas: Map<unknown, ValidationMetadata[]>;
    };
    for (const target of classes) {
      for (const metadata of storage.validationMetadatas.get(target) ?? []) {
        const name = constraintName(metadata);
        if (!name) continue;
        const where = `${(target as { name: string }).name}.${metadata.propertyName}`;
        used.set(name, [...(used.get(name) ?? []), where]);
      }
    }
    // Added by the validation pipe's options (whitelist, forbidUnknownValues), not by a decorator.
    used.set('whitelistValidation', ['any request DTO (unknown member)']);
    used.set('unknownValue', ['any request DTO (not an object)']);
  });

  it('finds the DTO rules, custom ones included', () => {
    for (const name of [
      'isInt',
      'min',
      'max',
      'isIn',
      'isIpOrCidr',
      'isText',
      'storableText',
      'textLength',
      'rfc3339',
      'pgTimestampRange',
    ]) {
      expect([...used.keys()]).toContain(name);
    }
  });

  it('maps every rule a DTO uses to a documented code, in the table', () => {
    const unmapped = [...used].filter(([name]) => !Object.hasOwn(CODE_BY_CONSTRAINT, name));
    expect(unmapped).toEqual([]);
    for (const name of used.keys()) expect(FIELD_VIOLATION_CODES).toContain(violationCode(name));
  });

  it('lists only documented codes in the table', () => {
    for (const code of Object.values(CODE_BY_CONSTRAINT))
      expect(FIELD_VIOLATION_CODES).toContain(code);
  });

  it('lists each code in docs/errors.md with every rule that answers it', () => {
    const markdown = readFileSync(join(__dirname, '../../../../docs/errors.md'), 'utf8');
    const section = markdown.slice(markdown.indexOf('\n## Field errors\n'));
    const rows = section
      .slice(0, section.indexOf('\n## ', 1))
      .split('\n')
      .filter((line) => /^\| `/.test(line))
      .map((line) => line.split('|').map((cell) => cell.trim()));
    const documented = Object.fromEntries(
      rows.map((cells) => [cells[1].replace(/`/g, ''), cells[3]]),
    );
    expect(Object.keys(documented)).toEqual([...FIELD_VIOLATION_CODES]);
    for (const [constraint, code] of Object.entries(CODE_BY_CONSTRAINT)) {
      expect(documented[code], constraint).toContain(`\`${constraint}\``);
    }
  });
});
