import { STATUS_CODES } from 'node:http';
import {
  genericProblem,
  PROBLEM_CATALOG,
  problemBySlug,
  type ProblemDefinition,
  type ProblemLocale,
} from './problem-catalog';
import { templateOf } from './problem-i18n';

/** The words of the pages themselves, per language. */
const LABELS: Readonly<Record<ProblemLocale, Readonly<Record<string, string>>>> = {
  en: {
    index: 'Problem types',
    intro:
      'Every error of this service is an RFC 9457 Problem (application/problem+json). Its "type" is the address of one of these pages; "status", "code" and "type" never depend on the language.',
    generic:
      'A status with no more specific type is answered as /problems/http-<status> (for example /problems/http-502).',
    status: 'HTTP status',
    code: 'Code',
    type: 'Type',
    title: 'Title',
    key: 'i18n key',
    when: 'When it happens',
    action: 'What to do',
    details: 'Detail messages',
    placeholderNote:
      'Placeholders in braces are filled from the Problem\u2019s i18n_args; other details (validation messages) are in English.',
    all: 'All problem types',
  },
  'zh-CN': {
    index: '问题类型',
    intro:
      '本服务的每个错误都是 RFC 9457 Problem（application/problem+json）。其 "type" 就是下列某个页面的地址；"status"、"code" 和 "type" 与语言无关。',
    generic: '没有更具体类型的状态码以 /problems/http-<状态码> 应答（例如 /problems/http-502）。',
    status: 'HTTP 状态码',
    code: '错误码',
    type: '类型',
    title: '标题',
    key: 'i18n 键',
    when: '何时发生',
    action: '如何处理',
    details: '详情消息',
    placeholderNote:
      '花括号中的占位符由 Problem 的 i18n_args 填充；其他详情（如参数校验消息）为英文。',
    all: '全部问题类型',
  },
};

const STYLE = `body{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
code{background:#f3f3f3;padding:0 .2rem}dt{font-weight:600;margin-top:.8rem}`;

/** Text made safe for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** Escaped text whose `backticked` parts become code elements. */
function prose(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function page(locale: ProblemLocale, title: string, body: string): string {
  return [
    '<!DOCTYPE html>',
    `<html lang="${locale}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * The documentation kind behind `/problems/<slug>`: a catalog kind, one of the
 * host's `problemTypes`, or a generic `http-<status>`.
 */
export function problemForSlug(
  slug: string,
  hostTypes: readonly ProblemDefinition[] = [],
): ProblemDefinition | undefined {
  const known = problemBySlug(slug) ?? hostTypes.find((p) => p.slug === slug);
  if (known) return known;
  const generic = /^http-([45]\d\d)$/.exec(slug);
  if (!generic) return undefined;
  const status = Number(generic[1]);
  const catalogued = Object.values(PROBLEM_CATALOG).some((p) => p.status === status);
  return !catalogued && STATUS_CODES[status] ? genericProblem(status) : undefined;
}

/** The page of one problem type. */
export function renderProblemPage(
  definition: ProblemDefinition,
  locale: ProblemLocale,
  typeBaseUri: string,
): string {
  const l = LABELS[locale];
  const title = definition.titles[locale];
  const type = `${typeBaseUri}${definition.slug}`;
  const details = Object.keys(definition.details).map((variant) => {
    const template = templateOf(definition, variant);
    if (!template) return '';
    return `<li><code>${escapeHtml(template.key)}</code>: ${escapeHtml(template.text[locale])}</li>`;
  });
  const body = [
    `<h1>${escapeHtml(title)}</h1>`,
    '<dl>',
    `<dt>${l.status}</dt><dd id="status">${definition.status}</dd>`,
    `<dt>${l.code}</dt><dd id="code">${definition.code}</dd>`,
    `<dt>${l.type}</dt><dd id="type"><code>${escapeHtml(type)}</code></dd>`,
    `<dt>${l.key}</dt><dd id="i18n-key"><code>${escapeHtml(definition.i18nKey)}</code></dd>`,
    `<dt>${l.when}</dt><dd id="when">${prose(definition.when[locale])}</dd>`,
    `<dt>${l.action}</dt><dd id="action">${prose(definition.action[locale])}</dd>`,
    '</dl>',
    ...(details.length
      ? [`<h2>${l.details}</h2>`, '<ul>', ...details, '</ul>', `<p>${l.placeholderNote}</p>`]
      : []),
    `<p><a href="${escapeHtml(typeBaseUri.replace(/\/$/, '') || '/')}">${l.all}</a></p>`,
  ].join('\n');
  return page(locale, `${title} (${definition.status})`, body);
}

/** The index of every problem type of the catalog, then the host's own. */
export function renderProblemIndex(
  locale: ProblemLocale,
  typeBaseUri: string,
  hostTypes: readonly ProblemDefinition[] = [],
): string {
  const l = LABELS[locale];
  const rows = [...Object.values(PROBLEM_CATALOG), ...hostTypes].map((d) => {
    const type = `${typeBaseUri}${d.slug}`;
    return `<tr><td>${d.code}</td><td>${d.status}</td><td><a href="${escapeHtml(type)}">${escapeHtml(type)}</a></td><td>${escapeHtml(d.titles[locale])}</td></tr>`;
  });
  const body = [
    `<h1>${l.index}</h1>`,
    `<p>${escapeHtml(l.intro)}</p>`,
    '<table>',
    `<thead><tr><th>${l.code}</th><th>${l.status}</th><th>${l.type}</th><th>${l.title}</th></tr></thead>`,
    '<tbody>',
    ...rows,
    '</tbody>',
    '</table>',
    `<p>${escapeHtml(l.generic.replaceAll('/problems/', typeBaseUri))}</p>`,
  ].join('\n');
  return page(locale, l.index, body);
}
