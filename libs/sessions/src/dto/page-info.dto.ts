import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** `gitee_com_linmes_authms_base_dto.PageInfo`: the contract keeps the upstream schema name. */
@ApiSchema({ name: 'gitee_com_linmes_authms_base_dto.PageInfo' })
export class PageInfo {
  @ApiProperty({ description: 'Page is the current page number (1-based)', example: 1 })
  page: number;

  @ApiProperty({ description: 'PageSize is the number of items per page', example: 20 })
  page_size: number;

  @ApiProperty({ description: 'Total is the total number of items across all pages', example: 3 })
  total: number;

  @ApiProperty({ description: 'TotalPages is the total number of pages', example: 1 })
  total_pages: number;

  @ApiProperty({ description: 'HasNext indicates whether there is a next page', example: false })
  has_next: boolean;

  @ApiProperty({
    description: 'HasPrev indicates whether there is a previous page',
    example: false,
  })
  has_prev: boolean;
}
