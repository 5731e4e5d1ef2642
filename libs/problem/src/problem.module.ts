import { DynamicModule, Module, type Provider } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { checkProblemTypes } from './problem-catalog';
import { problemPagesController } from './problem-pages.controller';
import { ProblemExceptionFilter } from './problem.filter';
import {
  PROBLEM_MODULE_OPTIONS,
  problemPagesPath,
  type ProblemModuleSettings,
  resolveProblemOptions,
} from './problem.options';
import { createProblemValidationPipe } from './validation';

/**
 * The Problem settings (`serviceName`, `typeBaseUri`, `retryAfterSeconds`, the
 * host's `problemTypes`) for the library's routes wherever they are imported,
 * and the page every problem `type` points to (`GET /problems/<slug>`,
 * `GET /problems`; `pagesPath`, `pages: false`).
 *
 * By default the host's own routes are left alone: the library's controllers
 * carry the Problem filter and validation pipe themselves (`@ProblemResponses()`).
 * `global: true` installs both for the whole application, so every error,
 * the host's included, leaves as `application/problem+json` (the standalone
 * service does this).
 */
@Module({})
export class ProblemModule {
  static forRoot(settings: ProblemModuleSettings = {}): DynamicModule {
    const options = resolveProblemOptions(settings);
    checkProblemTypes(options.problemTypes ?? []);
    const everyRoute: Provider[] = settings.global
      ? [
          { provide: APP_FILTER, useClass: ProblemExceptionFilter },
          { provide: APP_PIPE, useFactory: createProblemValidationPipe },
        ]
      : [];
    return {
      module: ProblemModule,
      // The options reach the library's filters in whichever module they are.
      global: true,
      controllers:
        settings.pages === false ? [] : [problemPagesController(problemPagesPath(settings))],
      providers: [{ provide: PROBLEM_MODULE_OPTIONS, useValue: options }, ...everyRoute],
      exports: [PROBLEM_MODULE_OPTIONS],
    };
  }
}
