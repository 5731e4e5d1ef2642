import { Controller, Get, Inject, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { negotiateProblemLocale } from './problem-i18n';
import { problemForSlug, renderProblemIndex, renderProblemPage } from './problem-pages';
import { ProblemError } from './problem.errors';
import { setLanguageHeaders } from './problem.filter';
import { PROBLEM_MODULE_OPTIONS, type ProblemModuleOptions } from './problem.options';

/**
 * Makes every problem `type` resolve (RFC 9457 section 3.1.1): `GET /problems`
 * lists the kinds, `GET /problems/<slug>` explains one, in the language
 * `Accept-Language` asks for. Static, public pages: no authentication, no
 * rate limit (the service's `ip` and `user` throttlers skip them), and left
 * out of the OpenAPI document, which describes the API itself. Plain HTML,
 * no scripts, so it renders under the service's Content-Security-Policy.
 */
@ApiExcludeController()
@SkipThrottle({ ip: true, user: true })
@Controller('problems')
export class ProblemPagesController {
  constructor(@Inject(PROBLEM_MODULE_OPTIONS) private readonly options: ProblemModuleOptions) {}

  @Get()
  index(@Req() req: Request, @Res({ passthrough: true }) res: Response): string {
    const locale = negotiateProblemLocale(req.headers['accept-language']);
    setLanguageHeaders(res, locale);
    res.type('html');
    return renderProblemIndex(locale, this.options.typeBaseUri);
  }

  @Get(':slug')
  page(
    @Param('slug') slug: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): string {
    const definition = problemForSlug(slug);
    if (!definition) {
      throw ProblemError.fromTemplate('routeNotFound', 'default', {
        method: req.method,
        path: req.originalUrl.split('?')[0],
      });
    }
    const locale = negotiateProblemLocale(req.headers['accept-language']);
    setLanguageHeaders(res, locale);
    res.type('html');
    return renderProblemPage(definition, locale, this.options.typeBaseUri);
  }
}
