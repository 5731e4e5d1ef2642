import { genericProblem, PROBLEM_CATALOG } from '@session-service/problem';
import { ProblemCodes } from './problem-codes';

/** The client copies the codes (it must not depend on the service's libraries); this keeps them equal. */
describe('ProblemCodes', () => {
  const catalog = Object.values(PROBLEM_CATALOG);
  const constantOf = (slug: string) => slug.toUpperCase().replace(/-/g, '_');

  it.each(catalog.map((d) => [constantOf(d.slug), d.code] as const))(
    'has %s = %i, as the catalog',
    (name, code) => {
      expect(ProblemCodes).toHaveProperty(name, code);
    },
  );

  it('has no constant the catalog does not have', () => {
    expect(Object.keys(ProblemCodes).sort()).toEqual(catalog.map((d) => constantOf(d.slug)).sort());
    expect(new Set(Object.values(ProblemCodes)).size).toBe(catalog.length);
  });

  it('leaves out the generic http-<status> kinds', () => {
    expect(Object.values(ProblemCodes)).not.toContain(genericProblem(418).code);
  });
});
