import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { DEFAULT_SESSIONS_SCHEMA } from '../sessions-schema';
import { UserEntity } from './user.entity';

/**
 * An identity provider's subject (`sub` at `issuer`) and the user it names,
 * recorded at sign-in. The index on `user_id` is declared in the migration.
 */
@Entity({ name: 'user_subjects', schema: DEFAULT_SESSIONS_SCHEMA })
export class UserSubjectEntity {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  issuer: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  subject: string;

  @Column({ name: 'user_id', type: 'bigint' })
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
