import { Inject, Injectable, PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  PROBLEM_VALIDATION_OPTIONS,
  requireObjectBody,
  toFieldViolations,
  ValidationFailedError,
} from '@session-service/problem';
import { CreateSessionRequest } from './dto/create-session.request';
import { SESSIONS_MODULE_OPTIONS } from './sessions.module-definition';
import {
  type ResolvedSessionsOptions,
  resolveSessionsOptions,
  type SessionsModuleOptions,
  type SessionsSettings,
} from './sessions.options';
import { lifetimeViolations, subjectViolations } from './sessions.service';
import { defaultSubjectIssuer } from './subjects.service';

/**
 * Validates a sign-in body in one pass: the DTO's rules, the configured
 * lifetime bounds and the subject's issuer together, so a 400 names every bad
 * field at once.
 */
@Injectable()
export class CreateSessionPipe implements PipeTransform<unknown, Promise<CreateSessionRequest>> {
  private readonly options: ResolvedSessionsOptions;
  private readonly subjectIssuer: string | undefined;

  constructor(@Inject(SESSIONS_MODULE_OPTIONS) options: SessionsSettings) {
    this.options = resolveSessionsOptions(options);
    this.subjectIssuer = defaultSubjectIssuer((options as Partial<SessionsModuleOptions>).auth);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- a refusal is a rejection, as a pipe's
  async transform(value: unknown): Promise<CreateSessionRequest> {
    return this.validate(value);
  }

  private validate(value: unknown): CreateSessionRequest {
    requireObjectBody(value);
    const body = plainToInstance(CreateSessionRequest, value ?? {});
    // Every rule of the body is synchronous: no promise per rule and field.
    const errors = validateSync(body, {
      whitelist: PROBLEM_VALIDATION_OPTIONS.whitelist,
      forbidUnknownValues: PROBLEM_VALIDATION_OPTIONS.forbidUnknownValues,
      stopAtFirstError: PROBLEM_VALIDATION_OPTIONS.stopAtFirstError,
      validationError: PROBLEM_VALIDATION_OPTIONS.validationError,
    });
    const violations = toFieldViolations(errors);
    const invalid = new Set(violations.map((v) => v.field));
    violations.push(
      ...lifetimeViolations(body, this.options).filter((v) => !invalid.has(v.field ?? '')),
      ...subjectViolations(body, this.subjectIssuer).filter((v) => !invalid.has(v.field ?? '')),
    );
    if (violations.length) throw new ValidationFailedError(violations);
    return body;
  }
}
