import type { ProblemDefinition } from './problem-catalog';

export const PROBLEM_MODULE_OPTIONS = Symbol('PROBLEM_MODULE_OPTIONS');

/** What the Problem filter and pages read (`PROBLEM_MODULE_OPTIONS`). */
export interface ProblemModuleOptions {
  /** `service` member of every Problem, e.g. "session-service". */
  serviceName: string;
  /** Prefix of each problem `type` URI; the slug of the kind is appended. */
  typeBaseUri: string;
  /** Seconds advertised in `Retry-After` when the database is unavailable. */
  retryAfterSeconds: number;
  /** The host's own problem types (`defineProblemType`), served with the library's pages. */
  problemTypes?: readonly ProblemDefinition[];
}

/** What `ProblemModule.forRoot` takes. */
export interface ProblemModuleSettings extends Partial<ProblemModuleOptions> {
  /**
   * Problems for every route of the application: installs the Problem filter
   * and validation pipe globally (`APP_FILTER`, `APP_PIPE`), so the host's
   * own errors, unknown routes and validation failures become Problems too.
   * Default `false`: only the library's routes (`@ProblemResponses()`)
   * answer Problems, and the host's routes answer as they did before.
   */
  global?: boolean;
  /** Serve the problem type pages (`GET <pagesPath>`, `GET <pagesPath>/<slug>`); default `true`. */
  pages?: boolean;
  /**
   * Where the pages are served, e.g. `auth/problems` next to sessions routes
   * under `routePrefix: 'auth'`; default `problems`. Unless `typeBaseUri` is
   * given, problem `type`s are `/<pagesPath>/<slug>`.
   */
  pagesPath?: string;
}

export const DEFAULT_PROBLEM_OPTIONS: ProblemModuleOptions = {
  serviceName: 'session-service',
  typeBaseUri: '/problems/',
  retryAfterSeconds: 5,
};

export const DEFAULT_PROBLEM_PAGES_PATH = 'problems';

/** The path of the pages without leading or trailing slashes. */
export function problemPagesPath(settings: ProblemModuleSettings): string {
  return (settings.pagesPath ?? DEFAULT_PROBLEM_PAGES_PATH).replace(/^\/+|\/+$/g, '');
}

/** The options the filter and pages read, from what `forRoot` was given. */
export function resolveProblemOptions(settings: ProblemModuleSettings = {}): ProblemModuleOptions {
  const path = problemPagesPath(settings);
  return {
    serviceName: settings.serviceName ?? DEFAULT_PROBLEM_OPTIONS.serviceName,
    typeBaseUri: settings.typeBaseUri ?? (path ? `/${path}/` : '/'),
    retryAfterSeconds: settings.retryAfterSeconds ?? DEFAULT_PROBLEM_OPTIONS.retryAfterSeconds,
    problemTypes: settings.problemTypes ?? [],
  };
}
