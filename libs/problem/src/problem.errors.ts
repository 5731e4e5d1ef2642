import { HttpException } from '@nestjs/common';
import { FieldViolation, type FieldViolationCode } from './problem.dto';
import { PROBLEM_CATALOG, type ProblemDefinition, type ProblemKind } from './problem-catalog';
import { type DetailMessage, type I18nArgs, recogniseDetail, renderDetail } from './problem-i18n';
import { DEFAULT_PROBLEM_OPTIONS } from './problem.options';

/**
 * What a ProblemError answers without the Problem filter (`getResponse()`):
 * the request-independent members of its Problem. Nest's own exception
 * filter sends it as JSON with the error's status.
 */
export interface ProblemErrorBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: number;
  i18n_key: string;
  i18n_args: I18nArgs;
  errors?: FieldViolation[];
}

/**
 * Base of every error the libraries raise on purpose, and of a host's own
 * problem types. An `HttpException`: its status is the problem kind's, and
 * `getResponse()` is the Problem body, so even an application without the
 * Problem filter answers it with the right status. The Problem filter writes
 * the full Problem (instance, request id, language, `WWW-Authenticate`, ...).
 *
 * `detail` is always the English text. An error made from a template
 * (`ProblemError.fromTemplate`, or a detail the kind's templates recognise)
 * also knows its template and `i18nArgs`, so the filter can write the detail
 * in the caller's language; any other detail stays as written.
 */
export class ProblemError extends HttpException {
  /** The problem type: a kind of the library's catalog, or a host's (`defineProblemType`). */
  readonly definition: ProblemDefinition;
  /** The template the detail comes from, when it comes from one. */
  readonly detailTemplate?: DetailMessage;

  constructor(
    kind: ProblemKind | ProblemDefinition,
    readonly detail: string,
    readonly violations: FieldViolation[] = [],
    readonly headers: Record<string, string> = {},
    template?: DetailMessage,
  ) {
    const definition = typeof kind === 'string' ? PROBLEM_CATALOG[kind] : kind;
    super(detail, definition.status);
    this.definition = definition;
    this.name = new.target.name;
    this.detailTemplate = template ?? recogniseDetail(definition, detail);
  }

  /** An error whose detail is the kind's template `variant` filled with `args`. */
  static fromTemplate(
    kind: ProblemKind | ProblemDefinition,
    variant: string,
    args: I18nArgs = {},
    headers: Record<string, string> = {},
  ): ProblemError {
    const definition = typeof kind === 'string' ? PROBLEM_CATALOG[kind] : kind;
    const detail = renderDetail(definition, variant, args);
    return new ProblemError(definition, detail, [], headers, { variant, args });
  }

  /** The values interpolated into the detail; undefined for a detail no template produced. */
  get i18nArgs(): I18nArgs | undefined {
    return this.detailTemplate?.args;
  }

  /**
   * The Problem body (English, `type` under the default `/problems/`): what
   * Nest's default exception filter sends when the Problem filter is not in place.
   */
  override getResponse(): ProblemErrorBody {
    const { definition } = this;
    return {
      type: `${DEFAULT_PROBLEM_OPTIONS.typeBaseUri}${definition.slug}`,
      title: definition.title,
      status: definition.status,
      detail: this.detail,
      code: definition.code,
      i18n_key: definition.i18nKey,
      i18n_args: { ...this.detailTemplate?.args },
      ...(definition.status === 400 ? { errors: this.violations } : {}),
    };
  }
}

/** The longest refused value echoed in a violation, as JSON text. */
export const MAX_ECHOED_VALUE_LENGTH = 256;

/**
 * `value` as a violation carries it: only a value that was sent, and not a long one.
 * An integer past `Number.MAX_SAFE_INTEGER` is left out: it is not the number that was
 * sent (`99999999999999999999` reads as `100000000000000000000`).
 */
export function echoedValue(value: unknown): { value?: unknown } {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return {};
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    return {};
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return {};
  }
  return text !== undefined && text.length <= MAX_ECHOED_VALUE_LENGTH ? { value } : {};
}

export class ValidationFailedError extends ProblemError {
  constructor(violations: FieldViolation[], detail?: string) {
    super('invalidRequest', detail ?? describeViolations(violations), violations);
  }

  /** One bad field; `value` is the refused value when the service has it (see `echoedValue`). */
  static forField(
    field: string,
    code: FieldViolationCode,
    description: string,
    value?: unknown,
  ): ValidationFailedError {
    return new ValidationFailedError([{ field, code, description, ...echoedValue(value) }]);
  }
}

export class AuthenticationError extends ProblemError {
  constructor(
    detail = 'A valid bearer token is required',
    readonly tokenPresented = false,
  ) {
    super('unauthorized', detail);
  }

  /**
   * The same error without a stack trace. A refused token is an answer, not
   * a fault: nothing logs its stack, and under a flood of bad tokens
   * capturing one per request is a cost no caller reads.
   */
  static refuse(detail: string, tokenPresented: boolean): AuthenticationError {
    return withoutStackTraces(() => new AuthenticationError(detail, tokenPresented));
  }
}

/**
 * What `run` returns or throws, with no stack trace captured for the errors made
 * meanwhile (`Error.stackTraceLimit` is 0 while it runs, and restored after). For
 * synchronous work whose errors are answers, not faults: a refused token, say. V8
 * walks the stack for every error made, which costs several microseconds a time.
 */
export function withoutStackTraces<T>(run: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return run();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * More than one `Authorization` header: which credentials count would be a
 * guess, so the request is refused as `invalid_request` (RFC 6750 section 3.1).
 */
export class AmbiguousCredentialsError extends ValidationFailedError {
  constructor() {
    super([
      {
        field: 'Authorization',
        code: 'range',
        description: 'Send exactly one Authorization header',
      },
    ]);
  }
}

export class NotResourceOwnerError extends ProblemError {
  constructor(detail = "The token's user may only access their own resources") {
    super('notResourceOwner', detail);
  }
}

export class RoleRequiredError extends ProblemError {
  constructor(detail = 'The token does not carry a role this operation requires') {
    super('roleRequired', detail);
  }
}

export class UserNotFoundError extends ProblemError {
  constructor(userId: string) {
    const args = { user_id: userId };
    super(
      'userNotFound',
      renderDetail(PROBLEM_CATALOG.userNotFound, 'default', args),
      [],
      {},
      {
        variant: 'default',
        args,
      },
    );
  }
}

export class SessionNotFoundError extends ProblemError {
  constructor(sessionId: string) {
    const args = { session_id: sessionId };
    super(
      'sessionNotFound',
      renderDetail(PROBLEM_CATALOG.sessionNotFound, 'default', args),
      [],
      {},
      { variant: 'default', args },
    );
  }
}

export function describeViolations(violations: FieldViolation[]): string {
  if (violations.length === 0) return 'The request is invalid';
  return violations.map((v) => v.description ?? `${v.field} is invalid`).join('; ');
}
