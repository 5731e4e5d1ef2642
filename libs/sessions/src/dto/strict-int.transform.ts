import { Transform } from 'class-transformer';

/**
 * Query strings are text: only plain decimal integers without leading zeros
 * (a minus sign allowed) become numbers, so "1.5", "1e3", " 2", "007", "0x10",
 * "-0" or a repeated parameter stay invalid and fail `@IsInt` instead of being
 * coerced, and "-5" fails the range rule that names the bounds. An integer of
 * any length is one: "99999999999999999999" fails the range rule too (as a
 * number past `Number.MAX_VALUE` does, kept at `±Number.MAX_VALUE`), and its
 * violation echoes no value, since the number is not the one sent (`echoedValue`).
 */
export function StrictInt(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => {
    if (typeof value !== 'string' || !/^(0|-?[1-9][0-9]*)$/.test(value)) return value;
    const number = Number(value);
    return Number.isFinite(number) ? number : Math.sign(number) * Number.MAX_VALUE;
  });
}
