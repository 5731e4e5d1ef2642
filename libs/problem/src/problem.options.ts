export const PROBLEM_MODULE_OPTIONS = Symbol('PROBLEM_MODULE_OPTIONS');

export interface ProblemModuleOptions {
  /** `service` member of every Problem, e.g. "session-service". */
  serviceName: string;
  /** Prefix of each problem `type` URI; the slug of the kind is appended. */
  typeBaseUri: string;
  /** Seconds advertised in `Retry-After` when the database is unavailable. */
  retryAfterSeconds: number;
}

export const DEFAULT_PROBLEM_OPTIONS: ProblemModuleOptions = {
  serviceName: 'session-service',
  typeBaseUri: '/problems/',
  retryAfterSeconds: 5,
};
