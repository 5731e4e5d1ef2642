import { Transform } from 'class-transformer';

/**
 * Query strings are text: only plain decimal integers without leading zeros
 * (a minus sign allowed) become numbers, so "1.5", "1e3", " 2", "007", "0x10",
 * "-0" or a repeated parameter stay invalid and fail `@IsInt` instead of being
 * coerced, and "-5" fails the range rule that names the bounds.
 */
export function StrictInt(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^(0|-?[1-9][0-9]{0,15})$/.test(value) ? Number(value) : value,
  );
}
