/**
 * The standard OTEL_* variables, read once into a typed configuration. Pure: takes the
 * environment, returns the configuration or throws one TelemetryConfigError that lists every problem,
 * each naming its variable. Header values are secrets (API tokens): no message ever contains one.
 *
 * Read here (defaults as the OpenTelemetry specification says):
 *   OTEL_SDK_DISABLED                          true: export nothing (propagation still happens)
 *   OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
 *   OTEL_TRACES_EXPORTER, OTEL_METRICS_EXPORTER   otlp (default) | console | none, or a list
 *   OTEL_EXPORTER_OTLP[_TRACES|_METRICS]_{ENDPOINT,PROTOCOL,HEADERS,TIMEOUT,COMPRESSION}
 *   OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE   cumulative (default) | delta | lowmemory
 *   OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG
 *   OTEL_BSP_{SCHEDULE_DELAY,EXPORT_TIMEOUT,MAX_QUEUE_SIZE,MAX_EXPORT_BATCH_SIZE}
 *   OTEL_METRIC_EXPORT_INTERVAL, OTEL_METRIC_EXPORT_TIMEOUT
 * Logs are never exported: the engine has none to send.
 */
import { parseOtlpHeaders } from '../../shared/otlp-headers.ts';
import { ATTR_SERVICE_NAME } from './attributes.ts';

export type ExporterKind = 'otlp' | 'console';

/** Where and how one signal is sent over OTLP/HTTP with protobuf. */
export interface OtlpTarget {
  /** Full URL, signal path included, e.g. 'http://localhost:4318/v1/traces'. */
  url: string;
  /** Secret: never log. */
  headers: Readonly<Record<string, string>>;
  timeoutMillis: number;
  compression: 'gzip' | 'none';
}

/** Whether a trace is recorded and exported; decided from the trace id alone, so every process that sees the id agrees. */
export type SamplerConfig =
  | { kind: 'always_on' }
  | { kind: 'always_off' }
  | { kind: 'traceidratio'; ratio: number };

export interface TelemetryConfig {
  /** `service.name` from OTEL_SERVICE_NAME, else OTEL_RESOURCE_ATTRIBUTES, else the setting, else 'loadlens'. */
  serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES, decoded; `service.name` removed (it is in `serviceName`). */
  resourceAttributes: Readonly<Record<string, string>>;
  traces: {
    /** Empty: spans are not exported (ids are still made and propagated). */
    exporters: readonly ExporterKind[];
    otlp: OtlpTarget;
    sampler: SamplerConfig;
    scheduleDelayMillis: number;
    exportTimeoutMillis: number;
    maxQueueSize: number;
    maxExportBatchSize: number;
  };
  metrics: {
    exporters: readonly ExporterKind[];
    otlp: OtlpTarget;
    /** Histograms are cumulative since the start, or deltas since the previous export. */
    temporality: 'cumulative' | 'delta';
    exportIntervalMillis: number;
    exportTimeoutMillis: number;
  };
}

