import { Entity, JoinColumn, ManyToOne } from 'typeorm';
import { DEFAULT_SESSIONS_SCHEMA, validateSchemaName } from '../sessions-schema';
import { SessionEventEntity } from './session-event.entity';
import { SessionRevocationEntity } from './session-revocation.entity';
import { SessionEntity } from './session.entity';
import { UserEntity } from './user.entity';
import { UserSubjectEntity } from './user-subject.entity';

export {
  SessionEntity,
  SessionEventEntity,
  SessionRevocationEntity,
  UserEntity,
  UserSubjectEntity,
};

/** The library's entities, on the default schema `session_service`. */
export const SESSIONS_ENTITIES = [
  UserEntity,
  SessionEntity,
  SessionRevocationEntity,
  UserSubjectEntity,
  SessionEventEntity,
];

const bound = new Map<string, typeof SESSIONS_ENTITIES>();

/**
 * The library's entities on the tables in `schema` (default
 * `session_service`: `SESSIONS_ENTITIES` themselves). For another schema,
 * subclasses with the same columns mapped to that schema's tables, made once
 * per schema. Throws on a schema name that is not a plain identifier.
 */
export function sessionsEntities(options: { schema?: string } = {}): typeof SESSIONS_ENTITIES {
  const schema = validateSchemaName(options.schema ?? DEFAULT_SESSIONS_SCHEMA);
  if (schema === DEFAULT_SESSIONS_SCHEMA) return [...SESSIONS_ENTITIES];
  let entities = bound.get(schema);
  if (!entities) {
    @Entity({ name: 'users', schema })
    class SchemaUserEntity extends UserEntity {}

    @Entity({ name: 'sessions', schema })
    class SchemaSessionEntity extends SessionEntity {}
    // The relation to this schema's users, in place of the one SessionEntity declares.
    ManyToOne(() => SchemaUserEntity, { onDelete: 'CASCADE' })(
      SchemaSessionEntity.prototype,
      'user',
    );
    JoinColumn({ name: 'user_id' })(SchemaSessionEntity.prototype, 'user');

    @Entity({ name: 'session_revocations', schema })
    class SchemaSessionRevocationEntity extends SessionRevocationEntity {}

    @Entity({ name: 'user_subjects', schema })
    class SchemaUserSubjectEntity extends UserSubjectEntity {}
    ManyToOne(() => SchemaUserEntity, { onDelete: 'CASCADE' })(
      SchemaUserSubjectEntity.prototype,
      'user',
    );
    JoinColumn({ name: 'user_id' })(SchemaUserSubjectEntity.prototype, 'user');

    @Entity({ name: 'session_events', schema })
    class SchemaSessionEventEntity extends SessionEventEntity {}

    entities = [
      SchemaUserEntity,
      SchemaSessionEntity,
      SchemaSessionRevocationEntity,
      SchemaUserSubjectEntity,
      SchemaSessionEventEntity,
    ];
    bound.set(schema, entities);
  }
  return [...entities];
}
