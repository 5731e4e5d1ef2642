import { InitialSchema1763770000000 } from './1763770000000-initial-schema';
import { SessionLifecycle1763780000000 } from './1763780000000-session-lifecycle';
import { CoveringUserIndex1763790000000 } from './1763790000000-covering-user-index';
import { CanonicalAmrNames1763800000000 } from './1763800000000-canonical-amr-names';

/** In order; a host application can pass these to its own DataSource. */
export const SESSIONS_MIGRATIONS = [
  InitialSchema1763770000000,
  SessionLifecycle1763780000000,
  CoveringUserIndex1763790000000,
  CanonicalAmrNames1763800000000,
];
