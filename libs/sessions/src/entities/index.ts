import { SessionEntity } from './session.entity';
import { UserEntity } from './user.entity';

export { SessionEntity, UserEntity };

export const SESSIONS_ENTITIES = [UserEntity, SessionEntity];
