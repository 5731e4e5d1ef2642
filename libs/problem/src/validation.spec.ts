import type { ArgumentMetadata } from '@nestjs/common';
import { IsString, ValidateBy, ValidationError } from 'class-validator';
import { ListUserSessionsQuery } from '@session-service/sessions/dto/list-user-sessions.query';
import { ValidationFailedError } from './problem.errors';
import { createProblemValidationPipe, MemoizedValidation, toFieldViolations } from './validation';

function validationError(
  property: string,
  constraints?: Record<string, string>,
  children: ValidationError[] = [],
): ValidationError {
  return Object.assign(new ValidationError(), { property, constraints, children });
}

describe('toFieldViolations', () => {
  it('returns nothing for no errors', () => {
    expect(toFieldViolations([])).toEqual([]);
  });

  it('maps class-validator constraints to the contract codes', () => {
    const violations = toFieldViolations([
      validationError('page', { isInt: 'page must be an integer' }),
      validationError('page_size', { max: 'too big' }),
      validationError('username', { isNotEmpty: 'username must not be empty' }),
      validationError('ip', { isIp: 'ip must be an address' }),
      validationError('device_type', { isIn: 'device_type must be one of' }),
      validationError('extra', { whitelistValidation: 'property extra should not exist' }),
      validationError('amr', { arrayUnique: 'amr must not repeat' }),
    ]);
    expect(violations).toEqual([
      { field: 'page', code: 'type', description: 'page must be an integer' },
      { field: 'page_size', code: 'range', description: 'too big' },
      { field: 'username', code: 'required', description: 'username must not be empty' },
      { field: 'ip', code: 'format', description: 'ip must be an address' },
      { field: 'device_type', code: 'enum', description: 'device_type must be one of' },
      { field: 'extra', code: 'unknown', description: 'property extra should not exist' },
      { field: 'amr', code: 'format', description: 'amr must not repeat' },
    ]);
  });

  it('answers a documented code, never the validator name, for a rule not in the table', () => {
    expect(toFieldViolations([validationError('x', { isLatLong: 'bad' })])).toEqual([
      { field: 'x', code: 'format', description: 'bad' },
    ]);
  });

  it('maps the custom rules of the DTOs, whose names are not codes', () => {
    const violations = toFieldViolations([
      validationError('ip', { isIpOrCidr: 'ip!' }),
      validationError('active_since', { rfc3339: 'active_since!' }),
      validationError('active_since', { pgTimestampRange: 'active_since!' }),
      validationError('username', { textLength: 'username!' }),
      validationError('geoip', { storableText: 'geoip!' }),
      validationError('reason', { isText: 'reason!' }),
    ]);
    expect(violations.map((v) => v.code)).toEqual([
      'format',
      'format',
      'range',
      'range',
      'format',
      'type',
    ]);
  });

  it('carries the refused value when it was sent and is short', () => {
    const withValue = (value: unknown) =>
      toFieldViolations([Object.assign(validationError('x', { isInt: 'x!' }), { value })])[0];
    expect(withValue('1.5')).toEqual({ field: 'x', code: 'type', description: 'x!', value: '1.5' });
    expect(withValue(['a', 'b']).value).toEqual(['a', 'b']);
    expect(withValue(0).value).toBe(0);
    expect(withValue(null).value).toBeNull();
    expect(withValue(undefined)).not.toHaveProperty('value');
    expect(withValue('y'.repeat(300))).not.toHaveProperty('value');
  });

  it('emits one violation per failed constraint', () => {
    const violations = toFieldViolations([
      validationError('page_size', { isInt: 'not an integer', min: 'too small' }),
    ]);
    expect(violations.map((v) => v.code)).toEqual(['type', 'range']);
    expect(violations.every((v) => v.field === 'page_size')).toBe(true);
  });

  it('flattens nested children into dotted and indexed paths', () => {
    const violations = toFieldViolations([
      validationError('device', undefined, [
        validationError('os', undefined, [validationError('name', { isString: 'name!' })]),
      ]),
      validationError('amr', undefined, [
        validationError('0', { isIn: 'amr[0]!' }),
        validationError('2', { isString: 'amr[2]!' }),
      ]),
      validationError('items', undefined, [
        validationError('1', undefined, [validationError('id', { isUUID: 'id!' })]),
      ]),
    ]);
    expect(violations).toEqual([
      { field: 'device.os.name', code: 'type', description: 'name!' },
      { field: 'amr[0]', code: 'enum', description: 'amr[0]!' },
      { field: 'amr[2]', code: 'type', description: 'amr[2]!' },
      { field: 'items[1].id', code: 'format', description: 'id!' },
    ]);
  });

  it('reports the parent constraint before its children', () => {
    const violations = toFieldViolations([
      validationError('address', { isDefined: 'address!' }, [
        validationError('city', { isString: 'city!' }),
      ]),
    ]);
    expect(violations.map((v) => v.field)).toEqual(['address', 'address.city']);
    expect(violations[0].code).toBe('required');
  });
});

