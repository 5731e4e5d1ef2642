import {
  ClaimPathError,
  formatClaimPath,
  parseClaimPath,
  parseClaimPathList,
  readClaim,
  writeClaim,
} from './claim-path';

describe('parseClaimPath', () => {
  it.each([
    ['sub', ['sub']],
    ['realm_access.roles', ['realm_access', 'roles']],
    ['resource_access.my-app.roles', ['resource_access', 'my-app', 'roles']],
    ['urn:zitadel:iam:org:project:roles', ['urn:zitadel:iam:org:project:roles']],
    ['["https://example.com/roles"]', ['https://example.com/roles']],
    ['resource_access["my.app"].roles', ['resource_access', 'my.app', 'roles']],
    ['resource_access.["my.app"].roles', ['resource_access', 'my.app', 'roles']],
    ['["a\\"b\\\\c"]', ['a"b\\c']],
    ['["with, comma"]', ['with, comma']],
    ['  roles  ', ['roles']],
  ])('reads %s', (text, path) => {
    expect(parseClaimPath(text)).toEqual(path);
  });

  it.each([
    ['empty', ''],
    ['only spaces', '   '],
    ['a leading dot', '.roles'],
    ['a trailing dot', 'roles.'],
    ['two dots', 'realm_access..roles'],
    ['a URI unbracketed', 'https://example.com/roles'],
    ['an unquoted bracket', 'resource_access[my-app]'],
    ['single quotes', "['roles']"],
    ['an unclosed bracket', '["roles"'],
    ['an unclosed quote', '["roles]'],
    ['an empty name', '[""]'],
    ['a bad escape', '["\\x"]'],
    ['a segment glued after a bracket', '["a"]b'],
    ['a list', 'roles,scope'],
    ['a space inside', 'realm_access. roles'],
  ])('refuses %s', (_label, text) => {
    expect(() => parseClaimPath(text)).toThrow(ClaimPathError);
  });

  it('writes a path back in the same syntax', () => {
    for (const text of ['sub', 'resource_access["my.app"].roles', '["https://x.test/r"]']) {
      expect(parseClaimPath(formatClaimPath(parseClaimPath(text)))).toEqual(parseClaimPath(text));
    }
    expect(formatClaimPath(['a', 'b.c', 'd'])).toBe('a["b.c"].d');
  });
});

describe('parseClaimPathList', () => {
  it('splits on commas outside brackets, ignoring spaces around them', () => {
    expect(
      parseClaimPathList(
        'realm_access.roles, resource_access.session-service.roles ,["https://x.test/a,b"]',
      ),
    ).toEqual([
      ['realm_access', 'roles'],
      ['resource_access', 'session-service', 'roles'],
      ['https://x.test/a,b'],
    ]);
  });

  it('takes an array of paths', () => {
    expect(parseClaimPathList(['roles', '["https://x.test/roles"]'])).toEqual([
      ['roles'],
      ['https://x.test/roles'],
    ]);
  });

  it.each([[''], ['roles,'], [',roles'], ['roles,,scope'], ['roles scope']])(
    'refuses %j',
    (text) => {
      expect(() => parseClaimPathList(text)).toThrow(ClaimPathError);
    },
  );
});

describe('readClaim and writeClaim', () => {
  const claims = {
    sub: 'x',
    realm_access: { roles: ['a'] },
    'https://example.com/roles': ['b'],
    list: [{ id: 1 }],
  };

  it('follows own members only', () => {
    expect(readClaim(claims, ['realm_access', 'roles'])).toEqual(['a']);
    expect(readClaim(claims, ['https://example.com/roles'])).toEqual(['b']);
    expect(readClaim(claims, ['realm_access', 'missing', 'x'])).toBeUndefined();
    expect(readClaim(claims, ['sub', 'length'])).toBeUndefined();
    expect(readClaim(claims, ['list', '0'])).toBeUndefined();
    expect(readClaim(claims, ['__proto__'])).toBeUndefined();
    expect(readClaim(claims, ['constructor'])).toBeUndefined();
    expect(readClaim(claims, ['realm_access', 'toString'])).toBeUndefined();
  });

  it('writes nested claims', () => {
    const out: Record<string, unknown> = { a: { keep: 1 } };
    writeClaim(out, ['a', 'b', 'c'], ['x']);
    writeClaim(out, ['top'], 1);
    expect(out).toEqual({ a: { keep: 1, b: { c: ['x'] } }, top: 1 });
  });
});
