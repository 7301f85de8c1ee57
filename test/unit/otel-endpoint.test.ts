import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseOtlpDestination, type OtlpDestination } from '../../src/shared/otel-endpoint.ts';

// Precedence: the run's OTEL_* variables, then loadlens.otel.endpoint, then the embedded receiver.
const cases: Array<{ name: string; environment: Record<string, string>; setting: string; expected: OtlpDestination }> = [
  { name: 'nothing configured', environment: {}, setting: '', expected: { source: 'embedded' } },
  { name: 'the setting', environment: {}, setting: 'http://127.0.0.1:4318', expected: { source: 'setting', endpoint: 'http://127.0.0.1:4318' } },
  {
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT wins over the setting', environment: { OTEL_EXPORTER_OTLP_ENDPOINT: ' http://127.0.0.1:14318 ' }, setting: 'http://127.0.0.1:4318',
    expected: { source: 'environment', variable: 'OTEL_EXPORTER_OTLP_ENDPOINT', endpoint: 'http://127.0.0.1:14318' },
  },
  {
    name: 'both per-signal endpoints win', environment: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:1/v1/traces', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://127.0.0.1:2/v1/metrics' }, setting: '',
    expected: { source: 'environment', variable: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', endpoint: 'http://127.0.0.1:1/v1/traces' },
  },
  // The engine sends traces to the per-signal variable and metrics to the general endpoint given here.
  { name: 'a traces endpoint alone: metrics still need the setting', environment: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:1/v1/traces' }, setting: 'http://127.0.0.1:4318', expected: { source: 'setting', endpoint: 'http://127.0.0.1:4318' } },
  { name: 'a traces endpoint alone, no setting: metrics to the embedded receiver', environment: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:1/v1/traces' }, setting: '', expected: { source: 'embedded' } },
  { name: 'an empty variable counts as unset', environment: { OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }, setting: '', expected: { source: 'embedded' } },
];

for (const { name, environment, setting, expected } of cases) {
  test(`OTLP destination: ${name}`, () => {
    assert.deepEqual(chooseOtlpDestination(environment, setting), expected);
  });
}
