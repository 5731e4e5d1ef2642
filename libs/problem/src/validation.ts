import { ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { FieldViolation } from './problem.dto';
import { ValidationFailedError } from './problem.errors';

/** class-validator constraint names grouped into the contract's violation codes. */
const CODE_BY_CONSTRAINT: Record<string, string> = {
  isDefined: 'required',
  isNotEmpty: 'required',
  arrayNotEmpty: 'required',
  isInt: 'type',
  isNumber: 'type',
  isString: 'type',
  isArray: 'type',
  isBoolean: 'type',
  isDateString: 'format',
  isIp: 'format',
  isUUID: 'format',
  matches: 'format',
  min: 'range',
  max: 'range',
  minLength: 'range',
  maxLength: 'range',
  arrayMaxSize: 'range',
  arrayUnique: 'unique',
  isIn: 'enum',
  isEnum: 'enum',
  whitelistValidation: 'unknown',
};

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
      // A rule may name its code in its validation context: `{ context: { code: 'range' } }`.
      const own = (error.contexts?.[constraint] as { code?: unknown } | undefined)?.code;
      const code = typeof own === 'string' ? own : (CODE_BY_CONSTRAINT[constraint] ?? constraint);
      violations.push({ field, code, description });
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
  validationError: { target: false, value: false },
  exceptionFactory: (errors) => new ValidationFailedError(toFieldViolations(errors)),
};

/** A ValidationPipe whose failures become `invalid-request` Problems naming each field. */
export function createProblemValidationPipe(): ValidationPipe {
  return new ValidationPipe(PROBLEM_VALIDATION_OPTIONS);
}