/** A configuration the engine cannot run with; the message lists every problem, one a line. */
export class TelemetryConfigError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`OpenTelemetry configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'TelemetryConfigError';
    this.problems = problems;
  }
}

type Env = Readonly<Record<string, string | undefined>>;
type Signal = 'TRACES' | 'METRICS';

const SUPPORTED_PROTOCOL = 'http/protobuf';
/** Protocols the specification defines that this build does not ship an exporter for. */
const UNSHIPPED_PROTOCOLS: Readonly<Record<string, Record<Signal, string>>> = {
  'http/json': { TRACES: '@opentelemetry/exporter-trace-otlp-http', METRICS: '@opentelemetry/exporter-metrics-otlp-http' },
  grpc: { TRACES: '@opentelemetry/exporter-trace-otlp-grpc', METRICS: '@opentelemetry/exporter-metrics-otlp-grpc' },
};

export function readTelemetryConfig(env: Env, settingServiceName?: string): TelemetryConfig {
  const problems: string[] = [];
  const reader = new EnvReader(env, problems);

  const resourceAttributes = parseResourceAttributes(reader.string('OTEL_RESOURCE_ATTRIBUTES'), problems);
  const serviceName = reader.string('OTEL_SERVICE_NAME') || resourceAttributes[ATTR_SERVICE_NAME] || settingServiceName || 'loadlens';
  delete resourceAttributes[ATTR_SERVICE_NAME];

  const disabled = reader.string('OTEL_SDK_DISABLED').toLowerCase() === 'true';
  const traceExporters = disabled ? [] : reader.exporters('OTEL_TRACES_EXPORTER');
  const metricExporters = disabled ? [] : reader.exporters('OTEL_METRICS_EXPORTER');

  const maxQueueSize = reader.integer('OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1);
  let maxExportBatchSize = reader.integer('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1);
  // The specification: the batch size must not exceed the queue size.
  if (maxExportBatchSize > maxQueueSize) maxExportBatchSize = maxQueueSize;

  const exportIntervalMillis = reader.integer('OTEL_METRIC_EXPORT_INTERVAL', 60_000, 1);
  const metricTimeout = reader.integer('OTEL_METRIC_EXPORT_TIMEOUT', 30_000, 1);

  const temporalityPreference = (reader.string('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE') || 'cumulative').toLowerCase();
  if (!['cumulative', 'delta', 'lowmemory'].includes(temporalityPreference)) {
    problems.push(`OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE='${temporalityPreference}' is not one of cumulative, delta, lowmemory`);
  }

  const config: TelemetryConfig = {
    serviceName,
    resourceAttributes,
    traces: {
      exporters: traceExporters,
      otlp: reader.otlpTarget('TRACES', 'v1/traces', traceExporters.includes('otlp')),
      sampler: reader.sampler(),
      scheduleDelayMillis: reader.integer('OTEL_BSP_SCHEDULE_DELAY', 5000, 0),
      exportTimeoutMillis: reader.integer('OTEL_BSP_EXPORT_TIMEOUT', 30_000, 1),
      maxQueueSize,
      maxExportBatchSize,
    },
    metrics: {
      exporters: metricExporters,
      otlp: reader.otlpTarget('METRICS', 'v1/metrics', metricExporters.includes('otlp')),
      // Histograms are what the engine exports: both 'delta' and 'lowmemory' make them deltas.
      temporality: temporalityPreference === 'cumulative' ? 'cumulative' : 'delta',
      exportIntervalMillis,
      // The SDK's reader clamps the timeout to the interval: an export may not outlast its period.
      exportTimeoutMillis: Math.min(metricTimeout, exportIntervalMillis),
    },
  };
  if (problems.length > 0) throw new TelemetryConfigError(problems);
  return config;
}

/** Reads variables, collecting every problem instead of stopping at the first. */
class EnvReader {
  private readonly env: Env;
  private readonly problems: string[];

  constructor(env: Env, problems: string[]) {
    this.env = env;
    this.problems = problems;
  }

  /** The trimmed value; '' when unset. */
  string(name: string): string {
    return (this.env[name] ?? '').trim();
  }

  integer(name: string, fallback: number, min: number): number {
    const raw = this.string(name);
    if (raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      this.problems.push(`${name}='${raw}' must be an integer ≥ ${min}`);
      return fallback;
    }
    return value;
  }

  exporters(name: string): ExporterKind[] {
    const raw = this.string(name).toLowerCase() || 'otlp';
    const kinds = new Set<ExporterKind>();
    let none = false;
    for (const item of raw.split(',').map(part => part.trim()).filter(Boolean)) {
      if (item === 'none') none = true;
      else if (item === 'otlp' || item === 'console') kinds.add(item);
      else this.problems.push(`${name}: exporter '${item}' is not supported; use otlp, console or none`);
    }
    return none ? [] : [...kinds];
  }

  /** OTLP settings of a signal; validated only when that signal exports over OTLP. */
  otlpTarget(signal: Signal, path: string, used: boolean): OtlpTarget {
    const specific = (key: string) => `OTEL_EXPORTER_OTLP_${signal}_${key}`;
    const general = (key: string) => `OTEL_EXPORTER_OTLP_${key}`;
    const pick = (key: string): { name: string; value: string } => {
      const value = this.string(specific(key));
      if (value !== '') return { name: specific(key), value };
      return { name: general(key), value: this.string(general(key)) };
    };

    const protocol = pick('PROTOCOL');
    const protocolValue = protocol.value.toLowerCase() || SUPPORTED_PROTOCOL;
    if (used && protocolValue !== SUPPORTED_PROTOCOL) {
      const pkg = UNSHIPPED_PROTOCOLS[protocolValue]?.[signal];
      this.problems.push(pkg
        ? `${protocol.name}='${protocol.value}': this build exports with http/protobuf only (${pkg} is not installed); unset it or set it to http/protobuf`
        : `${protocol.name}='${protocol.value}' is not an OTLP protocol; use http/protobuf`);
    }

    // A signal-specific endpoint is used as it is; the general one gets the signal's path appended.
    const specificEndpoint = this.string(specific('ENDPOINT'));
    const generalEndpoint = this.string(general('ENDPOINT'));
    let url = `http://localhost:4318/${path}`;
    if (specificEndpoint !== '') url = this.httpUrl(specific('ENDPOINT'), specificEndpoint, used) ?? url;
    else if (generalEndpoint !== '') {
      const base = this.httpUrl(general('ENDPOINT'), generalEndpoint, used);
      if (base !== undefined) url = `${base.replace(/\/+$/, '')}/${path}`;
    }

    const headers = { ...this.headers(general('HEADERS'), used), ...this.headers(specific('HEADERS'), used) };

    const timeout = pick('TIMEOUT');
    let timeoutMillis = 10_000;
    if (timeout.value !== '') {
      const value = Number(timeout.value);
      if (Number.isFinite(value) && value > 0) timeoutMillis = value;
      else if (used) this.problems.push(`${timeout.name}='${timeout.value}' must be a number of milliseconds > 0`);
    }

    const compression = pick('COMPRESSION');
    const compressionValue = compression.value.toLowerCase() || 'none';
    if (used && compressionValue !== 'gzip' && compressionValue !== 'none') {
      this.problems.push(`${compression.name}='${compression.value}' must be gzip or none`);
    }
    return { url, headers, timeoutMillis, compression: compressionValue === 'gzip' ? 'gzip' : 'none' };
  }

  private httpUrl(name: string, value: string, used: boolean): string | undefined {
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      if (used) this.problems.push(`${name}='${value}' is not a URL (e.g. http://localhost:4318)`);
      return undefined;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      if (used) this.problems.push(`${name}='${value}' must be an http:// or https:// URL`);
      return undefined;
    }
    return parsed.href;
  }

  /** `key=value,key2=value2`, values percent-encoded (W3C baggage format). Problems name the key, never the value. */
  private headers(name: string, used: boolean): Record<string, string> {
    const { headers, problems } = parseOtlpHeaders(this.string(name), name);
    if (used) this.problems.push(...problems);
    return headers;
  }

  sampler(): SamplerConfig {
    const name = this.string('OTEL_TRACES_SAMPLER').toLowerCase() || 'parentbased_always_on';
    // Every span the engine makes is a root: a parent-based sampler decides as its root sampler does.
    const root = name.startsWith('parentbased_') ? name.slice('parentbased_'.length) : name;
    switch (root) {
      case 'always_on':
        return { kind: 'always_on' };
      case 'always_off':
        return { kind: 'always_off' };
      case 'traceidratio': {
        const raw = this.string('OTEL_TRACES_SAMPLER_ARG');
        const ratio = raw === '' ? 1 : Number(raw);
        if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
          this.problems.push(`OTEL_TRACES_SAMPLER_ARG='${raw}' must be a ratio between 0 and 1 for ${name}`);
          return { kind: 'always_on' };
        }
        return { kind: 'traceidratio', ratio };
      }
      default:
        this.problems.push(`OTEL_TRACES_SAMPLER='${name}' is not supported; use always_on, always_off, traceidratio or their parentbased_ forms`);
        return { kind: 'always_on' };
    }
  }
}

/** OTEL_RESOURCE_ATTRIBUTES: `key=value,...`, values percent-encoded. */
function parseResourceAttributes(raw: string, problems: string[]): Record<string, string> {
  const attributes: Record<string, string> = {};
  if (raw === '') return attributes;
  raw.split(',').forEach((entry, index) => {
    if (entry.trim() === '') return;
    const equals = entry.indexOf('=');
    const key = equals < 0 ? '' : entry.slice(0, equals).trim();
    if (key === '') {
      problems.push(`OTEL_RESOURCE_ATTRIBUTES: entry ${index + 1} ('${entry.trim()}') is not key=value`);
      return;
    }
    try {
      attributes[key] = decodeURIComponent(entry.slice(equals + 1).trim());
    } catch {
      problems.push(`OTEL_RESOURCE_ATTRIBUTES: the value of '${key}' is not valid percent-encoding`);
    }
  });
  return attributes;
}
