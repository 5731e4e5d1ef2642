import { Transform } from 'class-transformer';

/**
 * Query strings are text: only plain decimal digits without leading zeros
 * become numbers, so "1.5", "1e3", " 2", "007", "0x10" or a repeated parameter stay invalid and fail `@IsInt`
 * instead of being coerced.
 */
export function StrictInt(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^(0|[1-9][0-9]{0,15})$/.test(value) ? Number(value) : value,
  );
}
