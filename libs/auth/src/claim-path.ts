/**
 * Claim paths: where in a token's claims the user id, the roles and the
 * session id are read. One rule for all three:
 *
 * - a path is one or more segments joined by `.`: `sub`, `realm_access.roles`,
 *   `resource_access.my-app.roles`;
 * - a plain segment is letters, digits, `_`, `-`, `:` and `$`
 *   (`urn:zitadel:iam:org:project:roles` is one plain segment);
 * - any other name, one with a dot or a slash in it (a URI such as Auth0's
 *   namespaced claims), is written in square brackets as a JSON string and
 *   taken literally: `["https://example.com/roles"]`,
 *   `resource_access["my.app"].roles`. Inside the quotes `\"` and `\\` are
 *   JSON escapes.
 *
 * A list of paths (the roles) is comma-separated; a comma inside a bracketed
 * name belongs to the name.
 */
export type ClaimPath = readonly string[];

export class ClaimPathError extends Error {}

const PLAIN = /[A-Za-z0-9_:$-]/;

/** Reads one path from `text` at `start`; stops at the end, or at a `,` or space outside brackets. */
function readPath(text: string, start: number): { path: string[]; end: number } {
  const path: string[] = [];
  let i = start;
  let expectSegment = true;
  while (i < text.length && text[i] !== ',' && text[i] !== ' ') {
    const ch = text[i];
    if (ch === '[') {
      // A bracketed name may follow a segment directly (`a["b"]`) or after a dot.
      const close = findClosingQuote(text, i + 1);
      if (text[i + 1] !== '"' || close < 0 || text[close + 1] !== ']') {
        throw new ClaimPathError(
          `a bracketed claim name must be a quoted string: ["name"] (at ${i + 1})`,
        );
      }
      let name: unknown;
      try {
        name = JSON.parse(text.slice(i + 1, close + 1));
      } catch {
        throw new ClaimPathError(`not a JSON string: ${text.slice(i + 1, close + 1)}`);
      }
      if (typeof name !== 'string' || !name) throw new ClaimPathError('an empty claim name');
      path.push(name);
      i = close + 2;
      expectSegment = false;
    } else if (ch === '.') {
      if (expectSegment) throw new ClaimPathError(`an empty segment (at ${i + 1})`);
      i++;
      expectSegment = true;
      if (i >= text.length || text[i] === ',' || text[i] === ' ') {
        throw new ClaimPathError('a path must not end with a dot');
      }
    } else if (PLAIN.test(ch)) {
      if (!expectSegment) throw new ClaimPathError(`a dot is missing before ${ch} (at ${i + 1})`);
      let j = i;
      while (j < text.length && PLAIN.test(text[j])) j++;
      path.push(text.slice(i, j));
      i = j;
      expectSegment = false;
    } else {
      throw new ClaimPathError(
        `unexpected ${JSON.stringify(ch)} (at ${i + 1}): write such a name as ["name"]`,
      );
    }
  }
  if (!path.length) throw new ClaimPathError('an empty path');
  return { path, end: i };
}

/** Index of the quote closing a JSON string opening at `open`, or -1. */
function findClosingQuote(text: string, open: number): number {
  if (text[open] !== '"') return -1;
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/** Parses one claim path; throws a ClaimPathError on a malformed one. */
export function parseClaimPath(text: string): ClaimPath {
  const trimmed = text.trim();
  const { path, end } = readPath(trimmed, 0);
  if (end !== trimmed.length) {
    throw new ClaimPathError(
      `unexpected ${JSON.stringify(trimmed[end])} (at ${end + 1}): one path`,
    );
  }
  return path;
}

/** Parses a comma-separated list of claim paths (surrounding spaces ignored). */
export function parseClaimPathList(text: string | readonly string[]): ClaimPath[] {
  if (typeof text !== 'string') return text.map(parseClaimPath);
  const paths: ClaimPath[] = [];
  let i = 0;
  for (;;) {
    while (text[i] === ' ') i++;
    const { path, end } = readPath(text, i);
    paths.push(path);
    i = end;
    // Trailing spaces before a comma or the end.
    while (text[i] === ' ') i++;
    if (i >= text.length) return paths;
    if (text[i] !== ',') throw new ClaimPathError(`unexpected text (at ${i + 1})`);
    i++;
  }
}

/** The path written back in the syntax above (for messages and docs). */
export function formatClaimPath(path: ClaimPath): string {
  return path
    .map((segment, index) =>
      /^[A-Za-z0-9_:$-]+$/.test(segment)
        ? `${index ? '.' : ''}${segment}`
        : `[${JSON.stringify(segment)}]`,
    )
    .join('');
}

/**
 * The value at `path`, or undefined. Only the claims' own members are
 * followed: `__proto__` or `constructor` never reach an object's prototype.
 */
export function readClaim(claims: unknown, path: ClaimPath): unknown {
  let value = claims;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Sets `value` at `path` in `claims`, creating the objects on the way (to mint tokens). */
export function writeClaim(claims: Record<string, unknown>, path: ClaimPath, value: unknown): void {
  let target = claims;
  path.forEach((key, index) => {
    if (index === path.length - 1) {
      target[key] = value;
      return;
    }
    const next = target[key];
    target = (typeof next === 'object' && next !== null ? next : (target[key] = {})) as Record<
      string,
      unknown
    >;
  });
}
