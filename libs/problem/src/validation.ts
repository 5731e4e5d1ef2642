import { type ArgumentMetadata, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { FieldViolation, type FieldViolationCode } from './problem.dto';
import { echoedValue, ValidationFailedError } from './problem.errors';

/**
 * The one place a failed rule becomes a field-error code: every class-validator
 * constraint the DTOs use (built-in and custom, by name) maps to one of the
 * documented codes (`FIELD_VIOLATION_CODES`, docs/errors.md). `validation.spec.ts`
 * checks every constraint registered on a DTO is listed here.
 */
export const CODE_BY_CONSTRAINT: Readonly<Record<string, FieldViolationCode>> = {
  // missing or empty
  isDefined: 'required',
  isNotEmpty: 'required',
  arrayNotEmpty: 'required',
  // wrong JSON type
  isInt: 'type',
  isNumber: 'type',
  isString: 'type',
  isArray: 'type',
  isBoolean: 'type',
  isObject: 'type',
  isText: 'type',
  nestedValidation: 'type',
  // wrong form
  isDateString: 'format',
  rfc3339: 'format',
  isIp: 'format',
  isIpOrCidr: 'format',
  isUUID: 'format',
  isUuid: 'format',
  matches: 'format',
  storableText: 'format',
  arrayUnique: 'format',
  // out of bounds
  min: 'range',
  max: 'range',
  minLength: 'range',
  maxLength: 'range',
  textLength: 'range',
  pgTimestampRange: 'range',
  arrayMinSize: 'range',
  arrayMaxSize: 'range',
  // not an allowed value
  isIn: 'enum',
  isEnum: 'enum',
  // not allowed at all
  whitelistValidation: 'unknown',
  unknownValue: 'unknown',
};

/** The code of a failed constraint; a rule not listed above still answers a documented code. */
export function violationCode(constraint: string): FieldViolationCode {
  return Object.hasOwn(CODE_BY_CONSTRAINT, constraint) ? CODE_BY_CONSTRAINT[constraint] : 'format';
}

/** Flattens nested class-validator errors into one violation per failed rule, dotted paths. */
export function toFieldViolations(errors: ValidationError[], parent = ''): FieldViolation[] {
  const violations: FieldViolation[] = [];
  for (const error of errors) {
    const field = parent
      ? /^\d+$/.test(error.property)
        ? `${parent}[${error.property}]`
        : `${parent}.${error.property}`
      : error.property;
    for (const [constraint, description] of Object.entries(error.constraints ?? {})) {
      violations.push({
        field,
        code: violationCode(constraint),
        description,
        ...echoedValue(error.value),
      });
    }
    if (error.children?.length) violations.push(...toFieldViolations(error.children, field));
  }
  return violations;
}

export const PROBLEM_VALIDATION_OPTIONS: ValidationPipeOptions = {
  transform: true,
  whitelist: true,
  forbidUnknownValues: true,
  stopAtFirstError: true,
  validationError: { target: false, value: true },
  exceptionFactory: (errors) => new ValidationFailedError(toFieldViolations(errors)),
};

/** Values a ProblemValidationPipe produced: checked once, not again by the next one. */
const validated = new WeakSet<object>();

const MEMOIZED = Symbol('memoized validation');
/** Query strings remembered per query class; past this many, all are forgotten at once. */
const MAX_REMEMBERED_QUERIES = 256;
/** A longer query string is validated every time, and never kept. */
const MAX_REMEMBERED_QUERY_LENGTH = 1024;

/**
 * Marks a query class whose validation depends on the query string alone (no
 * clock, no configuration, no database): the validation pipe then validates
 * each distinct query string once, and gives later requests with the same
 * one a fresh copy of the same instance. For the busiest lists, whose pages
 * repeat the same few query strings, this saves class-transformer and
 * class-validator their work (and allocations) on every request. Every
 * property of the class must be a primitive (a copy is shallow); an invalid
 * query is refused every time, never remembered.
 */
export function MemoizedValidation(): ClassDecorator {
  return (target) => {
    Object.defineProperty(target, MEMOIZED, { value: new Map<string, object>() });
  };
}

function rememberedQueries(metatype: unknown): Map<string, object> | undefined {
  return typeof metatype === 'function'
    ? (metatype as { [MEMOIZED]?: Map<string, object> })[MEMOIZED]
    : undefined;
}

/** The key of a parsed query string (each value a string or a list of strings). */
function queryKey(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const key = JSON.stringify(value);
  return key.length <= MAX_REMEMBERED_QUERY_LENGTH ? key : undefined;
}

function copyOf<T extends object>(instance: T): T {
  const copy = Object.assign(
    Object.create(Object.getPrototypeOf(instance) as object) as T,
    instance,
  );
  validated.add(copy);
  return copy;
}

/**
 * Refuses a body that is not a JSON object (an array, a string, a number or a
 * boolean): a 400 naming `body` (`type`). Undefined and null pass, as a missing
 * body does.
 */
export function requireObjectBody(value: unknown): void {
  if (
    Array.isArray(value) ||
    (value !== undefined && value !== null && typeof value !== 'object')
  ) {
    throw ValidationFailedError.forField('body', 'type', 'The body must be a JSON object');
  }
}

/**
 * The parameters of a query given more than once (`?page=1&page=2`, which the
 * query parser makes a list) for a property of the query's class that takes
 * one value, by its declared type. A property the class does not declare is
 * left to the whitelist, and one of undeclared type to its own rules.
 */
function repeatedParameters(value: object, metatype: unknown): string[] {
  if (typeof metatype !== 'function') return [];
  const prototype = (metatype as { prototype: object }).prototype;
  return Object.keys(value).filter((key) => {
    if (!Array.isArray((value as Record<string, unknown>)[key])) return false;
    const type: unknown = Reflect.getMetadata('design:type', prototype, key);
    return type !== undefined && type !== Array;
  });
}

/**
 * A ValidationPipe whose failures become `invalid-request` Problems naming
 * each field. When it runs twice on one argument (globally with
 * `ProblemModule.forRoot({ global: true })` and again on a library
 * controller), the second run passes the first one's result through.
 */
export class ProblemValidationPipe extends ValidationPipe {
  constructor() {
    super(PROBLEM_VALIDATION_OPTIONS);
  }

  /**
   * Refuses `value` exactly as `transform` would, without making the value a
   * route receives: a remembered query string is valid as it is.
   */
  async check(value: unknown, metadata: ArgumentMetadata): Promise<void> {
    if (metadata.type === 'query') {
      const key = queryKey(value);
      if (key !== undefined && rememberedQueries(metadata.metatype)?.has(key)) return;
    }
    await this.transform(value, metadata);
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (typeof value === 'object' && value !== null && validated.has(value)) return value;
    // A DTO body (one Nest's pipe validates, `toValidate`) is one object: an array would be
    // validated item by item, as if each were the body.
    if (metadata.type === 'body' && this.toValidate(metadata)) requireObjectBody(value);
    const remembered = metadata.type === 'query' ? rememberedQueries(metadata.metatype) : undefined;
    const key = remembered && queryKey(value);
    if (key !== undefined) {
      const instance = remembered!.get(key);
      if (instance) return copyOf(instance);
    }
    if (metadata.type === 'query' && typeof value === 'object' && value !== null) {
      const repeated = repeatedParameters(value, metadata.metatype);
      if (repeated.length > 0) await this.refuseRepeated(value, repeated, metadata);
    }
    const result: unknown = await super.transform(value, metadata);
    if (typeof result !== 'object' || result === null) return result;
    validated.add(result);
    if (key === undefined) return result;
    if (remembered!.size >= MAX_REMEMBERED_QUERIES) remembered!.clear();
    remembered!.set(key, copyOf(result));
    return result;
  }

  /**
   * Refuses a query with repeated parameters: `type`, "page must be given
   * once", for each; the other parameters are still checked, so every bad
   * one is named at once (a violation is a top-level parameter: a query
   * string has no nested fields).
   */
  private async refuseRepeated(
    value: object,
    repeated: string[],
    metadata: ArgumentMetadata,
  ): Promise<never> {
    const entries = Object.entries(value);
    const violations: FieldViolation[] = entries
      .filter(([key]) => repeated.includes(key))
      .map(([field, given]) => ({
        field,
        code: 'type',
        description: `${field} must be given once`,
        ...echoedValue(given),
      }));
    const rest = Object.fromEntries(entries.filter(([key]) => !repeated.includes(key)));
    try {
      await super.transform(rest, metadata);
    } catch (error) {
      if (!(error instanceof ValidationFailedError)) throw error;
      // A repeated parameter left out here is not also missing.
      violations.push(
        ...error.violations.filter(({ field }) => field === undefined || !repeated.includes(field)),
      );
    }
    throw new ValidationFailedError(violations);
  }
}

/** A ValidationPipe whose failures become `invalid-request` Problems naming each field. */
export function createProblemValidationPipe(): ValidationPipe {
  return new ProblemValidationPipe();
}