describe('createProblemValidationPipe with ListUserSessionsQuery', () => {
  const pipe = createProblemValidationPipe();
  const metadata: ArgumentMetadata = { type: 'query', metatype: ListUserSessionsQuery };

  const transform = (query: Record<string, unknown>): Promise<unknown> =>
    pipe.transform(query, metadata) as Promise<unknown>;

  async function rejection(query: Record<string, unknown>): Promise<ValidationFailedError> {
    try {
      await transform(query);
    } catch (error) {
      if (error instanceof ValidationFailedError) return error;
      throw error;
    }
    throw new Error(`expected ${JSON.stringify(query)} to be rejected`);
  }

  it('applies the defaults page 1 and page_size 20', async () => {
    const result = await transform({});
    expect(result).toBeInstanceOf(ListUserSessionsQuery);
    expect(result).toEqual({ page: 1, page_size: 20 });
  });

  it('turns plain decimal strings into numbers', async () => {
    expect(await transform({ page: '3', page_size: '100' })).toEqual({ page: 3, page_size: 100 });
    expect(await transform({ page: '1000000', page_size: '1' })).toEqual({
      page: 1_000_000,
      page_size: 1,
    });
  });

  it('drops unknown query parameters', async () => {
    expect(await transform({ page: '2', sort: 'desc' })).toEqual({ page: 2, page_size: 20 });
  });

  it.each([
    ['0', 'page_size must be between 1 and 100'],
    ['101', 'page_size must be between 1 and 100'],
    ['-1', 'page_size must be between 1 and 100'],
  ])('rejects the out-of-range page_size=%j with one range violation', async (value, message) => {
    const error = await rejection({ page_size: value });
    expect(error.getStatus()).toBe(400);
    expect(error.violations).toEqual([
      { field: 'page_size', code: 'range', description: message, value: Number(value) },
    ]);
  });

  // Only the field and the count are pinned for non-integers: with stopAtFirstError the
  // Max rule (declared last, so registered first) reports before IsInt, see the report.
  it.each(['1.5', '1e1', ' 2', '2 ', 'abc', '-0', '0x10', '', '１'])(
    'rejects the non-integer page_size=%j with exactly one violation',
    async (value) => {
      const error = await rejection({ page_size: value });
      expect(error.getStatus()).toBe(400);
      expect(error.violations).toHaveLength(1);
      expect(error.violations[0].field).toBe('page_size');
      expect(error.violations[0].code).toBe('type');
    },
  );

  it.each(['1.5', '1e1', ' 2', 'abc', '007'])('rejects the non-integer page=%j', async (value) => {
    const error = await rejection({ page: value });
    expect(error.violations).toEqual([
      { field: 'page', code: 'type', description: 'page must be an integer', value },
    ]);
  });

  it('reports an out-of-range integer as a range violation', async () => {
    const error = await rejection({ page_size: '101' });
    expect(error.violations).toEqual([
      {
        field: 'page_size',
        code: 'range',
        description: 'page_size must be between 1 and 100',
        value: 101,
      },
    ]);
  });

  it('rejects a repeated parameter (an array) as given more than once', async () => {
    const error = await rejection({ page: ['1', '2'] });
    expect(error.violations).toEqual([
      { field: 'page', code: 'type', description: 'page must be given once', value: ['1', '2'] },
    ]);
  });

  it('rejects a repeated parameter even when each value is valid on its own', async () => {
    const error = await rejection({ page_size: ['10', '10'] });
    expect(error.violations).toEqual([
      expect.objectContaining({ field: 'page_size', description: 'page_size must be given once' }),
    ]);
  });

  it('names the other bad parameters beside a repeated one', async () => {
    const error = await rejection({ page: ['1', '2'], page_size: '0' });
    expect(error.violations.map(({ field, code }) => [field, code])).toEqual([
      ['page', 'type'],
      ['page_size', 'range'],
    ]);
    expect(error.message).toContain('page must be given once');
  });

  it('drops a repeated parameter the query does not declare, as any unknown one', async () => {
    await expect(transform({ page: '2', other: ['a', 'b'] })).resolves.toEqual(
      Object.assign(new ListUserSessionsQuery(), { page: 2 }),
    );
  });

  it.each([
    ['99999999999999999999', 'page must be at most 1000000'],
    ['1'.repeat(400), 'page must be at most 1000000'],
    ['-99999999999999999999', 'page must be at least 1'],
  ])(
    'rejects the integer page=%s, too long for a number, as out of range, echoing no value',
    async (value, description) => {
      const error = await rejection({ page: value });
      expect(error.violations).toEqual([{ field: 'page', code: 'range', description }]);
    },
  );

  it('rejects a page beyond the maximum', async () => {
    const error = await rejection({ page: '1000001' });
    expect(error.violations).toEqual([
      { field: 'page', code: 'range', description: 'page must be at most 1000000', value: 1000001 },
    ]);
  });

  it('names every bad field, one violation each', async () => {
    const error = await rejection({ page: '0', page_size: 'abc' });
    expect(error.violations.map((v) => v.field).sort()).toEqual(['page', 'page_size']);
    expect(error.violations.find((v) => v.field === 'page')).toEqual({
      field: 'page',
      code: 'range',
      description: 'page must be at least 1',
      value: 0,
    });
    expect(error.detail).toContain('page must be at least 1');
    expect(error.detail).toContain('page_size must be');
  });

  it('uses the described messages', async () => {
    const error = await rejection({ page_size: '101' });
    expect(error.violations[0].description).toBe('page_size must be between 1 and 100');
  });
});

