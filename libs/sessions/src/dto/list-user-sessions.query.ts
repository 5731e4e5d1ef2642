import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { MemoizedValidation } from '@session-service/problem';
import { StrictInt } from './strict-int.transform';

export const MAX_PAGE = 1_000_000;
export const MAX_PAGE_SIZE = 100;

/**
 * class-validator runs a property's decorators bottom-up and, with
 * stopAtFirstError, reports the first failure: the type check sits lowest so a
 * non-integer is reported as such, not as out of range.
 */
@MemoizedValidation()
export class ListUserSessionsQuery {
  @ApiPropertyOptional({
    description: 'Page number',
    type: 'integer',
    default: 1,
    minimum: 1,
    maximum: MAX_PAGE,
  })
  @Min(1, { message: 'page must be at least 1' })
  @Max(MAX_PAGE, { message: `page must be at most ${MAX_PAGE}` })
  @IsInt({ message: 'page must be an integer' })
  @StrictInt()
  page: number = 1;

  @ApiPropertyOptional({
    description: 'Items per page',
    type: 'integer',
    default: 20,
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
  })
  @Min(1, { message: `page_size must be between 1 and ${MAX_PAGE_SIZE}` })
  @Max(MAX_PAGE_SIZE, { message: `page_size must be between 1 and ${MAX_PAGE_SIZE}` })
  @IsInt({ message: 'page_size must be an integer' })
  @StrictInt()
  page_size: number = 20;
}
