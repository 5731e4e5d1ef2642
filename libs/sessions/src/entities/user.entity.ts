import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { DEFAULT_SESSIONS_SCHEMA } from '../sessions-schema';

/** A user the sessions belong to; the auth platform owns users, this table mirrors id and name. */
@Entity({ name: 'users', schema: DEFAULT_SESSIONS_SCHEMA })
export class UserEntity {
  /** bigint: TypeORM reads it as a decimal string, so ids never lose precision. */
  @PrimaryColumn({ type: 'bigint' })
  id: string;

  @Column({ type: 'varchar', length: 255 })
  username: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
