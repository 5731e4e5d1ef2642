import { requestContext } from './request-id.middleware';

const freshRequest = () => ({ headers: {} }) as Parameters<typeof requestContext>[0];

describe('requestContext trace and span ids', () => {
  it('gives every new trace its own well-formed ids, across many refills of the random pool', () => {
    const contexts = Array.from({ length: 2000 }, () => requestContext(freshRequest()));
    for (const { traceId, spanId } of contexts) {
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(spanId).toMatch(/^[0-9a-f]{16}$/);
    }
    const ids = contexts.flatMap((c) => [c.traceId, c.spanId]);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps one context per request', () => {
    const req = freshRequest();
    expect(requestContext(req)).toBe(requestContext(req));
  });
});
