import { Injectable, PipeTransform } from '@nestjs/common';
import { isUuid, parseUserId, USER_ID_RULE } from '@session-service/auth';
import { ValidationFailedError } from '@session-service/problem';
import type { ArgumentMetadata } from '@nestjs/common';
import { codePointLength, isStorableText } from './dto/input-rules';

/** What `SessionIdPipe` accepts, as an OpenAPI schema: a UUID (36 characters). */
export const SESSION_ID_PARAM_SCHEMA = { type: 'string', format: 'uuid', maxLength: 36 } as const;

/** A session id path parameter: a UUID, else a 400 naming the parameter. */
@Injectable()
export class SessionIdPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    if (isUuid(value)) return value.toLowerCase();
    const field = metadata.data ?? 'session_id';
    throw ValidationFailedError.forField(field, 'format', `${field} must be a UUID`, value);
  }
}

/** A user id path parameter in canonical form, else a 400 naming the parameter. */
@Injectable()
export class UserIdPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    const parsed = parseUserId(value);
    if (parsed) return parsed;
    const field = metadata.data ?? 'user_id';
    throw ValidationFailedError.forField(
      field,
      'format',
      `${field} must be ${USER_ID_RULE}`,
      value,
    );
  }
}

/** What `TenantIdPipe` accepts: the sign-in's `tenant_id` rule (1 to 128 characters). */
export const TENANT_ID_PARAM_SCHEMA = { type: 'string', minLength: 1, maxLength: 128 } as const;

/**
 * A tenant id path parameter, held to the sign-in's `tenant_id` rule
 * (non-empty, storable text of at most 128 characters), else a 400.
 */
@Injectable()
export class TenantIdPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    const field = metadata.data ?? 'tenant_id';
    if (typeof value !== 'string' || value.length === 0) {
      throw ValidationFailedError.forField(field, 'required', `${field} must not be empty`, value);
    }
    if (!isStorableText(value)) {
      throw ValidationFailedError.forField(
        field,
        'format',
        `${field} must not contain NUL characters or unpaired surrogates`,
        value,
      );
    }
    if (codePointLength(value) > TENANT_ID_PARAM_SCHEMA.maxLength) {
      throw ValidationFailedError.forField(
        field,
        'range',
        `${field} must be at most ${TENANT_ID_PARAM_SCHEMA.maxLength} characters`,
        value,
      );
    }
    return value;
  }
}
