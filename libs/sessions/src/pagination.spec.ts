import { buildPageInfo, pageOffset } from './pagination';

describe('pageOffset', () => {
  it.each([
    [1, 20, 0],
    [2, 20, 20],
    [3, 10, 20],
    [5, 1, 4],
    [1_000_000, 100, 99_999_900],
  ])('page %i of size %i starts at row %i', (page, size, offset) => {
    expect(pageOffset(page, size)).toBe(offset);
  });
});

describe('buildPageInfo', () => {
  it('describes an empty result as zero pages with no neighbours', () => {
    expect(buildPageInfo(1, 20, 0)).toEqual({
      page: 1,
      page_size: 20,
      total: 0,
      total_pages: 0,
      has_next: false,
      has_prev: false,
    });
  });

  it('counts an exact multiple without an extra page', () => {
    expect(buildPageInfo(1, 10, 30)).toMatchObject({
      total_pages: 3,
      has_next: true,
      has_prev: false,
    });
  });

  it('rounds a remainder up to one more page', () => {
    expect(buildPageInfo(1, 10, 31).total_pages).toBe(4);
    expect(buildPageInfo(1, 20, 1).total_pages).toBe(1);
  });

  it('has a next page but no previous one on the first page', () => {
    expect(buildPageInfo(1, 10, 25)).toMatchObject({ has_next: true, has_prev: false });
  });

  it('has both neighbours in the middle', () => {
    expect(buildPageInfo(2, 10, 25)).toMatchObject({ has_next: true, has_prev: true });
  });

  it('has a previous page but no next one on the last page', () => {
    expect(buildPageInfo(3, 10, 25)).toEqual({
      page: 3,
      page_size: 10,
      total: 25,
      total_pages: 3,
      has_next: false,
      has_prev: true,
    });
    expect(buildPageInfo(3, 10, 30)).toMatchObject({ has_next: false, has_prev: true });
  });

  it('has no neighbours when everything fits on one page', () => {
    expect(buildPageInfo(1, 20, 20)).toMatchObject({
      total_pages: 1,
      has_next: false,
      has_prev: false,
    });
  });

  it('treats a page past the end as valid and empty, with a previous page', () => {
    expect(buildPageInfo(9, 10, 25)).toEqual({
      page: 9,
      page_size: 10,
      total: 25,
      total_pages: 3,
      has_next: false,
      has_prev: true,
    });
    expect(buildPageInfo(2, 20, 0)).toMatchObject({
      total_pages: 0,
      has_next: false,
      has_prev: true,
    });
  });
});
