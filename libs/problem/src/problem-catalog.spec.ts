import { detailKey, PROBLEM_CATALOG, problemBySlug, problemForStatus } from './problem-catalog';

const entries = Object.entries(PROBLEM_CATALOG);
const definitions = Object.values(PROBLEM_CATALOG);

describe('PROBLEM_CATALOG', () => {
  it('has entries', () => {
    expect(definitions.length).toBeGreaterThan(10);
  });

  it('gives every kind a unique code', () => {
    const codes = definitions.map((d) => d.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('gives every kind a unique slug and i18n key', () => {
    const slugs = definitions.map((d) => d.slug);
    expect(new Set(slugs).size).toBe(slugs.length);
    const keys = definitions.map((d) => d.i18nKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each(entries)('%s has an 8-digit code 302SSSNN encoding its status', (_kind, definition) => {
    expect(Number.isInteger(definition.code)).toBe(true);
    expect(String(definition.code)).toMatch(/^302\d{5}$/);
    expect(Math.floor(definition.code / 100) % 1000).toBe(definition.status);
    expect(definition.code % 100).toBeGreaterThanOrEqual(1);
  });

  it.each(entries)('%s has a URL-safe slug, a title and a matching i18n key', (_kind, d) => {
    expect(d.slug).toMatch(/^[a-z]+(-[a-z]+)*$/);
    expect(d.title.trim()).not.toBe('');
    expect(d.i18nKey).toBe(`error.${d.slug.replace(/-/g, '_')}`);
    expect(d.status).toBeGreaterThanOrEqual(400);
    expect(d.status).toBeLessThan(600);
  });

  it('keeps the published codes stable', () => {
    expect(PROBLEM_CATALOG.invalidRequest.code).toBe(30240001);
    expect(PROBLEM_CATALOG.unauthorized.code).toBe(30240101);
    expect(PROBLEM_CATALOG.notResourceOwner.code).toBe(30240302);
    expect(PROBLEM_CATALOG.userNotFound.code).toBe(30240401);
    expect(PROBLEM_CATALOG.databaseUnavailable.code).toBe(30250301);
  });
});

describe('problemForStatus', () => {
  it('returns the first catalog entry of a known status', () => {
    expect(problemForStatus(403)).toBe(PROBLEM_CATALOG.forbidden);
    expect(problemForStatus(405)).toBe(PROBLEM_CATALOG.methodNotAllowed);
    expect(problemForStatus(409)).toBe(PROBLEM_CATALOG.conflict);
    expect(problemForStatus(429)).toBe(PROBLEM_CATALOG.tooManyRequests);
  });

  it('keeps an uncatalogued 5xx status with a generic kind', () => {
    expect(problemForStatus(502)).toMatchObject({
      status: 502,
      code: 30250299,
      slug: 'http-502',
      title: 'Bad Gateway',
    });
  });

  it('keeps an uncatalogued 4xx status with a generic kind', () => {
    expect(problemForStatus(422)).toMatchObject({
      status: 422,
      code: 30242299,
      slug: 'http-422',
      title: 'Unprocessable Entity',
    });
  });

  it('treats a status outside 400..599 as an internal error', () => {
    expect(problemForStatus(302)).toBe(PROBLEM_CATALOG.internal);
  });
});

describe('PROBLEM_CATALOG in every language', () => {
  it.each(entries)(
    '%s has an English and a Chinese title, and says when and what to do',
    (_k, d) => {
      expect(d.titles.en).toBe(d.title);
      expect(d.titles['zh-CN'].trim()).not.toBe('');
      expect(d.titles['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
      for (const text of [d.when, d.action]) {
        expect(text.en.trim()).not.toBe('');
        expect(text['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
      }
    },
  );

  it('gives every kind its own Chinese title', () => {
    const titles = definitions.map((d) => d.titles['zh-CN']);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it('looks kinds up by slug', () => {
    expect(problemBySlug('user-not-found')).toBe(PROBLEM_CATALOG.userNotFound);
    expect(problemBySlug('http-502')).toBeUndefined();
    expect(problemBySlug('constructor')).toBeUndefined();
  });

  it('keys detail templates by the kind, or the kind and a variant', () => {
    expect(detailKey(PROBLEM_CATALOG.notReady, 'default')).toBe('error.not_ready');
    expect(detailKey(PROBLEM_CATALOG.notReady, 'shutting_down')).toBe(
      'error.not_ready.shutting_down',
    );
  });
});
