import { Injectable, PipeTransform } from '@nestjs/common';
import { isUuid, parseUserId, USER_ID_RULE } from '@session-service/auth';
import { ValidationFailedError } from '@session-service/problem';
import type { ArgumentMetadata } from '@nestjs/common';

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
