import { FieldViolation, type FieldViolationCode } from './problem.dto';
import { PROBLEM_CATALOG, ProblemKind } from './problem-catalog';
import { type DetailMessage, type I18nArgs, recogniseDetail, renderDetail } from './problem-i18n';

/**
 * Base of every error the service raises on purpose. Services throw these;
 * the one exception filter turns them into Problems through the catalog.
 *
 * `detail` is always the English text. An error made from a template
 * (`ProblemError.fromTemplate`, or a detail the kind's templates recognise)
 * also knows its template and `i18nArgs`, so the filter can write the detail
 * in the caller's language; any other detail stays as written.
 */
export class ProblemError extends Error {
  /** The template the detail comes from, when it comes from one. */
  readonly detailTemplate?: DetailMessage;

  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly violations: FieldViolation[] = [],
    readonly headers: Record<string, string> = {},
    template?: DetailMessage,
  ) {
    super(detail);
    this.name = new.target.name;
    this.detailTemplate = template ?? recogniseDetail(PROBLEM_CATALOG[kind], detail);
  }

  /** An error whose detail is the kind's template `variant` filled with `args`. */
  static fromTemplate(
    kind: ProblemKind,
    variant: string,
    args: I18nArgs = {},
    headers: Record<string, string> = {},
  ): ProblemError {
    const detail = renderDetail(PROBLEM_CATALOG[kind], variant, args);
    return new ProblemError(kind, detail, [], headers, { variant, args });
  }

  get status(): number {
    return PROBLEM_CATALOG[this.kind].status;
  }

  /** The values interpolated into the detail; undefined for a detail no template produced. */
  get i18nArgs(): I18nArgs | undefined {
    return this.detailTemplate?.args;
  }
}

/** The longest refused value echoed in a violation, as JSON text. */
export const MAX_ECHOED_VALUE_LENGTH = 256;

/** `value` as a violation carries it: only a value that was sent, and not a long one. */
export function echoedValue(value: unknown): { value?: unknown } {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return {};
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
