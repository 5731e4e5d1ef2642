import { Controller, Get, Header, Inject, Param, Req, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { negotiateProblemLocale } from './problem-i18n';
import { problemForSlug, renderProblemIndex, renderProblemPage } from './problem-pages';
import { ProblemError } from './problem.errors';
import { type HeaderTarget, ProblemExceptionFilter, setLanguageHeaders } from './problem.filter';
import {
  DEFAULT_PROBLEM_PAGES_PATH,
  PROBLEM_MODULE_OPTIONS,
  type ProblemModuleOptions,
} from './problem.options';
import type { HttpRequest } from './request-id.middleware';

/** What the pages read of a request, the same on Express and Fastify. */
type Request = HttpRequest & { method: string; originalUrl: string };

const HTML = 'text/html; charset=utf-8';

/**
 * Makes every problem `type` resolve (RFC 9457 section 3.1.1): `GET /problems`
 * lists the kinds, `GET /problems/<slug>` explains one, in the language
 * `Accept-Language` asks for. Static, public pages: no authentication, no
 * rate limit (the service's `ip` and `user` throttlers skip them), and left
 * out of the OpenAPI document, which describes the API itself. Plain HTML,
 * no scripts, so it renders under the service's Content-Security-Policy.
 * Served at `/problems`, or where `problemPagesController(path)` says.
 */
@ApiExcludeController()
@SkipThrottle({ ip: true, user: true })
@UseFilters(ProblemExceptionFilter)
@Controller(DEFAULT_PROBLEM_PAGES_PATH)
export class ProblemPagesController {
  constructor(@Inject(PROBLEM_MODULE_OPTIONS) private readonly options: ProblemModuleOptions) {}

  @Get()
  @Header('Content-Type', HTML)
  index(@Req() req: Request, @Res({ passthrough: true }) res: HeaderTarget): string {
    const locale = negotiateProblemLocale(req.headers['accept-language']);
    setLanguageHeaders(res, locale);
    return renderProblemIndex(locale, this.options.typeBaseUri, this.options.problemTypes);
  }

  @Get(':slug')
  @Header('Content-Type', HTML)
  page(
    @Param('slug') slug: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: HeaderTarget,
  ): string {
    const definition = problemForSlug(slug, this.options.problemTypes);
    if (!definition) {
      throw ProblemError.fromTemplate('routeNotFound', 'default', {
        method: req.method,
        path: req.originalUrl.split('?')[0],
      });
    }
    const locale = negotiateProblemLocale(req.headers['accept-language']);
    setLanguageHeaders(res, locale);
    return renderProblemPage(definition, locale, this.options.typeBaseUri);
  }
}

/** The pages controller at `path` (a subclass, so two applications in one process each keep theirs). */
export function problemPagesController(path: string): typeof ProblemPagesController {
  if (path === DEFAULT_PROBLEM_PAGES_PATH) return ProblemPagesController;
  @Controller(path)
  class ProblemPagesAtPath extends ProblemPagesController {}
  return ProblemPagesAtPath;
}
