import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
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
      ApiResponse({
        status,
        description: descriptions[status] ?? DESCRIPTIONS[status] ?? 'Problem',
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

function exampleFor(status: number, spec?: ProblemExampleSpec): Problem {
  const chosen = spec ?? DEFAULT_PROBLEM_EXAMPLES[status];
  if (!chosen) throw new Error(`No Problem example for status ${status}: pass one`);
  return problemExample(chosen);
}
