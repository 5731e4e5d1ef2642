import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { DEFAULT_SESSIONS_SCHEMA } from '../sessions-schema';

/**
 * One revocation, as the revocation feed serves it. The table also has `xid`,
 * the id of the writing transaction (PostgreSQL `xid8`, filled by default),
 * which only the feed's SQL reads.
 */
@Entity({ name: 'session_revocations', schema: DEFAULT_SESSIONS_SCHEMA })
export class SessionRevocationEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'session_id', type: 'uuid' })
  sessionId: string;

  @Column({ name: 'user_id', type: 'bigint' })
  userId: string;

  @Column({ name: 'revoked_at', type: 'timestamptz' })
  revokedAt: Date;

  @Column({ name: 'revoked_by', type: 'varchar', length: 128 })
  revokedBy: string;

  @Column({ type: 'varchar', length: 256, nullable: true })
  reason: string | null;
}
