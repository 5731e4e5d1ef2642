import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import adminSessionList from '../schemas/admin-session-list.schema.json';
import problem from '../schemas/problem.schema.json';
import sessionListResponse from '../schemas/session-list-response.schema.json';

const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);

const validators = {
  adminSessionList: ajv.compile(adminSessionList),
  sessionListResponse: ajv.compile(sessionListResponse),
  problem: ajv.compile(problem),
};

/** Throws with ajv's error list when `body` does not match the named seed schema. */
export function expectSchema(name: keyof typeof validators, body: unknown): void {
  const validate = validators[name];
  if (!validate(body)) {
    throw new Error(`${name} schema violations: ${JSON.stringify(validate.errors, null, 2)}`);
  }
}

/** Asserts a Problem response: status, media type, schema, and no leaked internals. */
export function expectProblem(
  res: { status: number; headers: Record<string, string>; body: unknown; text: string },
  status: number,
): Record<string, unknown> {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expectSchema('problem', res.body);
  const body = res.body as Record<string, unknown>;
  expect(body.status).toBe(status);
  expect(res.headers['x-request-id']).toBe(body.request_id);
  expect(res.text).not.toMatch(/\bat .+\.(js|ts):\d+|SELECT |INSERT |QueryFailedError|stack/i);
  return body;
}
