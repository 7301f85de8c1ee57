// Where a run's telemetry goes: settings the user set win over the editor's OTEL_* environment, which
// wins over the embedded receiver; stored headers reach only a configured endpoint, never the summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needsEmbeddedReceiver, planOtelExport } from '../../src/shared/otel-environment.ts';
import { parseSettings } from '../../src/shared/settings.ts';
import { readTelemetryConfig } from '../../src/engine/telemetry/config.ts';

const EMBEDDED = 'http://127.0.0.1:4318';
const SECRET = 'X-SF-TOKEN=s3cr3t-abc,x-extra=v%2Fw';

function plan(values: Record<string, unknown>, inherited: Record<string, string>, storedHeaders?: string) {
  const { settings, problems } = parseSettings(key => values[key]);
  assert.deepEqual(problems, []);
  const embedded = needsEmbeddedReceiver(settings.otel, inherited);
  const result = planOtelExport({ otel: settings.otel, userSet: settings.userSet, inherited, storedHeaders, ...(embedded ? { embeddedEndpoint: EMBEDDED } : {}) });
  // What the engine reads from the child's environment: the inherited one with the plan on top.
  const engine = readTelemetryConfig({ ...inherited, ...result.environment }, settings.otel.serviceName);
  return { ...result, embedded, engine };
}

const cases: Array<{ name: string; values: Record<string, unknown>; inherited: Record<string, string>; traces: string; metrics: string; spansLine: string }> = [
  { name: 'nothing configured: the embedded receiver', values: {}, inherited: {}, traces: `${EMBEDDED}/v1/traces`, metrics: `${EMBEDDED}/v1/metrics`, spansLine: `spans → ${EMBEDDED}/v1/traces (Loadlens's embedded receiver: no endpoint is set)` },
  { name: 'the editor\'s environment', values: {}, inherited: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9000/' }, traces: 'http://127.0.0.1:9000/v1/traces', metrics: 'http://127.0.0.1:9000/v1/metrics', spansLine: 'spans → http://127.0.0.1:9000/v1/traces (environment OTEL_EXPORTER_OTLP_ENDPOINT)' },
  { name: 'the setting wins over the environment, per-signal variables included', values: { 'otel.endpoint': 'http://127.0.0.1:7000' }, inherited: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9000', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:9001/t' }, traces: 'http://127.0.0.1:7000/v1/traces', metrics: 'http://127.0.0.1:7000/v1/metrics', spansLine: 'spans → http://127.0.0.1:7000/v1/traces (setting loadlens.otel.endpoint)' },
  { name: 'a per-signal setting is used as it is', values: { 'otel.endpoint': 'http://127.0.0.1:7000', 'otel.tracesEndpoint': 'https://ingest.example.test/v2/trace/otlp' }, inherited: {}, traces: 'https://ingest.example.test/v2/trace/otlp', metrics: 'http://127.0.0.1:7000/v1/metrics', spansLine: 'spans → https://ingest.example.test/v2/trace/otlp (setting loadlens.otel.tracesEndpoint)' },
  { name: 'an inherited per-signal variable beats the inherited general one', values: {}, inherited: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9000', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:9001/t' }, traces: 'http://127.0.0.1:9001/t', metrics: 'http://127.0.0.1:9000/v1/metrics', spansLine: 'spans → http://127.0.0.1:9001/t (environment OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)' },
];
for (const c of cases) {
  test(`otel environment: ${c.name}`, () => {
    const result = plan(c.values, c.inherited);
    assert.equal(result.engine.traces.otlp.url, c.traces);
    assert.equal(result.engine.metrics.otlp.url, c.metrics);
    assert.equal(result.summary[0], c.spansLine);
  });
}

test('otel environment: sampler, service name, resource attributes, protocol and metrics from settings beat the environment', () => {
  const inherited = {
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9000', OTEL_SERVICE_NAME: 'from-env', OTEL_TRACES_SAMPLER: 'always_off',
    OTEL_RESOURCE_ATTRIBUTES: 'team=core,deployment.environment.name=dev', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
  };
  const result = plan({ 'otel.sampler': 0.25, 'otel.serviceName': 'checkout-load', 'otel.resourceAttributes': { 'deployment.environment.name': 'staging' }, 'otel.protocol': 'http/protobuf', 'otel.metrics': false }, inherited);
  assert.equal(result.embedded, false);
  assert.deepEqual(result.engine.traces.sampler, { kind: 'traceidratio', ratio: 0.25 });
  assert.equal(result.engine.serviceName, 'checkout-load');
  assert.deepEqual(result.engine.resourceAttributes, { team: 'core', 'deployment.environment.name': 'staging' });
  assert.deepEqual(result.engine.metrics.exporters, []);
  assert.deepEqual(result.summary, [
    'spans → http://127.0.0.1:9000/v1/traces (environment OTEL_EXPORTER_OTLP_ENDPOINT)',
    'metrics → not exported (setting loadlens.otel.metrics)',
    'sampler: ratio 0.25 (setting loadlens.otel.sampler)',
    'service.name: checkout-load (setting loadlens.otel.serviceName)',
    'resource attributes: deployment.environment.name (setting loadlens.otel.resourceAttributes)',
  ]);
});

