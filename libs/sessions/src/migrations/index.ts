import { InitialSchema1763770000000 } from './1763770000000-initial-schema';
import { SessionLifecycle1763780000000 } from './1763780000000-session-lifecycle';

/** In order; a host application can pass these to its own DataSource. */
export const SESSIONS_MIGRATIONS = [InitialSchema1763770000000, SessionLifecycle1763780000000];
