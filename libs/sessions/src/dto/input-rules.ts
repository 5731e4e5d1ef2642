import type { ValidationArguments, ValidationOptions } from 'class-validator';
import { customRule } from './custom-rules';

/**
 * The rules every text and time parameter of every route follows, whatever
 * carries it (path, query or body), so that what passes validation is exactly
 * what PostgreSQL stores or compares without an error:
 *
 * - text (`@BoundedText(max)`): a string, without U+0000 (PostgreSQL text
 *   cannot hold it) or an unpaired UTF-16 surrogate (no UTF-8 encoding exists:
 *   the driver would store U+FFFD instead), at most `max` code points (what
 *   `varchar(max)` counts; validator.js's `isLength` counts differently) and at
 *   most `4 * max` UTF-8 bytes (the column's storage bound);
 * - time (`@PgTimestamp()`): an RFC 3339 date-time with an explicit offset of
 *   at most ±15:59 (PostgreSQL refuses larger displacements) whose instant
 *   falls in the years 0001..9999 in UTC (what an ISO 8601 timestamp with a
 *   four-digit year can name, inside PostgreSQL's range).
 *
 * Each check is a rule of its own name, mapped to its documented field-error
 * code in `CODE_BY_CONSTRAINT` (@session-service/problem): `isText` a type, `storableText`
 * and `rfc3339` a format, `textLength` and `pgTimestampRange` a range.
 */

/** A named rule whose message names the field. */
const rule = (
  name: string,
  validate: (value: unknown) => boolean,
  message: (field: string) => string,
): PropertyDecorator =>
  customRule(name, validate, { message: (args: ValidationArguments) => message(args.property) });

/** The first check of every text and time rule: a string, or the `type` error. */
const isText = (): PropertyDecorator =>
  rule(
    'isText',
    (v) => typeof v === 'string',
    (f) => `${f} must be a string`,
  );

/** Applies rules in the order given: with `stopAtFirstError` the first failure is reported. */
function inOrder(...rules: PropertyDecorator[]): PropertyDecorator {
  return (target, propertyName) => {
    for (const r of rules) r(target, propertyName);
  };
}

const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Text PostgreSQL can hold as sent: no NUL, no unpaired surrogate. */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !UNPAIRED_SURROGATE.test(value);
}

/**
 * The storable-text rule of `@BoundedText` on its own (a value that is not a
 * string passes: its type is another rule's), for fields whose type and
 * length other rules check; `{ each: true }` for the items of an array.
 */
export function StorableText(options: ValidationOptions = {}): PropertyDecorator {
  return customRule('storableText', (v) => typeof v !== 'string' || isStorableText(v), {
    ...options,
    message: (args: ValidationArguments) =>
      `${args.property} must not contain NUL characters or unpaired surrogates`,
  });
}

/** Code points, as PostgreSQL counts the characters of a varchar. */
export function codePointLength(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

export interface BoundedTextOptions {
  /** UTF-8 bytes at most; default `4 * max`, what `varchar(max)` can take. */
  maxBytes?: number;
  /** The message of the length check; default `<field> must be at most <max> characters`. */
  message?: (field: string) => string;
}

/**
 * A text parameter stored in (or compared with) a `varchar(max)` column: a
 * string, storable (no NUL, no unpaired surrogate), at most `max` code points
 * and `maxBytes` UTF-8 bytes. Optionality (`@IsOptional`) and emptiness
 * (`@IsNotEmpty`) stay the field's own.
 */
export function BoundedText(max: number, options: BoundedTextOptions = {}): PropertyDecorator {
  const maxBytes = options.maxBytes ?? 4 * max;
  return inOrder(
    isText(),
    rule(
      'storableText',
      (v) => typeof v === 'string' && isStorableText(v),
      (f) => `${f} must not contain NUL characters or unpaired surrogates`,
    ),
    rule(
      'textLength',
      (v) =>
        typeof v === 'string' &&
        codePointLength(v) <= max &&
        Buffer.byteLength(v, 'utf8') <= maxBytes,
      options.message ?? ((f) => `${f} must be at most ${max} characters`),
    ),
  );
}

/** `YYYY-MM-DDTHH:MM:SS`, up to nine fraction digits and an offset (RFC 3339 section 5.6). */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/** The longest date-time `@PgTimestamp` accepts: nine fraction digits and a `+HH:MM` offset. */
export const PG_TIMESTAMP_MAX_LENGTH = 35;

/** Largest offset PostgreSQL accepts in a timestamptz literal, minutes (15:59). */
const MAX_OFFSET_MINUTES = 15 * 60 + 59;
const MIN_INSTANT = new Date('0001-01-01T00:00:00Z').getTime();
const MAX_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

interface ParsedTime {
  /** Milliseconds since the epoch (fraction digits past the third are dropped). */
  instant: number;
  offsetMinutes: number;
}

const isLeap = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** An RFC 3339 date-time with real calendar and clock fields, or undefined. */
function parseRfc3339(value: unknown): ParsedTime | undefined {
  if (typeof value !== 'string') return undefined;
  const m = RFC3339.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const offsetHours = m[9] === undefined ? 0 : Number(m[9]);
  const offsetMinutesPart = m[10] === undefined ? 0 : Number(m[10]);
  const days = month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1];
  if (month < 1 || month > 12 || day < 1 || day > days) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || offsetMinutesPart > 59) return undefined;
  const offsetMinutes = (m[8] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutesPart);
  const local = new Date(0);
  local.setUTCFullYear(year, month - 1, day);
  local.setUTCHours(hour, minute, second, Number((m[7] ?? '').padEnd(3, '0').slice(0, 3)));
  return { instant: local.getTime() - offsetMinutes * 60_000, offsetMinutes };
}

/** Whether `value` is a date-time `@PgTimestamp` accepts. */
export function isPgTimestamp(value: unknown): boolean {
  const parsed = parseRfc3339(value);
  return (
    parsed !== undefined &&
    Math.abs(parsed.offsetMinutes) <= MAX_OFFSET_MINUTES &&
    parsed.instant >= MIN_INSTANT &&
    parsed.instant <= MAX_INSTANT
  );
}

/** The instant of a date-time `@PgTimestamp` accepted, as `Date.prototype.toISOString` writes it. */
export function pgTimestampToIso(value: string): string {
  const parsed = parseRfc3339(value);
  if (!parsed) throw new TypeError('not an RFC 3339 date-time');
  return new Date(parsed.instant).toISOString();
}

/**
 * A time parameter compared with a `timestamptz` column: an RFC 3339
 * date-time with an offset (`format`), the offset within ±15:59 and the
 * instant within 0001-01-01T00:00:00Z..9999-12-31T23:59:59.999Z (`range`).
 */
export function PgTimestamp(): PropertyDecorator {
  return inOrder(
    isText(),
    rule(
      'rfc3339',
      (v) => parseRfc3339(v) !== undefined,
      (f) => `${f} must be an RFC 3339 date-time with a time zone, e.g. 2026-04-15T00:00:00Z`,
    ),
    rule(
      'pgTimestampRange',
      isPgTimestamp,
      (f) =>
        `${f} must have an offset within ±15:59 and lie between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z`,
    ),
  );
}
