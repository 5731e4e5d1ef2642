import { SessionRevocationEntity } from './session-revocation.entity';
import { SessionEntity } from './session.entity';
import { UserEntity } from './user.entity';

export { SessionEntity, SessionRevocationEntity, UserEntity };

export const SESSIONS_ENTITIES = [UserEntity, SessionEntity, SessionRevocationEntity];
