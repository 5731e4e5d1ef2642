import { parseUserId, USER_ID_RULE } from './authenticated-user';

describe('parseUserId', () => {
  it.each([
    ['1', '1'],
    ['42', '42'],
    ['1001', '1001'],
    [String(Number.MAX_SAFE_INTEGER), '9007199254740991'],
  ])('accepts the canonical string %j', (input, expected) => {
    expect(parseUserId(input)).toBe(expected);
  });

  it.each([
    [1, '1'],
    [1001, '1001'],
    [Number.MAX_SAFE_INTEGER, '9007199254740991'],
  ])('accepts the safe integer number %p as its decimal string', (input, expected) => {
    expect(parseUserId(input)).toBe(expected);
  });

  it.each([
    '0',
    '00',
    '01',
    '-1',
    '+1',
    ' 1',
    '1 ',
    '1\n',
    '1.0',
    '1e3',
    '0x10',
    '1_000',
    '１２', // full-width digits
    '',
    'abc',
    '9007199254740992',
    '9999999999999999',
    '10000000000000000',
  ])('rejects the string %j', (input) => {
    expect(parseUserId(input)).toBeUndefined();
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1, 1e21])(
    'rejects the number %p',
    (input) => {
      expect(parseUserId(input)).toBeUndefined();
    },
  );

  it.each([undefined, null, true, {}, ['1'], BigInt(1)])('rejects the non-string %p', (input) => {
    expect(parseUserId(input)).toBeUndefined();
  });

  it('documents the rule with the largest id', () => {
    expect(USER_ID_RULE).toContain(String(Number.MAX_SAFE_INTEGER));
  });
});
