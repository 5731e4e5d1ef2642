import { PROBLEM_CATALOG } from './problem-catalog';
import { escapeHtml, problemForSlug, renderProblemIndex, renderProblemPage } from './problem-pages';

const definitions = Object.values(PROBLEM_CATALOG);

describe('problemForSlug', () => {
  it('finds every catalog kind by its slug', () => {
    for (const d of definitions) expect(problemForSlug(d.slug)).toBe(d);
  });

  it('documents a generic http-<status> kind for an uncatalogued error status', () => {
    expect(problemForSlug('http-502')).toMatchObject({
      status: 502,
      code: 30250299,
      title: 'Bad Gateway',
    });
    expect(problemForSlug('http-422')?.status).toBe(422);
  });

  it.each([
    'http-404',
    'http-200',
    'http-499',
    'http-600',
    'nope',
    'User-Not-Found',
    'user-not-found ',
    'constructor',
    '',
  ])('knows no kind %j', (slug) => {
    expect(problemForSlug(slug)).toBeUndefined();
  });
});

describe('renderProblemPage', () => {
  it.each(definitions.map((d) => [d.slug, d] as const))('%s: English page', (_slug, d) => {
    const html = renderProblemPage(d, 'en', '/problems/');
    expect(html).toMatch(/^<!DOCTYPE html>\n<html lang="en">/);
    expect(html).toContain(`<h1>${escapeHtml(d.title)}</h1>`);
    expect(html).toContain(`<dd id="status">${d.status}</dd>`);
    expect(html).toContain(`<dd id="code">${d.code}</dd>`);
    expect(html).toContain(`<code>/problems/${d.slug}</code>`);
    expect(html).toContain(`<code>${d.i18nKey}</code>`);
    expect(html).toContain(escapeHtml(d.action.en).split('`')[0]);
    expect(html).not.toMatch(/<script|\son[a-z]+=/i);
  });

  it.each(definitions.map((d) => [d.slug, d] as const))('%s: Chinese page', (_slug, d) => {
    const html = renderProblemPage(d, 'zh-CN', '/problems/');
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain(`<h1>${escapeHtml(d.titles['zh-CN'])}</h1>`);
    expect(html).toContain(`<dd id="code">${d.code}</dd>`);
    expect(html).toContain('何时发生');
    expect(html).toContain('如何处理');
  });

  it('lists the detail templates with their keys, and turns backticks into code', () => {
    const html = renderProblemPage(PROBLEM_CATALOG.userNotFound, 'zh-CN', '/problems/');
    expect(html).toContain('<li><code>error.user_not_found</code>: 用户 {user_id} 不存在</li>');
    const methods = renderProblemPage(PROBLEM_CATALOG.methodNotAllowed, 'en', '/problems/');
    expect(methods).toContain('<code>Allow</code>');
    expect(methods).not.toContain('`');
  });

  it('links back to the index under the configured base', () => {
    expect(renderProblemPage(PROBLEM_CATALOG.conflict, 'en', '/errors/')).toContain(
      '<a href="/errors">All problem types</a>',
    );
  });

  it('escapes every text it prints', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
    const html = renderProblemPage(PROBLEM_CATALOG.notResourceOwner, 'en', '/problems/');
    expect(html).toContain('The token&#39;s user');
  });
});

describe('renderProblemIndex', () => {
  it.each(['en', 'zh-CN'] as const)('links every kind once (%s)', (locale) => {
    const html = renderProblemIndex(locale, '/problems/');
    const links = [...html.matchAll(/<a href="([^"]+)">/g)].map((m) => m[1]);
    expect(links.sort()).toEqual(definitions.map((d) => `/problems/${d.slug}`).sort());
    for (const d of definitions) {
      expect(html).toContain(`<td>${d.code}</td><td>${d.status}</td>`);
      expect(html).toContain(escapeHtml(d.titles[locale]));
    }
    expect(html).toContain(`<html lang="${locale}">`);
  });
});
