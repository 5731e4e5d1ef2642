import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { DEFAULT_SESSIONS_SCHEMA } from '../sessions-schema';
import { UserEntity } from './user.entity';

/**
 * One sign-in. A session is active while it is not revoked and now is before
 * both `expires_at` (absolute lifetime) and `idle_expires_at` (idle timeout).
 * Revoked rows stay for audit. The partial indexes (descending keys) are
 * declared in the migration, the schema's source of truth.
 */
@Entity({ name: 'sessions', schema: DEFAULT_SESSIONS_SCHEMA })
export class SessionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'bigint' })
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  @Column({ name: 'tenant_id', type: 'varchar', length: 128, nullable: true })
  tenantId: string | null;

  @Column({ name: 'device_id', type: 'varchar', length: 128, nullable: true })
  deviceId: string | null;

  @Column({ name: 'device_type', type: 'varchar', length: 32 })
  deviceType: string;

  @Column({ type: 'inet' })
  ip: string;

  @Column({ type: 'varchar', length: 128, nullable: true })
  geoip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 1024 })
  userAgent: string;

  /** RFC 8176 authentication method references, in the order they were performed. */
  @Column({ type: 'text', array: true })
  amr: string[];

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'authenticated_at', type: 'timestamptz' })
  authenticatedAt: Date;

  @Column({ name: 'last_active_at', type: 'timestamptz' })
  lastActiveAt: Date;

  @Column({ name: 'idle_expires_at', type: 'timestamptz' })
  idleExpiresAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  /** The idle timeout this session was created with; a touch slides `idle_expires_at` by it. */
  @Column({ name: 'idle_timeout_seconds', type: 'integer' })
  idleTimeoutSeconds: number;

  /** Set by the sweeper once the session has run out (absolute or idle). */
  @Column({ name: 'expired_at', type: 'timestamptz', nullable: true })
  expiredAt: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_by', type: 'varchar', length: 128, nullable: true })
  revokedBy: string | null;

  @Column({ name: 'revoke_reason', type: 'varchar', length: 256, nullable: true })
  revokeReason: string | null;
}
