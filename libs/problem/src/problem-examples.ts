import { PROBLEM_CATALOG, type ProblemKind } from './problem-catalog';
import { type I18nArgs, renderDetail } from './problem-i18n';
import type { FieldViolation, Problem } from './problem.dto';
import { describeViolations } from './problem.errors';
import { buildProblem } from './problem.filter';
import { DEFAULT_PROBLEM_OPTIONS } from './problem.options';

/** One occurrence of a problem kind, as the OpenAPI document shows it. */
export interface ProblemExampleSpec {
  kind: ProblemKind;
  /** The detail template (`default` when absent); ignored when `violations` are given. */
  variant?: string;
  args?: I18nArgs;
  /** The field errors of a 400; its detail is written from them, as the service does. */
  violations?: FieldViolation[];
}

/** Fixed so the document (and the client generated from it) does not change from run to run. */
const EXAMPLE_CONTEXT = {
  requestId: 'req_550e8400-e29b-41d4-a716-446655440000',
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
};
const EXAMPLE_TIMESTAMP = '2026-04-15T10:30:00.000Z';

/** The Problem each documented status shows unless an operation names its own kind. */
export const DEFAULT_PROBLEM_EXAMPLES: Readonly<Record<number, ProblemExampleSpec>> = {
  400: {
    kind: 'invalidRequest',
    violations: [
      {
        field: 'page_size',
        code: 'range',
        description: 'page_size must be between 1 and 100',
        value: 500,
      },
    ],
  },
  401: { kind: 'unauthorized', variant: 'token_rejected' },
  403: { kind: 'roleRequired', variant: 'one_role', args: { role: 'admin' } },
  404: { kind: 'userNotFound', args: { user_id: '1001' } },
  409: {
    kind: 'sessionNotActive',
    args: { session_id: '3f1e9c2a-7b4d-4e8a-9c1f-2a6b5d4e3f10', status: 'revoked' },
  },
  429: { kind: 'tooManyRequests', variant: 'user', args: { retry_after: 42 } },
  500: { kind: 'internal' },
  503: { kind: 'databaseUnavailable' },
};

/**
 * The Problem body the service answers for `spec`, built by the exception
 * filter's own `buildProblem` with the default options (type base, service
 * name, `Retry-After`), request ids fixed. `instance` is set per operation
 * when the document is built (configure-app.ts).
 */
export function problemExample(spec: ProblemExampleSpec, instance = '/'): Problem {
  const definition = PROBLEM_CATALOG[spec.kind];
  const variant = spec.variant ?? 'default';
  const args = spec.args ?? {};
  const problem = spec.violations
    ? buildProblem(
        definition,
        describeViolations(spec.violations),
        instance,
        EXAMPLE_CONTEXT,
        DEFAULT_PROBLEM_OPTIONS,
      )
    : buildProblem(
        definition,
        renderDetail(definition, variant, args),
        instance,
        EXAMPLE_CONTEXT,
        DEFAULT_PROBLEM_OPTIONS,
        'en',
        { variant, args },
      );
  problem.timestamp = EXAMPLE_TIMESTAMP;
  if (definition.status === 400) problem.errors = spec.violations ?? [];
  if (definition.status === 429) problem.retry_after = Number(args.retry_after);
  else if (definition.status === 503) {
    problem.retry_after = DEFAULT_PROBLEM_OPTIONS.retryAfterSeconds;
  }
  return problem;
}
