import { registerDecorator, type ValidationOptions } from 'class-validator';

/** A property rule from a plain predicate, so a custom check is one line at its use. */
export function customRule(
  name: string,
  validate: (value: unknown) => boolean,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: { validate },
    });
}

/**
 * At most `max` characters as PostgreSQL's varchar counts them (code points).
 * validator.js's length check skips variation selectors, so a string it accepts
 * could still overflow the column.
 */
export function MaxChars(max: number, options?: ValidationOptions): PropertyDecorator {
  return customRule('maxChars', (v) => typeof v === 'string' && [...v].length <= max, options);
}

/** No NUL character: PostgreSQL text cannot store one. */
export function NoNul(options?: ValidationOptions): PropertyDecorator {
  return customRule('noNul', (v) => typeof v === 'string' && !v.includes('\u0000'), options);
}
