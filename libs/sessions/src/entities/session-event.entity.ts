import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { DEFAULT_SESSIONS_SCHEMA } from '../sessions-schema';

/**
 * One event of the audit trail (`session_events`). Rows are written by the
 * statements that make the changes, never through this entity; its indexes
 * and checks are declared in the migration.
 */
@Entity({ name: 'session_events', schema: DEFAULT_SESSIONS_SCHEMA })
export class SessionEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ type: 'varchar', length: 16 })
  type: string;

  @Column({ name: 'session_id', type: 'uuid', nullable: true })
  sessionId: string | null;

  @Column({ name: 'user_id', type: 'bigint' })
  userId: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 128, nullable: true })
  tenantId: string | null;

  @Column({ type: 'varchar', length: 8 })
  initiator: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  actor: string | null;

  @Column({ type: 'varchar', length: 256, nullable: true })
  reason: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId: string | null;

  @Column({ name: 'trace_id', type: 'varchar', length: 32, nullable: true })
  traceId: string | null;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt: Date;

  @Column({ type: 'jsonb', nullable: true })
  details: Record<string, unknown> | null;
}
