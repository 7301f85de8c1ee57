/**
 * Starts a run's telemetry: the request tracer, the span queue and its exporters, the metrics and
 * their periodic reader, all configured by the standard OTEL_* variables (see config.ts).
 *
 * Nothing is global: no OTel API global (tracer provider, propagator, meter provider) is registered,
 * so two telemetry instances in one process (tests, or a future multi-run engine) never mix.
 */
import { ROOT_CONTEXT, defaultTextMapSetter, propagation } from '@opentelemetry/api';
import { ExportResultCode, W3CBaggagePropagator, type ExportResult, type InstrumentationScope } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import {
  ConsoleMetricExporter, PeriodicExportingMetricReader, type PushMetricExporter, type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { ConsoleSpanExporter } from '@opentelemetry/sdk-trace';
import type { TelemetryCounts } from '../../shared/report.ts';
import { ATTR_LOADLENS_RUN_ID, ATTR_LOADLENS_SCENARIO, ATTR_LOADLENS_SHARD, ATTR_LOADLENS_SCENARIO_FILE, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from './attributes.ts';
import { readTelemetryConfig, type ExporterKind, type OtlpTarget, type SamplerConfig } from './config.ts';
import { IdSource, ratioSampler } from './ids.ts';
import { RequestMetrics } from './metrics.ts';
import { SpanEncoder, createOtlpSpanExporter } from './otlp-spans.ts';
import { exportErrorReason, SpanQueue, withDeadline, type BatchExporter, type SpanQueueCounts } from './span-queue.ts';
import { Tracer, toReadableSpans, type RequestSpan, type SpanBuildContext } from './tracer.ts';
import type { Telemetry, TelemetryOptions } from './types.ts';

declare const __LOADLENS_VERSION__: string | undefined;
/** The engine bundle defines it (scripts/build.mjs); run from source it is 'dev'. */
export const LOADLENS_VERSION = typeof __LOADLENS_VERSION__ === 'string' ? __LOADLENS_VERSION__ : 'dev';

export const RUN_ID_BAGGAGE_KEY = ATTR_LOADLENS_RUN_ID;
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * Starts telemetry for one run. Throws a TelemetryConfigError (every problem, each naming its
 * variable) when the OTEL_* variables ask for something it cannot do; never throws later: export
 * failures are counted, not raised.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  const env = options.env ?? process.env;
  const config = readTelemetryConfig(env, options.serviceName);
  const resource = buildResource(config.serviceName, config.resourceAttributes, options);
  const scope: InstrumentationScope = { name: 'loadlens', version: LOADLENS_VERSION };
  const ids = new IdSource();

  const spanExporter = createSpanExporter(config.traces.exporters, config.traces.otlp, { resource, scope, scenario: options.scenario, ids, ...(options.shard === undefined ? {} : { shard: options.shard }) });
  const spanQueue = spanExporter === undefined ? undefined : new SpanQueue<RequestSpan>(spanExporter, config.traces);

  let metricExportFailures = 0;
  let lastMetricExportError: string | undefined;
  let metrics: RequestMetrics | undefined;
  let metricReader: PeriodicExportingMetricReader | undefined;
  const metricExporter = createMetricExporter(config.metrics.exporters, config.metrics.otlp, error => {
    metricExportFailures++;
    lastMetricExportError = exportErrorReason(error);
  });
  if (metricExporter !== undefined) {
    metrics = new RequestMetrics({ resource, scope, temporality: config.metrics.temporality, activeUsers: options.activeUsers, ...(options.shard === undefined ? {} : { shard: options.shard }) });
    metricReader = new PeriodicExportingMetricReader({
      exporter: metricExporter,
      exportIntervalMillis: config.metrics.exportIntervalMillis,
      exportTimeoutMillis: config.metrics.exportTimeoutMillis,
    });
    // The reader pulls from our aggregates directly: no MeterProvider, no per-measurement SDK cost.
    metricReader.setMetricProducer(metrics);
  }

  const tracer = new Tracer({
    ids,
    sampler: samplerFor(config.traces.sampler),
    baggage: runBaggage(options.runId),
    metrics,
    spans: spanQueue,
  });

  const countsOf = (spans: SpanQueueCounts | undefined): TelemetryCounts => {
    const counts: TelemetryCounts = {
      spansExported: spans?.spansExported ?? 0, spansDropped: spans?.spansDropped ?? 0, exportFailures: (spans?.exportFailures ?? 0) + metricExportFailures,
    };
    // Only when something failed: a healthy run's counts stay the three numbers.
    if (counts.exportFailures > 0 || (spans?.spansLost ?? 0) > 0) {
      counts.spansLost = spans?.spansLost ?? 0;
      const lastError = spans?.lastExportError ?? lastMetricExportError;
      if (lastError !== undefined) counts.lastExportError = lastError;
    }
    return counts;
  };
  const counts = (): TelemetryCounts => countsOf(spanQueue?.snapshot());

  let shutdown: Promise<TelemetryCounts> | undefined;
  return {
    tracer,
    counts,
    abandon: () => countsOf(spanQueue?.abandon()),
    shutdown() {
      shutdown ??= (async () => {
        const timeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
        // Spans and metrics flush side by side, under one deadline: a dead collector costs the timeout once.
        await Promise.all([
          spanQueue?.shutdown(timeoutMs),
          metricReader === undefined ? undefined : withDeadline(metricReader.shutdown({ timeoutMillis: timeoutMs }), timeoutMs),
        ]);
        return counts();
      })();
      return shutdown;
    },
  };
}

/**
 * The run's resource: the SDK's defaults (telemetry.sdk.*), then OTEL_RESOURCE_ATTRIBUTES, then the
 * service and the run. The run's own `loadlens.*` attributes win over OTEL_RESOURCE_ATTRIBUTES: they
 * are what isolates this run's telemetry from every other.
 */
function buildResource(serviceName: string, fromEnvironment: Readonly<Record<string, string>>, options: TelemetryOptions): Resource {
  return defaultResource().merge(resourceFromAttributes({
    ...fromEnvironment,
    [ATTR_SERVICE_NAME]: serviceName,
    [ATTR_SERVICE_VERSION]: LOADLENS_VERSION,
    [ATTR_LOADLENS_RUN_ID]: options.runId,
    [ATTR_LOADLENS_SCENARIO]: options.scenario,
    [ATTR_LOADLENS_SCENARIO_FILE]: options.file,
    ...(options.shard === undefined ? {} : { [ATTR_LOADLENS_SHARD]: options.shard }),
  }));
}

/** The `baggage` header carrying the run id, made once by the W3C baggage propagator. */
function runBaggage(runId: string): string {
  const carrier: Record<string, string> = {};
  const baggage = propagation.createBaggage({ [RUN_ID_BAGGAGE_KEY]: { value: runId } });
  new W3CBaggagePropagator().inject(propagation.setBaggage(ROOT_CONTEXT, baggage), carrier, defaultTextMapSetter);
  return carrier.baggage ?? '';
}

function samplerFor(sampler: SamplerConfig): (bytes: Buffer, at: number) => boolean {
  switch (sampler.kind) {
    case 'always_on':
      return () => true;
    case 'always_off':
      return () => false;
    case 'traceidratio':
      return ratioSampler(sampler.ratio);
  }
}

/** OTLP spans are encoded straight from the records (otlp-spans.ts); the console exporter gets ReadableSpans. */
function createSpanExporter(kinds: readonly ExporterKind[], otlp: OtlpTarget, build: SpanBuildContext): BatchExporter<RequestSpan> | undefined {
  const exporters = kinds.map((kind): BatchExporter<RequestSpan> => {
    if (kind === 'otlp') return createOtlpSpanExporter(otlp, new SpanEncoder(build));
    const printer = new ConsoleSpanExporter();
    return {
      export: (records, done) => printer.export(toReadableSpans(records, build), done),
      shutdown: () => printer.shutdown(),
    };
  });
  if (exporters.length <= 1) return exporters[0];
  return {
    export(records: RequestSpan[], done: (result: ExportResult) => void) {
      fanOut(exporters.map(exporter => (callback: (result: ExportResult) => void) => exporter.export(records, callback)), done);
    },
    shutdown: () => Promise.all(exporters.map(exporter => exporter.shutdown())).then(() => undefined),
  };
}

/** The metric exporter(s), wrapped to count failed exports. */
function createMetricExporter(kinds: readonly ExporterKind[], otlp: OtlpTarget, onFailure: (error: Error | undefined) => void): PushMetricExporter | undefined {
  const exporters = kinds.map((kind): PushMetricExporter => kind === 'otlp'
    ? new OTLPMetricExporter({ url: otlp.url, headers: { ...otlp.headers }, timeoutMillis: otlp.timeoutMillis, compression: otlp.compression as never })
    : new ConsoleMetricExporter());
  if (exporters.length === 0) return undefined;
  return {
    export(metrics: ResourceMetrics, done: (result: ExportResult) => void) {
      fanOut(exporters.map(exporter => (callback: (result: ExportResult) => void) => exporter.export(metrics, callback)), result => {
        if (result.code !== ExportResultCode.SUCCESS) onFailure(result.error);
        done(result);
      });
    },
    forceFlush: () => Promise.all(exporters.map(exporter => exporter.forceFlush())).then(() => undefined),
    shutdown: () => Promise.all(exporters.map(exporter => exporter.shutdown())).then(() => undefined),
  };
}

/** Runs every export; reports success only when all succeeded. */
function fanOut(exports: ((callback: (result: ExportResult) => void) => void)[], done: (result: ExportResult) => void): void {
  let pending = exports.length;
  let failure: ExportResult | undefined;
  for (const run of exports) {
    run(result => {
      if (result.code !== ExportResultCode.SUCCESS) failure ??= result;
      if (--pending === 0) done(failure ?? { code: ExportResultCode.SUCCESS });
    });
  }
}
