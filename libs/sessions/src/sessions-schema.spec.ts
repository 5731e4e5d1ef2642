import { SESSIONS_ENTITIES } from './entities';
import { SESSIONS_MIGRATIONS, sessionsMigrations } from './migrations';
import { sessionsDatabase } from './sessions-database';
import { sessionsTables, validateSchemaName } from './sessions-schema';
import { sweepLockKey, SWEEP_LOCK_KEY } from './sessions.sweeper';

describe('the sessions schema', () => {
  it('accepts plain identifiers and quotes them in every table name', () => {
    expect(sessionsTables()).toEqual({
      schemaName: 'session_service',
      schema: '"session_service"',
      users: '"session_service".users',
      sessions: '"session_service".sessions',
      revocations: '"session_service".session_revocations',
      subjects: '"session_service".user_subjects',
      tenants: '"session_service".tenants',
      userSessionLimits: '"session_service".user_session_limits',
      events: '"session_service".session_events',
    });
    expect(sessionsTables('_a1').sessions).toBe('"_a1".sessions');
    expect(validateSchemaName('a'.repeat(63))).toBe('a'.repeat(63));
  });

  it.each(['', 'A', 'auth-sessions', '1abc', 'a'.repeat(64), 'x"y', 'pg_x', ' a', 'a b'])(
    'refuses %j, naming the option',
    (name) => {
      expect(() => validateSchemaName(name)).toThrow(/SessionsModule: the schema option must/);
    },
  );

  it('binds the migrations to a schema under the names already recorded', () => {
    const bound = sessionsMigrations({ schema: 'auth_sessions' });
    expect(bound.map((m) => new m().name)).toEqual(SESSIONS_MIGRATIONS.map((m) => new m().name));
    expect(bound.map((m) => m.name)).toEqual(SESSIONS_MIGRATIONS.map((m) => m.name));
    // Made once per schema; the default schema's are the exported classes themselves.
    expect(sessionsMigrations({ schema: 'auth_sessions' })).toEqual(bound);
    expect(sessionsMigrations()).toEqual(SESSIONS_MIGRATIONS);
  });

  it('gives the default schema the exported entities, and another schema entities of its own', () => {
    expect(sessionsDatabase().entities).toEqual(SESSIONS_ENTITIES);
    const other = sessionsDatabase({ schema: 'auth_sessions' }).entities;
    expect(other).toHaveLength(5);
    other.forEach((entity, i) => expect(entity.prototype).toBeInstanceOf(SESSIONS_ENTITIES[i]));
    expect(sessionsDatabase({ schema: 'auth_sessions' }).entities).toEqual(other);
  });

  it('keeps one sweep lock per schema, the known key for the default one', () => {
    expect(sweepLockKey()).toBe(SWEEP_LOCK_KEY);
    expect(sweepLockKey('a')).not.toBe(sweepLockKey('b'));
    expect(BigInt.asIntN(64, sweepLockKey('a'))).toBe(sweepLockKey('a'));
  });
});
