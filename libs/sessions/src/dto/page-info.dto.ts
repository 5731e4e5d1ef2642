import { ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { MAX_PAGE, MAX_PAGE_SIZE } from './list-user-sessions.query';

/**
 * `gitee_com_linmes_authms_base_dto.PageInfo`: the contract keeps the upstream schema name.
 * As seed 001 documents it: every member optional (the service always sends all
 * six), integers without a format.
 */
@ApiSchema({ name: 'gitee_com_linmes_authms_base_dto.PageInfo' })
export class PageInfo {
  @ApiPropertyOptional({
    description: 'Page is the current page number (1-based)',
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE,
    example: 1,
  })
  page: number;

  @ApiPropertyOptional({
    description: 'PageSize is the number of items per page',
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    example: 20,
  })
  page_size: number;

  @ApiPropertyOptional({
    description: 'Total is the total number of items across all pages',
    type: 'integer',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 3,
  })
  total: number;

  @ApiPropertyOptional({
    description: 'TotalPages is the total number of pages',
    type: 'integer',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    example: 1,
  })
  total_pages: number;

  @ApiPropertyOptional({
    description: 'HasNext indicates whether there is a next page',
    example: false,
  })
  has_next: boolean;

  @ApiPropertyOptional({
    description: 'HasPrev indicates whether there is a previous page',
    example: false,
  })
  has_prev: boolean;
}
