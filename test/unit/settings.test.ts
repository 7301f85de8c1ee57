import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SETTINGS, parseSettings } from '../../src/shared/settings.ts';

const from = (values: Record<string, unknown>) => (key: string) => values[key];

test('settings: nothing set gives the defaults and no problems', () => {
  const { settings, problems } = parseSettings(from({}));
  assert.deepEqual(settings, DEFAULT_SETTINGS);
  assert.deepEqual(problems, []);
  assert.ok(Object.isFrozen(settings) && Object.isFrozen(settings.run) && Object.isFrozen(settings.otel));
});

const cases: Array<{ values: Record<string, unknown>; run?: object; otel?: object; problems: string[] }> = [
  { values: { 'run.users': 50, 'run.runTime': '10m', 'run.host': 'http://127.0.0.1:8080' }, run: { users: 50, runTime: '10m', host: 'http://127.0.0.1:8080' }, problems: [] },
  { values: { 'run.users': 0 }, run: { users: 1 }, problems: ['loadlens.run.users: must be a whole number ≥ 1 (got 0); using 1'] },
  { values: { 'run.users': 2.5, 'run.spawnRate': -1 }, problems: ['loadlens.run.users: must be a whole number ≥ 1 (got 2.5); using 1', 'loadlens.run.spawnRate: must be a number > 0 (got -1); using 1'] },
  { values: { 'run.runTime': '10 minutes' }, problems: ['loadlens.run.runTime: must be a duration like \'30s\', \'10m\' or \'1h30m\' (got "10 minutes"); using "30s"'] },
  { values: { 'run.runTime': '1h30m' }, run: { runTime: '1h30m' }, problems: [] },
  { values: { 'run.runTime': '0s' }, problems: ['loadlens.run.runTime: must be a duration like \'30s\', \'10m\' or \'1h30m\' (got "0s"); using "30s"'] },
  { values: { 'otel.endpoint': 'localhost:4318' }, otel: { endpoint: '' }, problems: ['loadlens.otel.endpoint: must be an http:// or https:// URL (got "localhost:4318"); using ""'] },
  { values: { 'otel.receiverPort': 70000 }, otel: { receiverPort: 4318 }, problems: ['loadlens.otel.receiverPort: must be a port number from 0 to 65535 (got 70000); using 4318'] },
  { values: { 'otel.receiverPort': 4318 }, otel: { receiverPort: 4318 }, problems: [] },
  { values: { 'otel.receiverBudgetMB': 64 }, otel: { receiverBudgetMB: 64 }, problems: [] },
  { values: { 'otel.receiverBudgetMB': 0 }, otel: { receiverBudgetMB: 32 }, problems: ['loadlens.otel.receiverBudgetMB: must be a number of MB from 1 to 4096 (got 0); using 32'] },
  { values: { 'otel.receiverBudgetMB': '32' }, otel: { receiverBudgetMB: 32 }, problems: ['loadlens.otel.receiverBudgetMB: must be a number of MB from 1 to 4096 (got "32"); using 32'] },
  { values: { 'otel.enabled': 'yes' }, otel: { enabled: true }, problems: ['loadlens.otel.enabled: must be true or false (got "yes"); using true'] },
  { values: { 'run.workers': 2 }, run: { workers: 2 }, problems: [] },
  { values: { 'run.workers': 'auto' }, run: { workers: 'auto' }, problems: [] },
  { values: { 'run.workers': 0 }, run: { workers: 1 }, problems: ["loadlens.run.workers: must be a whole number from 1 to 256, or 'auto' (one per core) (got 0); using 1"] },
  { values: { 'run.workers': '2' }, run: { workers: 1 }, problems: ["loadlens.run.workers: must be a whole number from 1 to 256, or 'auto' (one per core) (got \"2\"); using 1"] },
  { values: { 'run.workers': 'all' }, run: { workers: 1 }, problems: ["loadlens.run.workers: must be a whole number from 1 to 256, or 'auto' (one per core) (got \"all\"); using 1"] },
];

test('settings: the trace link settings, read into settings.otel.traceLink', () => {
  const { settings, problems } = parseSettings(from({ 'otel.traceLink.preset': 'tempo', 'otel.traceLink.baseUrl': 'http://localhost:3000', 'otel.traceLink.grafanaDatasource': 'tempo-uid' }));
  assert.deepEqual(problems, []);
  assert.deepEqual(settings.otel.traceLink, { ...DEFAULT_SETTINGS.otel.traceLink, preset: 'tempo', baseUrl: 'http://localhost:3000', grafanaDatasource: 'tempo-uid' });
  assert.ok(Object.isFrozen(settings.otel.traceLink));
});

