import { Transform } from 'class-transformer';

/**
 * Query strings are text: only plain decimal digits become numbers, so "1.5",
 * "1e3", " 2", "0x10" or a repeated parameter stay invalid and fail `@IsInt`
 * instead of being coerced.
 */
export function StrictInt(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^[0-9]{1,16}$/.test(value) ? Number(value) : value,
  );
}
