import { ProblemValidationPipe, ValidationFailedError } from '@session-service/problem';
import { SessionEventsQuery, UserEventsQuery } from './dto/session-events.query';
import {
  decodeEventCursor,
  encodeEventCursor,
  EVENT_CURSOR_MAX_LENGTH,
  type EventPosition,
} from './event-cursor';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

function refusal(cursor: string): ValidationFailedError {
  try {
    decodeEventCursor(cursor);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationFailedError);
    return error as ValidationFailedError;
  }
  throw new Error(`expected ${JSON.stringify(cursor)} to be refused`);
}

describe('audit trail cursor', () => {
  it.each<EventPosition>([
    { micros: '0', id: '1' },
    { micros: '1796207752715123', id: '42' },
    { micros: '253402300799999999', id: '9223372036854775807' },
    { micros: '-62135596800000000', id: '7' },
  ])('round-trips $micros:$id, URL-safe and within the documented length', (position) => {
    const cursor = encodeEventCursor(position);
    expect(cursor).toMatch(/^e1\.[A-Za-z0-9_-]+$/);
    expect(cursor.length).toBeLessThanOrEqual(EVENT_CURSOR_MAX_LENGTH);
    expect(decodeEventCursor(cursor)).toEqual(position);
  });

  it('refuses every cursor with one character changed, naming the cursor field', () => {
    const cursor = encodeEventCursor({ micros: '1796207752715123', id: '4711' });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.';
    for (let i = 0; i < cursor.length; i++) {
      for (const c of alphabet) {
        if (c === cursor[i]) continue;
        const changed = cursor.slice(0, i) + c + cursor.slice(i + 1);
        const error = refusal(changed);
        expect(error.violations).toEqual([
          expect.objectContaining({ field: 'cursor', code: 'format' }),
        ]);
      }
    }
  });

  it.each([
    ['no prefix', b64('1:2:abcdefgh')],
    ['another list’s cursor', 'k1.' + b64('2026-01-01 00:00:00+00|x')],
    ['a forged position without its check', 'e1.' + b64('1796207752715123:4711')],
    ['a forged check', 'e1.' + b64('1796207752715123:4711:AAAAAAAA')],
    ['an id of 0', 'e1.' + b64('5:0:xxxxxxxx')],
    ['an id past bigint', encodeEventCursor({ micros: '5', id: '9223372036854775808' })],
    ['leading zeros', encodeEventCursor({ micros: '05', id: '1' })],
    ['a fraction', encodeEventCursor({ micros: '5.5', id: '1' })],
    ['too long', 'e1.' + 'A'.repeat(EVENT_CURSOR_MAX_LENGTH)],
    ['empty', ''],
  ])('refuses %s', (_label, cursor) => {
    refusal(cursor);
  });
});

describe('audit trail filters', () => {
  const pipe = new ProblemValidationPipe();
  const parse = (
    raw: Record<string, unknown>,
    metatype: typeof UserEventsQuery = SessionEventsQuery,
  ) => pipe.transform(raw, { type: 'query', metatype });
  const fieldsRefused = async (raw: Record<string, unknown>): Promise<(string | undefined)[]> => {
    try {
      await parse(raw);
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationFailedError);
      return (error as ValidationFailedError).violations.map((v) => v.field);
    }
    throw new Error(`expected ${JSON.stringify(raw)} to be refused`);
  };

  it('takes every filter in its text form, with limit 100 by default', async () => {
    const query = (await parse({
      user_id: '1001',
      session_id: '3F1E9C2A-7B4D-4E8A-9C1F-2A6B5D4E3F10',
      type: 'evicted',
      initiator: 'policy',
      since: '2026-04-15T00:00:00+02:00',
      until: '2026-04-16T00:00:00Z',
    })) as SessionEventsQuery;
    expect(query).toMatchObject({
      user_id: 1001,
      type: 'evicted',
      initiator: 'policy',
      limit: 100,
    });
    expect(await parse({ limit: '1000' })).toMatchObject({ limit: 1000 });
  });

  it.each([
    [{ type: 'deleted' }, 'type'],
    [{ type: 'REVOKED' }, 'type'],
    [{ initiator: 'robot' }, 'initiator'],
    [{ user_id: '0' }, 'user_id'],
    [{ user_id: '007' }, 'user_id'],
    [{ user_id: '1.5' }, 'user_id'],
    [{ session_id: 'not-a-uuid' }, 'session_id'],
    [{ since: 'yesterday' }, 'since'],
    [{ since: '2026-04-15' }, 'since'],
    [{ until: '2026-02-30T00:00:00Z' }, 'until'],
    [{ limit: '0' }, 'limit'],
    [{ limit: '1001' }, 'limit'],
    [{ limit: 'ten' }, 'limit'],
    [{ cursor: 'x'.repeat(EVENT_CURSOR_MAX_LENGTH + 1) }, 'cursor'],
  ])('refuses %j naming %s', async (raw, field) => {
    expect(await fieldsRefused(raw)).toEqual([field]);
  });

  it('has no user_id filter on one user’s list (the path names the user)', async () => {
    const query = (await pipe.transform(
      { type: 'created' },
      { type: 'query', metatype: UserEventsQuery },
    )) as UserEventsQuery & { user_id?: number };
    expect(query.user_id).toBeUndefined();
    expect(query.type).toBe('created');
  });
});
