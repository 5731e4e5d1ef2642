import { FastifyOtelInstrumentation } from '@fastify/otel';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';

/** Query strings can carry what a client should not have put there; spans never record them. */
const REDACTED = '[redacted]';

/**
 * The OpenTelemetry Node SDK with the instrumentations the service needs:
 * incoming and outgoing HTTP (node:http; `traceparent`/`tracestate` continue
 * the caller's trace through the W3C propagator), undici (the global `fetch`
 * the JWKS and discovery requests use, so they carry the trace onwards),
 * Fastify (`@fastify/otel`, which also names the server span's `http.route`)
 * and node-postgres (statements without their parameters). Exporter, sampler
 * and resource come from the standard `OTEL_*` variables.
 */
export function startTracing(defaultServiceName?: string): NodeSDK {
  const sdk = new NodeSDK({
    ...(defaultServiceName ? { serviceName: defaultServiceName } : {}),
    instrumentations: [
      new HttpInstrumentation({
        // The stable conventions' url.query keeps every value but a few known secrets: none kept.
        startIncomingSpanHook: (request) =>
          'url' in request && request.url?.includes('?') ? { 'url.query': REDACTED } : {},
      }),
      new UndiciInstrumentation(),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        // One span per request and one for its handler, not one per hook (a dozen per request).
        instrumentHooks: false,
        // @fastify/otel records the raw URL (query string included) as url.path.
        requestHook: (span, request) => {
          const path = request.url.split('?', 1)[0];
          span.setAttribute('url.path', path);
        },
      }),
      // Statement text only (with its $n placeholders): never the values bound to it.
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
    ],
  });
  sdk.start();
  return sdk;
}
