import { FieldViolation } from './problem.dto';
import { PROBLEM_CATALOG, ProblemKind } from './problem-catalog';

/**
 * Base of every error the service raises on purpose. Services throw these;
 * the one exception filter turns them into Problems through the catalog.
 */
export class ProblemError extends Error {
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly violations: FieldViolation[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = new.target.name;
  }

  get status(): number {
    return PROBLEM_CATALOG[this.kind].status;
  }
}

export class ValidationFailedError extends ProblemError {
  constructor(violations: FieldViolation[], detail?: string) {
    super('invalidRequest', detail ?? describeViolations(violations), violations);
  }

  static forField(field: string, code: string, description: string): ValidationFailedError {
    return new ValidationFailedError([{ field, code, description }]);
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
    super('userNotFound', `User ${userId} does not exist`);
  }
}

export class SessionNotFoundError extends ProblemError {
  constructor(sessionId: string) {
    super('sessionNotFound', `Session ${sessionId} does not exist`);
  }
}

export function describeViolations(violations: FieldViolation[]): string {
  if (violations.length === 0) return 'The request is invalid';
  return violations.map((v) => v.description ?? `${v.field} is invalid`).join('; ');
}