describe('MemoizedValidation', () => {
  let validations = 0;

  @MemoizedValidation()
  class CountedQuery {
    @ValidateBy(
      {
        name: 'counted',
        validator: {
          validate: (value: unknown) => {
            validations++;
            return value !== 'bad';
          },
        },
      },
      { message: 'tag is bad' },
    )
    tag: string = 'none';
  }

  class PlainQuery {
    @IsString()
    tag: string = 'none';
  }

  const pipe = createProblemValidationPipe();
  const query = (metatype: unknown, value: unknown, type: ArgumentMetadata['type'] = 'query') =>
    pipe.transform(value, { type, metatype } as ArgumentMetadata) as Promise<
      Record<string, unknown>
    >;

  beforeEach(() => {
    validations = 0;
  });

  it('validates a query string once, and answers it again with a fresh copy', async () => {
    const first = await query(CountedQuery, { tag: 'a' });
    const second = await query(CountedQuery, { tag: 'a' });
    expect(validations).toBe(1);
    expect(second).toBeInstanceOf(CountedQuery);
    expect(second).toEqual({ tag: 'a' });
    expect(second).not.toBe(first);
    second.tag = 'changed';
    expect(await query(CountedQuery, { tag: 'a' })).toEqual({ tag: 'a' });
    expect(await query(CountedQuery, { tag: 'b' })).toEqual({ tag: 'b' });
    expect(validations).toBe(2);
  });

  it('refuses an invalid query every time, never remembering it', async () => {
    for (let i = 0; i < 2; i++) {
      await expect(query(CountedQuery, { tag: 'bad' })).rejects.toBeInstanceOf(
        ValidationFailedError,
      );
    }
    expect(validations).toBe(2);
  });

  it('validates long query strings, bodies and unmarked classes every time', async () => {
    const long = { tag: 'x'.repeat(2000) };
    await query(CountedQuery, long);
    await query(CountedQuery, long);
    await query(CountedQuery, { tag: 'c' }, 'body');
    await query(CountedQuery, { tag: 'c' }, 'body');
    expect(validations).toBe(4);
    await expect(query(PlainQuery, { tag: ['x', 'y'] })).rejects.toBeInstanceOf(
      ValidationFailedError,
    );
    expect(await query(PlainQuery, { tag: 'x' })).toEqual({ tag: 'x' });
  });

  it('keeps a bounded number of query strings', async () => {
    for (let i = 0; i < 600; i++) await query(CountedQuery, { tag: `t${i}` });
    validations = 0;
    await query(CountedQuery, { tag: 't599' });
    expect(validations).toBe(0);
    await query(CountedQuery, { tag: 't0' });
    expect(validations).toBe(1);
  });
});

