import { applyDecorators } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiResponse,
  type ApiResponseOptions,
  getSchemaPath,
  type HeaderObject,
} from '@nestjs/swagger';

import { FieldViolation, Problem, PROBLEM_CONTENT_TYPE } from './problem.dto';
import {
  DEFAULT_PROBLEM_EXAMPLES,
  problemExample,
  type ProblemExampleSpec,
} from './problem-examples';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request parameters; `errors` names each bad field',
  401: 'Unauthenticated or token expired (with `WWW-Authenticate: Bearer`)',
  403: 'The token may not perform this operation',
  404: 'Not found',
  500: 'Internal server error',
  503: 'The session store is temporarily unavailable (with `Retry-After`)',
};

/** The headers a client acts on, with the statuses that carry them. */
const HEADERS: Record<number, Record<string, HeaderObject>> = {
  401: {
    'WWW-Authenticate': {
      description:
        'The bearer challenge (RFC 6750): `error="invalid_token"` when a token was sent and refused',
      schema: {
        type: 'string',
        maxLength: 256,
        pattern: '^Bearer realm="[^"]*"(, error="[a-z_]+")?$',
        example: 'Bearer realm="session-service"',
      },
    },
  },
  503: {
    'Retry-After': {
      description: 'Seconds to wait before retrying (RFC 9110); also `retry_after` in the body',
      schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 60 },
    },
  },
};

/**
 * Documents each listed status (plus 500 and 503) as a `dto.Problem` served as
 * `application/problem+json`, each with an example of what the service answers:
 * `examples` names the kind an operation answers with where the default
 * (`DEFAULT_PROBLEM_EXAMPLES`) is not it.
 */
export function ApiProblemResponses(
  statuses: number[],
  descriptions: Record<number, string> = {},
  examples: Record<number, ProblemExampleSpec> = {},
): MethodDecorator & ClassDecorator {
  const all = [...new Set([...statuses, 500, 503])].sort();
  return applyDecorators(
    ApiExtraModels(Problem, FieldViolation),
    ...all.map((status) =>
      responseOnce({
        status,
        description: descriptions[status] ?? DESCRIPTIONS[status] ?? 'Problem',
        ...(HEADERS[status] && { headers: HEADERS[status] }),
        content: {
          [PROBLEM_CONTENT_TYPE]: {
            schema: { $ref: getSchemaPath(Problem) },
            example: exampleFor(status, examples[status]),
          },
        },
      }),
    ),
  );
}

/** @nestjs/swagger's metadata key of an operation's responses (its `DECORATORS.API_RESPONSE`). */
const API_RESPONSE_METADATA = 'swagger/apiResponse';

/**
 * `ApiResponse`, unless the operation documents that status with the same
 * description already: two decorators adding the same 500 (say `@AdminOnly()`
 * and the route's own `@ApiProblemResponses()`) would otherwise have
 * @nestjs/swagger join the two descriptions into one repeating itself.
 */
function responseOnce(
  options: ApiResponseOptions & { status: number; description: string },
): MethodDecorator & ClassDecorator {
  const decorate = ApiResponse(options);
  return ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    const holder: object = descriptor ? (descriptor.value as object) : target;
    const known = (
      Reflect.getMetadata(API_RESPONSE_METADATA, holder) as
        Record<number, { description?: string }> | undefined
    )?.[options.status];
    if (known?.description === options.description) return descriptor;
    return decorate(target, key as string | symbol, descriptor as PropertyDescriptor);
  }) as MethodDecorator & ClassDecorator;
}

function exampleFor(status: number, spec?: ProblemExampleSpec): Problem {
  const chosen = spec ?? DEFAULT_PROBLEM_EXAMPLES[status];
  if (!chosen) throw new Error(`No Problem example for status ${status}: pass one`);
  return problemExample(chosen);
}
