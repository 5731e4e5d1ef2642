import { exporterConfigured } from './tracing';

describe('tracing: on only when an exporter is configured', () => {
  it.each([
    [undefined, undefined, undefined, false],
    ['', '', '', false],
    ['none', undefined, undefined, false],
    ['none', 'http://collector:4318', undefined, false],
    ['otlp', undefined, undefined, true],
    ['console', undefined, undefined, true],
    ['none, otlp', undefined, undefined, true],
    [undefined, 'http://collector:4318', undefined, true],
    [undefined, undefined, 'http://collector:4318/v1/traces', true],
    [undefined, '  ', undefined, false],
  ])('OTEL_TRACES_EXPORTER=%s, endpoint %s, traces endpoint %s: %s', (exp, ep, tep, on) => {
    expect(exporterConfigured(exp, ep, tep)).toBe(on);
  });
});
