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