const traceLinkCases: Array<{ values: Record<string, unknown>; preset: string; problems: string[] }> = [
  { values: { 'otel.traceLink.preset': 'newrelic' }, preset: 'embedded', problems: ['loadlens.otel.traceLink.preset: must be one of embedded, custom, jaeger, tempo, honeycomb, splunk, datadog, zipkin, signoz, elastic, aspire (got "newrelic"); using "embedded"'] },
  { values: { 'otel.traceLink.preset': 'tempo' }, preset: 'tempo', problems: ["loadlens.otel.traceLink.baseUrl: is empty; the 'tempo' preset needs your Grafana, e.g. http://localhost:3000"] },
  { values: { 'otel.traceLink.preset': 'custom', 'otel.traceLink.template': 'http://localhost:16686/search' }, preset: 'custom', problems: ['loadlens.otel.traceLink.template: must contain {traceId} (got "http://localhost:16686/search")'] },
  { values: { 'otel.traceLink.preset': 'custom', 'otel.traceLink.template': 'java\tscript:alert(1)//{traceId}' }, preset: 'custom', problems: ['loadlens.otel.traceLink.template: must be an http:// or https:// URL (got "java\\tscript:alert(1)//{traceId}")'] },
];
for (const { values, preset, problems } of traceLinkCases) {
  test(`settings: trace link ${JSON.stringify(values)}`, () => {
    const result = parseSettings(from(values));
    assert.deepEqual(result.problems.map(p => p.message), problems);
    assert.equal(result.settings.otel.traceLink.preset, preset);
  });
}

for (const { values, run, otel, problems } of cases) {
  test(`settings: ${JSON.stringify(values)}`, () => {
    const result = parseSettings(from(values));
    assert.deepEqual(result.problems.map(p => p.message), problems);
    if (run) assert.deepEqual({ ...result.settings.run, ...run }, { ...result.settings.run });
    if (otel) assert.deepEqual({ ...result.settings.otel, ...otel }, { ...result.settings.otel });
  });
}

const otelCases: Array<{ values: Record<string, unknown>; otel?: object; problems: string[] }> = [
  { values: { 'otel.tracesEndpoint': 'https://ingest.example.test/v2/trace/otlp', 'otel.metricsEndpoint': 'http://127.0.0.1:4318/v1/metrics' }, otel: { tracesEndpoint: 'https://ingest.example.test/v2/trace/otlp', metricsEndpoint: 'http://127.0.0.1:4318/v1/metrics' }, problems: [] },
  { values: { 'otel.tracesEndpoint': 'grpc://collector:4317' }, otel: { tracesEndpoint: '' }, problems: ['loadlens.otel.tracesEndpoint: must be an http:// or https:// URL (got "grpc://collector:4317"); using ""'] },
  { values: { 'otel.forward': 'http://127.0.0.1:4318' }, otel: { forward: 'http://127.0.0.1:4318' }, problems: [] },
  { values: { 'otel.forward': 'collector:4317' }, otel: { forward: '' }, problems: ['loadlens.otel.forward: must be an http:// or https:// URL (got "collector:4317"); using ""'] },
  { values: { 'otel.protocol': 'grpc' }, otel: { protocol: 'http/protobuf' }, problems: ['loadlens.otel.protocol: the engine exports over http/protobuf only (grpc and http/json are not supported) (got "grpc"); using "http/protobuf"'] },
  { values: { 'otel.sampler': 0.25 }, otel: { sampler: 0.25 }, problems: [] },
  { values: { 'otel.sampler': 1.5 }, otel: { sampler: 1 }, problems: ['loadlens.otel.sampler: must be a ratio from 0 to 1 (e.g. 0.1: one trace in ten) (got 1.5); using 1'] },
  { values: { 'otel.resourceAttributes': { 'deployment.environment.name': 'staging', 'team.size': 4 } }, otel: { resourceAttributes: { 'deployment.environment.name': 'staging', 'team.size': '4' } }, problems: [] },
  { values: { 'otel.resourceAttributes': 'deployment.environment.name=staging,owner=a%20b' }, otel: { resourceAttributes: { 'deployment.environment.name': 'staging', owner: 'a b' } }, problems: [] },
  { values: { 'otel.resourceAttributes': 'staging' }, otel: { resourceAttributes: {} }, problems: ['loadlens.otel.resourceAttributes: entry 1 is not key=value (got "staging"); using {}'] },
  { values: { 'otel.resourceAttributes': { nested: { a: 1 } } }, otel: { resourceAttributes: {} }, problems: ['loadlens.otel.resourceAttributes: the value of \'nested\' must be a string, a number or true/false (got {"nested":{"a":1}}); using {}'] },
  { values: { 'otel.metrics': 'off' }, otel: { metrics: true }, problems: ['loadlens.otel.metrics: must be true or false (got "off"); using true'] },
  { values: { 'otel.serviceName': '' }, otel: { serviceName: 'loadlens' }, problems: ['loadlens.otel.serviceName: must not be empty (got ""); using "loadlens"'] },
];

for (const { values, otel, problems } of otelCases) {
  test(`settings: ${JSON.stringify(values)}`, () => {
    const result = parseSettings(from(values));
    assert.deepEqual(result.problems.map(p => p.message), problems);
    assert.ok(result.problems.every(p => p.message.startsWith(`${p.setting}: `)), 'every problem starts with its setting');
    if (otel) assert.deepEqual({ ...result.settings.otel, ...otel }, { ...result.settings.otel });
  });
}

test('settings: only values the user set (and that are valid) count as set', () => {
  const values: Record<string, unknown> = { 'otel.serviceName': 'loadlens', 'otel.sampler': 7, 'otel.endpoint': 'http://127.0.0.1:4318' };
  const { settings } = parseSettings(key => values[key] ?? (key === 'otel.metrics' ? true : undefined), key => key in values);
  assert.deepEqual([...settings.userSet].sort(), ['otel.endpoint', 'otel.serviceName']);
});
