/**
 * The shop's OpenTelemetry setup: the official Node SDK with the HTTP instrumentation, configured
 * by the standard OTEL_* variables (exporter protocol defaults to http/protobuf, as the spec says).
 *
 * N.B. start it before anything loads node:http: the instrumentation patches http when it is
 * required, which is why main.ts imports the server only after startTelemetry() returned.
 */
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NodeSDK } from '@opentelemetry/sdk-node';

export interface Telemetry {
  /** Whether spans are exported (false when nothing is configured). */
  readonly exporting: boolean;
  /** Flushes and stops the SDK; resolves at once when nothing was started. */
  shutdown(): Promise<void>;
}

/** Variables any one of which means the user asked for telemetry. */
const CONFIGURING_VARIABLES = [
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  'OTEL_TRACES_EXPORTER',
  'OTEL_METRICS_EXPORTER',
];

/**
 * Starts the SDK when an OTEL_* variable asks for it; with none set the shop runs untraced instead
 * of sending to the default localhost:4318 where nothing may listen. `service.name` is 'shop'
 * unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES name one.
 */
export function startTelemetry(env: NodeJS.ProcessEnv = process.env): Telemetry {
  const configured = CONFIGURING_VARIABLES.some(name => (env[name] ?? '') !== '');
  if (!configured || env.OTEL_SDK_DISABLED === 'true') return { exporting: false, shutdown: async () => {} };

  const namesService = (env.OTEL_SERVICE_NAME ?? '') !== '' || /(^|,)\s*service\.name\s*=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '');
  const sdk = new NodeSDK({
    serviceName: namesService ? undefined : 'shop',
    instrumentations: [new HttpInstrumentation()],
  });
  sdk.start();
  return { exporting: true, shutdown: () => sdk.shutdown() };
}
