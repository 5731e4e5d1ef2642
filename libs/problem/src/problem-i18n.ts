import {
  DEFAULT_PROBLEM_LOCALE,
  type DetailTemplates,
  detailKey,
  type ProblemDefinition,
  type ProblemLocale,
  SHARED_DETAILS,
  sharedDetailKey,
} from './problem-catalog';

/** Values interpolated into a detail template (`i18n_args` of a Problem). */
export type I18nArgs = Readonly<Record<string, string | number>>;

/** Which template a detail was produced from, and with what. */
export interface DetailMessage {
  /** Variant of the kind's templates (`default`, ...), or `common.<name>` for a shared one. */
  readonly variant: string;
  readonly args: I18nArgs;
}

/** Longest `Accept-Language` value read; the rest is ignored (a header is not a workload). */
const MAX_HEADER_LENGTH = 1024;
/** At most this many language ranges are considered. */
const MAX_RANGES = 32;
/** RFC 4647 section 2.1 language range, or the wildcard. */
const LANGUAGE_RANGE = /^(?:\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$/;
/** RFC 9110 section 12.4.2 qvalue. */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;
/** Regions whose Chinese is written in Simplified characters (zh-CN serves them). */
const SIMPLIFIED_REGIONS = new Set(['cn', 'sg', 'my']);
/** Regions and scripts whose Chinese is written in Traditional characters (not served). */
const TRADITIONAL_SUBTAGS = new Set(['hant', 'tw', 'hk', 'mo']);

interface LanguageRange {
  subtags: string[];
  q: number;
  position: number;
}

/** The valid ranges of an `Accept-Language` value, malformed members skipped. */
function parseAcceptLanguage(header: string): LanguageRange[] {
  const ranges: LanguageRange[] = [];
  const members = header.slice(0, MAX_HEADER_LENGTH).split(',').slice(0, MAX_RANGES);
  members.forEach((member, position) => {
    const [rawRange, ...params] = member.split(';').map((part) => part.trim());
    if (!rawRange || !LANGUAGE_RANGE.test(rawRange)) return;
    let q = 1;
    for (const param of params) {
      const [name, value] = param.split('=').map((part) => part.trim());
      if (name.toLowerCase() !== 'q') continue;
      if (value === undefined || !QVALUE.test(value)) return;
      q = Number(value);
    }
    ranges.push({ subtags: rawRange.toLowerCase().split('-'), q, position });
  });
  return ranges;
}

/**
 * How specifically `range` names `locale`: 0 for no match, 1 for the wildcard,
 * otherwise 1 + the number of subtags of the range. `en` serves every English
 * range; `zh-CN` serves Chinese in Simplified characters: `zh`, `zh-CN`,
 * `zh-Hans`, `zh-SG`, `zh-Hans-CN`, ... but not `zh-TW` or `zh-Hant`.
 */
function specificity(range: string[], locale: ProblemLocale): number {
  if (range[0] === '*') return 1;
  if (locale === 'en') return range[0] === 'en' ? 1 + range.length : 0;
  if (range[0] !== 'zh') return 0;
  const rest = range.slice(1);
  if (rest.some((subtag) => TRADITIONAL_SUBTAGS.has(subtag))) return 0;
  const region = rest.find((subtag) => subtag.length === 2);
  if (region !== undefined && !SIMPLIFIED_REGIONS.has(region)) return 0;
  return 1 + range.length;
}

/**
 * The language of a Problem for an `Accept-Language` value (RFC 9110 section
 * 12.5.4): each supported language takes the q-value of the most specific
 * range that matches it; the highest q above 0 wins, ties going to the range
 * listed first. No header, a malformed one, or nothing acceptable: English.
 */
export function negotiateProblemLocale(header: string | string[] | undefined): ProblemLocale {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return DEFAULT_PROBLEM_LOCALE;
  const ranges = parseAcceptLanguage(value);
  let best: { locale: ProblemLocale; q: number; position: number } | undefined;
  for (const locale of ['en', 'zh-CN'] as const) {
    let chosen: LanguageRange | undefined;
    let chosenSpecificity = 0;
    for (const range of ranges) {
      const s = specificity(range.subtags, locale);
      if (s > chosenSpecificity) {
        chosen = range;
        chosenSpecificity = s;
      }
    }
    if (!chosen || chosen.q <= 0) continue;
    // A wildcard expresses no preference of its own: English, the default, takes it.
    const position = chosen.subtags[0] === '*' && locale !== 'en' ? Infinity : chosen.position;
    if (!best || chosen.q > best.q || (chosen.q === best.q && position < best.position)) {
      best = { locale, q: chosen.q, position };
    }
  }
  return best?.locale ?? DEFAULT_PROBLEM_LOCALE;
}

/** `template` with every `{name}` replaced by `args[name]`; unknown names stay as written. */
export function interpolate(template: string, args: I18nArgs): string {
  return template.replace(/\{([a-z][a-z0-9_]*)\}/g, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(args, name) ? String(args[name]) : whole,
  );
}

/** The placeholder names of a template, in order. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(/\{([a-z][a-z0-9_]*)\}/g)].map((m) => m[1]);
}

const matchers = new Map<string, { pattern: RegExp; names: string[] }>();

/** A regular expression matching exactly the English texts a template produces. */
function matcherFor(template: string): { pattern: RegExp; names: string[] } {
  let matcher = matchers.get(template);
  if (!matcher) {
    const names = placeholders(template);
    const source = template
      .split(/\{[a-z][a-z0-9_]*\}/)
      .map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('(\\S+)');
    matcher = { pattern: new RegExp(`^${source}$`), names };
    matchers.set(template, matcher);
  }
  return matcher;
}

function recogniseIn(
  templates: DetailTemplates,
  detail: string,
  numericArgs: readonly string[],
  prefix = '',
): DetailMessage | undefined {
  for (const [variant, text] of Object.entries(templates)) {
    const { pattern, names } = matcherFor(text.en);
    const match = pattern.exec(detail);
    if (!match) continue;
    const args: Record<string, string | number> = {};
    names.forEach((name, i) => {
      const value = match[i + 1];
      args[name] = numericArgs.includes(name) && /^\d+$/.test(value) ? Number(value) : value;
    });
    // A template with a repeated placeholder only matches when each occurrence agrees.
    if (interpolate(text.en, args) !== detail) continue;
    return { variant: `${prefix}${variant}`, args };
  }
  return undefined;
}

/**
 * The template an English detail was written from, and its arguments, so a
 * detail written as a plain string (by code that predates the templates)
 * still gets translated and carries `i18n_args`. Undefined for a dynamic
 * detail no template produces (validation messages, framework messages).
 */
export function recogniseDetail(
  definition: ProblemDefinition,
  detail: string,
): DetailMessage | undefined {
  return (
    recogniseIn(definition.details, detail, definition.numericArgs) ??
    recogniseIn(SHARED_DETAILS, detail, [], 'common.')
  );
}

/** The template text of a message in one language, if the message exists. */
export function templateOf(
  definition: ProblemDefinition,
  variant: string,
): { key: string; text: Readonly<Record<ProblemLocale, string>> } | undefined {
  if (variant.startsWith('common.')) {
    const name = variant.slice('common.'.length);
    const text = (SHARED_DETAILS as DetailTemplates)[name];
    return text ? { key: sharedDetailKey(name), text } : undefined;
  }
  const text = definition.details[variant];
  return text ? { key: detailKey(definition, variant), text } : undefined;
}

/** Renders the English detail of a kind's template; throws on an unknown variant (a bug). */
export function renderDetail(
  definition: ProblemDefinition,
  variant: string,
  args: I18nArgs,
  locale: ProblemLocale = DEFAULT_PROBLEM_LOCALE,
): string {
  const template = templateOf(definition, variant);
  if (!template) throw new Error(`${definition.slug} has no detail template "${variant}"`);
  return interpolate(template.text[locale], args);
}

/** Title and detail of one occurrence in `locale`, and the arguments clients need. */
export interface LocalizedText {
  title: string;
  detail: string;
  args: I18nArgs;
}

/**
 * Localizes an occurrence: the title always; the detail when it comes from a
 * template (given, or recognised from the English text), or when it is the
 * title itself. Any other detail (a validation message) stays as written.
 */
export function localize(
  definition: ProblemDefinition,
  detail: string,
  locale: ProblemLocale,
  message: DetailMessage | undefined = recogniseDetail(definition, detail),
): LocalizedText {
  const title = definition.titles[locale];
  if (message) {
    const template = templateOf(definition, message.variant);
    if (template) {
      return {
        title,
        detail: interpolate(template.text[locale], message.args),
        args: message.args,
      };
    }
  }
  if (detail === definition.titles.en) return { title, detail: title, args: {} };
  return { title, detail, args: {} };
}
