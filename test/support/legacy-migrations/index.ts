/**
 * The library's migrations as they were released before its tables moved to a
 * schema of their own: unchanged copies, which create `users`, `sessions` and
 * `session_revocations` unqualified (in the connection's current schema,
 * `public`). The upgrade spec builds a database with them, as an existing
 * deployment has it, then runs the current migrations over it.
 */
import { InitialSchema1763770000000 } from './1763770000000-initial-schema';
import { SessionLifecycle1763780000000 } from './1763780000000-session-lifecycle';
import { CoveringUserIndex1763790000000 } from './1763790000000-covering-user-index';
import { CanonicalAmrNames1763800000000 } from './1763800000000-canonical-amr-names';

export const LEGACY_SESSIONS_MIGRATIONS = [
  InitialSchema1763770000000,
  SessionLifecycle1763780000000,
  CoveringUserIndex1763790000000,
  CanonicalAmrNames1763800000000,
];
