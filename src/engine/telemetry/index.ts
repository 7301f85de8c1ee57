/**
 * Loadlens's OpenTelemetry: spans for every request of the engine's HTTP client, metrics, and the
 * W3C context the application under test continues. The engine loads this module only for runs with
 * `--otel` (a dynamic import), so a run without it loads no OpenTelemetry code at all.
 *
 *   const { startTelemetry } = await import('./telemetry/index.ts');
 *   const telemetry = startTelemetry({ runId, scenario, file, serviceName, activeUsers: () => runner.users });
 *   createHttpClient({ ..., tracer: telemetry.tracer });
 *   ...
 *   report.telemetry = await telemetry.shutdown();
 */
export { startTelemetry, LOADLENS_VERSION, RUN_ID_BAGGAGE_KEY } from './telemetry.ts';
export { TelemetryConfigError, readTelemetryConfig } from './config.ts';
export type { TelemetryConfig } from './config.ts';
export { CONNECT_SPAN_NAME, EVENT_FIRST_BYTE, EVENT_REQUEST_SENT } from './tracer.ts';
export { DURATION_BOUNDARIES, METRIC_NAMES } from './metrics.ts';
export type { ConnectTiming, RequestTracer, Telemetry, TelemetryOptions, TracedRequest } from './types.ts';