describe('createProblemValidationPipe with a query that takes a list', () => {
  class TaggedQuery {
    @IsString({ each: true })
    tag!: string[];

    @IsString()
    sort!: string;
  }
  const pipe = createProblemValidationPipe();
  const metadata: ArgumentMetadata = { type: 'query', metatype: TaggedQuery };

  it('accepts a repeated parameter its class declares as a list', async () => {
    await expect(pipe.transform({ tag: ['a', 'b'], sort: 'x' }, metadata)).resolves.toEqual(
      Object.assign(new TaggedQuery(), { tag: ['a', 'b'], sort: 'x' }),
    );
  });

  it('refuses a repeated parameter its class declares as one value', async () => {
    const error = (await pipe
      .transform({ tag: ['a'], sort: ['x', 'y'] }, metadata)
      .catch((e: unknown) => e)) as ValidationFailedError;
    expect(error).toBeInstanceOf(ValidationFailedError);
    expect(error.violations).toEqual([
      { field: 'sort', code: 'type', description: 'sort must be given once', value: ['x', 'y'] },
    ]);
  });
});

describe('createProblemValidationPipe with a DTO body', () => {
  class NamedBody {
    @IsString()
    name!: string;
  }
  const pipe = createProblemValidationPipe();
  const body = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({
    type: 'body',
    metatype,
  });

  it.each([[[{ name: 'a' }]], ['a'], [3], [true]])(
    'refuses %j as a body that is not a JSON object, naming body',
    async (value) => {
      const error = (await pipe.transform(value, body(NamedBody)).catch((e: unknown) => e)) as
        ValidationFailedError | undefined;
      expect(error).toBeInstanceOf(ValidationFailedError);
      expect(error!.violations).toEqual([
        { field: 'body', code: 'type', description: 'The body must be a JSON object' },
      ]);
    },
  );

  it('validates an object body as before', async () => {
    await expect(pipe.transform({ name: 'a' }, body(NamedBody))).resolves.toEqual({ name: 'a' });
  });

  it('leaves a body declared as a plain type alone', async () => {
    await expect(pipe.transform([1, 2], body(Object))).resolves.toEqual([1, 2]);
    await expect(pipe.transform('a', body(String))).resolves.toBe('a');
  });
});