test('otel environment: without settings, the environment\'s service name and sampler stand', () => {
  const result = plan({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9000', OTEL_SERVICE_NAME: 'from-env', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5' });
  assert.equal(result.engine.serviceName, 'from-env');
  assert.deepEqual(result.engine.traces.sampler, { kind: 'traceidratio', ratio: 0.5 });
  assert.ok(result.summary.includes('service.name: from-env (environment OTEL_SERVICE_NAME)'));
});

test('otel environment: stored headers replace inherited ones on a configured endpoint, and the summary names them without values', () => {
  const result = plan({ 'otel.endpoint': 'http://127.0.0.1:7000' }, { OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20old', OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-old=1' }, SECRET);
  assert.deepEqual(result.engine.traces.otlp.headers, { 'X-SF-TOKEN': 's3cr3t-abc', 'x-extra': 'v/w' });
  assert.deepEqual(result.engine.metrics.otlp.headers, { 'X-SF-TOKEN': 's3cr3t-abc', 'x-extra': 'v/w' });
  assert.ok(result.summary.includes('headers: X-SF-TOKEN, x-extra (stored with "Loadlens: Set OTLP Headers…"; values not shown) on traces and metrics'));
  assert.ok(!result.summary.join('\n').includes('s3cr3t'));
});

test('otel environment: stored headers never go to the embedded receiver', () => {
  const result = plan({ 'otel.tracesEndpoint': 'http://127.0.0.1:7000/v1/traces' }, {}, SECRET);
  assert.deepEqual(result.engine.traces.otlp.headers, { 'X-SF-TOKEN': 's3cr3t-abc', 'x-extra': 'v/w' });
  assert.equal(result.engine.metrics.otlp.url, `${EMBEDDED}/v1/metrics`);
  assert.deepEqual(result.engine.metrics.otlp.headers, {});
  const all = plan({}, {}, SECRET);
  assert.deepEqual(all.engine.traces.otlp.headers, {});
  assert.ok(all.summary.includes('headers: X-SF-TOKEN, x-extra are stored but not sent: the embedded receiver needs none'));
});

test('otel environment: the embedded receiver is started only when a signal goes there', () => {
  const { settings } = parseSettings(key => ({ 'otel.tracesEndpoint': 'http://127.0.0.1:7000/v1/traces', 'otel.metrics': false } as Record<string, unknown>)[key]);
  assert.equal(needsEmbeddedReceiver(settings.otel, {}), false);
  assert.equal(needsEmbeddedReceiver(parseSettings(() => undefined).settings.otel, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9000' }), false);
  assert.equal(needsEmbeddedReceiver(parseSettings(() => undefined).settings.otel, {}), true);
});

test('otel environment: metrics off (setting or environment) need no receiver and get no endpoint', () => {
  const off = plan({ 'otel.tracesEndpoint': 'http://127.0.0.1:7000/v1/traces', 'otel.metrics': false }, {});
  assert.equal(off.embedded, false);
  assert.deepEqual(off.engine.metrics.exporters, []);
  assert.deepEqual(off.summary.slice(0, 2), ['spans → http://127.0.0.1:7000/v1/traces (setting loadlens.otel.tracesEndpoint)', 'metrics → not exported (setting loadlens.otel.metrics)']);
  const envOff = plan({ 'otel.tracesEndpoint': 'http://127.0.0.1:7000/v1/traces' }, { OTEL_METRICS_EXPORTER: 'none' });
  assert.equal(envOff.embedded, false);
  assert.equal(envOff.summary[1], 'metrics → not exported (environment OTEL_METRICS_EXPORTER=none)');
  // Set on explicitly, the setting beats the environment's none.
  const on = plan({ 'otel.endpoint': 'http://127.0.0.1:7000', 'otel.metrics': true }, { OTEL_METRICS_EXPORTER: 'none' });
  assert.deepEqual(on.engine.metrics.exporters, ['otlp']);
});

test('otel environment: credentials in an endpoint URL are not printed', () => {
  const result = plan({ 'otel.endpoint': 'https://user:s3cr3t@ingest.example.test' }, {});
  assert.equal(result.engine.traces.otlp.url, 'https://user:s3cr3t@ingest.example.test/v1/traces');
  assert.equal(result.summary[0], 'spans → https://***@ingest.example.test/v1/traces (setting loadlens.otel.endpoint)');
});
