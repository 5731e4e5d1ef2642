import { isDatabaseUnavailable, isStatementTimeout } from './database-errors';

describe('isDatabaseUnavailable', () => {
  it.each([
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EPIPE',
    'ENOTFOUND',
    'EHOSTUNREACH',
    'EAI_AGAIN',
  ])('recognises the network code %s', (code) => {
    expect(isDatabaseUnavailable({ code })).toBe(true);
  });

  it.each([
    ['08006', 'connection_failure'],
    ['08001', 'sqlclient_unable_to_establish_sqlconnection'],
    ['53300', 'too_many_connections'],
    ['57P01', 'admin_shutdown'],
    ['57P03', 'cannot_connect_now'],
  ])('recognises SQLSTATE %s (%s)', (code) => {
    expect(isDatabaseUnavailable({ code })).toBe(true);
  });

  it.each([
    ['42P01', 'undefined_table'],
    ['23505', 'unique_violation'],
    ['22P02', 'invalid_text_representation'],
    ['40001', 'serialization_failure'],
  ])('does not treat SQLSTATE %s (%s) as unavailability', (code) => {
    expect(isDatabaseUnavailable({ code })).toBe(false);
  });

  it.each([
    'timeout exceeded when trying to connect',
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'Query read timeout',
    'Client has encountered a connection error and is not queryable',
    'Cannot use a pool after calling end on the pool',
  ])('recognises the pg message %j', (message) => {
    expect(isDatabaseUnavailable(new Error(message))).toBe(true);
  });

  it('looks into a TypeORM driverError', () => {
    expect(isDatabaseUnavailable({ driverError: { code: '57P01' } })).toBe(true);
    expect(isDatabaseUnavailable({ message: 'Query failed', driverError: { code: '23505' } })).toBe(
      false,
    );
  });

  it('looks into an error cause', () => {
    expect(isDatabaseUnavailable(new Error('wrapped', { cause: { code: 'ECONNREFUSED' } }))).toBe(
      true,
    );
  });

  it('stops after a few levels of nesting', () => {
    const nest = (levels: number): unknown =>
      levels === 0 ? { code: 'ECONNREFUSED' } : { cause: nest(levels - 1) };
    expect(isDatabaseUnavailable(nest(3))).toBe(true);
    expect(isDatabaseUnavailable(nest(4))).toBe(false);
  });

  it('survives a cyclic cause chain', () => {
    const error: { cause?: unknown; message: string } = { message: 'loop' };
    error.cause = error;
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'ECONNREFUSED'],
    ['a number', 8006],
    ['a plain Error', new Error('select * from secret')],
    ['a numeric code', { code: 8006 }],
    ['an unrelated Node code', { code: 'ERR_INVALID_ARG_TYPE' }],
  ])('returns false for %s', (_label, value) => {
    expect(isDatabaseUnavailable(value)).toBe(false);
  });
});

describe('a database too busy to answer in time', () => {
  it('treats SQLSTATE 55P03 (lock not available) as unavailability', () => {
    expect(isDatabaseUnavailable({ code: '55P03' })).toBe(true);
    expect(isDatabaseUnavailable({ driverError: { code: '55P03' } })).toBe(true);
  });

  it('does not match codes that merely start like them', () => {
    expect(isDatabaseUnavailable({ code: '570140' })).toBe(false);
    expect(isDatabaseUnavailable({ code: '55P04' })).toBe(false);
  });
});

describe('a statement cancelled by statement_timeout (SQLSTATE 57014)', () => {
  it('is a statement timeout, not an outage', () => {
    for (const error of [
      { code: '57014' },
      { driverError: { code: '57014' } },
      { cause: { driverError: { code: '57014' } } },
    ]) {
      expect(isStatementTimeout(error)).toBe(true);
      expect(isDatabaseUnavailable(error)).toBe(false);
    }
  });

  it('matches nothing else', () => {
    for (const error of [{ code: '570140' }, { code: '57P01' }, { code: 57014 }, null, 'x']) {
      expect(isStatementTimeout(error)).toBe(false);
    }
  });
});
