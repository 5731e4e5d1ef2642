import type { PageInfo } from './dto/page-info.dto';

/** Row offset of a 1-based page. */
export function pageOffset(page: number, pageSize: number): number {
  return (page - 1) * pageSize;
}

/** Page metadata; a page past the end is valid, empty, and has a previous page. */
export function buildPageInfo(page: number, pageSize: number, total: number): PageInfo {
  const totalPages = Math.ceil(total / pageSize);
  return {
    page,
    page_size: pageSize,
    total,
    total_pages: totalPages,
    has_next: page < totalPages,
    has_prev: page > 1,
  };
}
