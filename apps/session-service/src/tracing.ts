/**
 * OpenTelemetry tracing, loaded by `main.ts` before anything else so the
 * instrumented modules (http, undici, fastify, pg) are patched as they load.
 * Off unless an exporter is configured: `OTEL_TRACES_EXPORTER` set to
 * something other than `none`, or (without it) `OTEL_EXPORTER_OTLP_ENDPOINT`
 * or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`. Everything else is the SDK's own
 * `OTEL_*` configuration (exporter protocol, headers, sampler, batch delays).
 * When off, not even the SDK is loaded.
 */
export const tracingEnabled = exporterConfigured(
  process.env.OTEL_TRACES_EXPORTER,
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
  process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
);

/** `OTEL_TRACES_EXPORTER` decides when set (`none` is off); otherwise an OTLP endpoint turns tracing on. */
export function exporterConfigured(
  exporters: string | undefined,
  endpoint: string | undefined,
  tracesEndpoint: string | undefined,
): boolean {
  const named = (exporters ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (named.length > 0) return named.some((name) => name !== 'none');
  return Boolean(endpoint?.trim() || tracesEndpoint?.trim());
}

let sdk: { shutdown(): Promise<void> } | undefined;
if (tracingEnabled) {
  // Loaded only when on; synchronous, so it runs before main.ts imports the application.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { startTracing } = require('./tracing-sdk') as typeof import('./tracing-sdk');
  sdk = startTracing(process.env.OTEL_SERVICE_NAME ? undefined : 'session-service');
}

/** Exports the spans still buffered; called on shutdown before the process exits. */
export async function shutdownTracing(): Promise<void> {
  await sdk?.shutdown();
}
