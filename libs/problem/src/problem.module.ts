import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ProblemPagesController } from './problem-pages.controller';
import { ProblemExceptionFilter } from './problem.filter';
import {
  DEFAULT_PROBLEM_OPTIONS,
  PROBLEM_MODULE_OPTIONS,
  ProblemModuleOptions,
} from './problem.options';
import { createProblemValidationPipe } from './validation';

/**
 * Installs the Problem exception filter and the validation pipe for the whole
 * application, so every error, including those of a host app's own routes,
 * leaves as `application/problem+json`, and serves the page every problem
 * `type` points to (`GET /problems/<slug>`, `GET /problems`).
 */
@Module({})
export class ProblemModule {
  static forRoot(options: Partial<ProblemModuleOptions> = {}): DynamicModule {
    return {
      module: ProblemModule,
      global: true,
      controllers: [ProblemPagesController],
      providers: [
        { provide: PROBLEM_MODULE_OPTIONS, useValue: { ...DEFAULT_PROBLEM_OPTIONS, ...options } },
        { provide: APP_FILTER, useClass: ProblemExceptionFilter },
        { provide: APP_PIPE, useFactory: createProblemValidationPipe },
      ],
      exports: [PROBLEM_MODULE_OPTIONS],
    };
  }
}
