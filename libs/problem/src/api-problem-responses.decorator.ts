import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { FieldViolation, Problem, PROBLEM_CONTENT_TYPE } from './problem.dto';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request parameters; `errors` names each bad field',
  401: 'Unauthenticated or token expired (with `WWW-Authenticate: Bearer`)',
  403: 'The token may not perform this operation',
  404: 'Not found',
  500: 'Internal server error',
  503: 'The session store is temporarily unavailable (with `Retry-After`)',
};

/** Documents each listed status (plus 500 and 503) as a `dto.Problem` served as `application/problem+json`. */
export function ApiProblemResponses(
  statuses: number[],
  descriptions: Record<number, string> = {},
): MethodDecorator & ClassDecorator {
  const all = [...new Set([...statuses, 500, 503])].sort();
  return applyDecorators(
    ApiExtraModels(Problem, FieldViolation),
    ...all.map((status) =>
      ApiResponse({
        status,
        description: descriptions[status] ?? DESCRIPTIONS[status] ?? 'Problem',
        content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(Problem) } } },
      }),
    ),
  );
}
