import { ValidationFailedError } from '@session-service/problem';
import { decodeFeedCursor, encodeFeedCursor, FEED_START } from './feed-cursor';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

function decodeError(cursor: string, field?: string): unknown {
  try {
    decodeFeedCursor(cursor, field);
  } catch (error) {
    return error;
  }
  throw new Error(`expected ${JSON.stringify(cursor)} to be refused`);
}

describe('feed cursor', () => {
  it.each([
    { xid: '0', id: '0' },
    { xid: '1', id: '1' },
    { xid: '734', id: '12' },
    { xid: '9007199254740993', id: '42' },
    { xid: '18446744073709551615', id: '9223372036854775807' },
    { xid: '18446744073709551615', id: '9223372036854775807' },
  ])('round-trips $xid:$id', (position) => {
    const cursor = encodeFeedCursor(position);
    expect(cursor).toMatch(/^v1\./);
    expect(decodeFeedCursor(cursor)).toEqual(position);
  });

  it('encodes different positions to different cursors', () => {
    expect(encodeFeedCursor({ xid: '1', id: '23' })).not.toBe(
      encodeFeedCursor({ xid: '12', id: '3' }),
    );
  });

  it('gives a URL-safe cursor', () => {
    for (let i = 0; i < 200; i++) {
      const position = { xid: String(i * 7919 + 62), id: String(i ** 3 + 63) };
      const cursor = encodeFeedCursor(position);
      expect(cursor).toMatch(/^[A-Za-z0-9._-]+$/);
      expect(encodeURIComponent(cursor)).toBe(cursor);
    }
    expect(encodeFeedCursor({ xid: '18446744073709551615', id: '18446744073709551615' })).toMatch(
      /^[A-Za-z0-9._-]+$/,
    );
  });

  it('starts the feed when no cursor is given', () => {
    expect(decodeFeedCursor(undefined)).toEqual({ xid: '0', id: '0' });
    expect(decodeFeedCursor('')).toEqual({ xid: '0', id: '0' });
    expect(decodeFeedCursor(undefined)).toBe(FEED_START);
    expect(FEED_START).toEqual({ xid: '0', id: '0' });
  });

  const valid = encodeFeedCursor({ xid: '5', id: '6' });

  it.each([
    ['a bare word', 'abc'],
    ['a payload that is not base64url', 'v1.!!!'],
    ['three parts', `v1.${b64('1:2:3')}`],
    ['one part', `v1.${b64('12')}`],
    ['an empty payload', 'v1.'],
    ['an empty id', `v1.${b64('1:')}`],
    ['an empty xid', `v1.${b64(':1')}`],
    ['a negative xid', `v1.${b64('-1:2')}`],
    ['a negative id', `v1.${b64('1:-2')}`],
    ['a leading zero', `v1.${b64('01:2')}`],
    ['a leading zero in the id', `v1.${b64('1:02')}`],
    ['a decimal point', `v1.${b64('1.5:2')}`],
    ['whitespace', `v1.${b64(' 1:2')}`],
    ['21 digits', `v1.${b64(`${'9'.repeat(21)}:1`)}`],
    ['a 200 character string', `v1.${'A'.repeat(197)}`],
    ['an unknown version', `v2.${valid.slice(3)}`],
    ['a missing version', valid.slice(3)],
    ['an upper-case prefix', `V1.${valid.slice(3)}`],
  ])('refuses %s', (_label, cursor) => {
    const error = decodeError(cursor);
    expect(error).toBeInstanceOf(ValidationFailedError);
    expect((error as ValidationFailedError).violations).toEqual([
      { field: 'after', code: 'format', description: expect.any(String), value: cursor },
    ]);
    expect((error as ValidationFailedError).getStatus()).toBe(400);
  });

  it('refuses an over-long cursor even when its payload decodes to a valid position', () => {
    // Buffer's base64url decoder stops at padding, so only the length limit rejects this one.
    const padded = `${valid}${'='.repeat(200 - valid.length)}`;
    expect(padded).toHaveLength(200);
    expect(Buffer.from(padded.slice(3), 'base64url').toString('utf8')).toBe('5:6');
    const error = decodeError(padded);
    expect(error).toBeInstanceOf(ValidationFailedError);
    expect((error as ValidationFailedError).violations).toEqual([
      { field: 'after', code: 'format', description: expect.any(String), value: padded },
    ]);
  });

  it('names the field it was given', () => {
    const error = decodeError('abc', 'cursor') as ValidationFailedError;
    expect(error).toBeInstanceOf(ValidationFailedError);
    expect(error.violations).toEqual([
      {
        field: 'cursor',
        code: 'format',
        description: expect.stringContaining('cursor'),
        value: 'abc',
      },
    ]);
    expect(error.violations[0]?.description).not.toContain('after');
  });

  it('names `after` by default in the description', () => {
    const error = decodeError('abc') as ValidationFailedError;
    expect(error.violations[0]?.description).toContain('after');
  });
});

describe('decodeFeedCursor accepts only the exact encoding', () => {
  it.each(['!!', '=AAAA'])('rejects a valid cursor with %j appended', (suffix) => {
    const cursor = encodeFeedCursor({ xid: '5', id: '6' });
    expect(() => decodeFeedCursor(cursor + suffix)).toThrow(ValidationFailedError);
  });
});

describe('decodeFeedCursor range', () => {
  it.each([
    ['a row id past the bigint range', { xid: '0', id: '9223372036854775808' }],
    ['an xid past the xid8 range', { xid: '18446744073709551616', id: '0' }],
  ])('rejects %s', (_name, position) => {
    expect(() => decodeFeedCursor(encodeFeedCursor(position))).toThrow(ValidationFailedError);
  });

  it('accepts the largest positions', () => {
    const position = { xid: '18446744073709551615', id: '9223372036854775807' };
    expect(decodeFeedCursor(encodeFeedCursor(position))).toEqual(position);
  });
});
