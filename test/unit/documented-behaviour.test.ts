// What three doc comments say, held to: the HTTP timeout is one timer over the whole request; the
// CodeLens's scenario locator sees fewer scenarios than the loader runs; and the application under
// test follows the engine's sampling decision through the traceparent's flag instead of recomputing it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT_CONTEXT, SpanKind, defaultTextMapGetter, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { ParentBasedSampler, SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import { createHttpClient, type Response as RequestRecord } from '../../src/engine/http.ts';
import { loadScenarioFile } from '../../src/engine/loader.ts';
import { startTelemetry } from '../../src/engine/telemetry/telemetry.ts';
import { findScenarios } from '../../src/shared/scenario-locator.ts';

test('http timeout: one timer over the whole request, however steadily the body arrives', async () => {
  // Headers at once, then a chunk every 30 ms for 600 ms: no gap comes near the 150 ms timeout.
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    let sent = 0;
    const timer = setInterval(() => {
      res.write('chunk\n');
      if (++sent === 20) {
        clearInterval(timer);
        res.end();
      }
    }, 30);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const recorded: RequestRecord[] = [];
  const client = createHttpClient({ baseUrl, userId: 1, timeoutMs: 150, sink: record => recorded.push(record) });
  try {
    await client.get('/trickle');
    assert.equal(recorded.length, 1);
    const response = recorded[0]!;
    assert.equal(response.error, 'timeout');
    assert.ok(response.bytes >= 6 * 2, `chunks arrived before the timeout (${response.bytes} bytes)`);
    assert.ok(response.durationMs >= 145 && response.durationMs < 400, `ended at the timeout, after ${response.durationMs.toFixed(0)} ms`);
  } finally {
    await client.destroy();
    server.closeAllConnections();
    server.close();
  }
});

test('scenario locator: narrower than the loader: a scenario exported by name runs but gets no CodeLens', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlens-locator-'));
  const file = path.join(dir, 'exported-later.load.ts');
  const text = `import { scenario } from 'loadlens';
export const direct = scenario({ host: 'http://127.0.0.1:9' }, async () => {});
const byName = scenario({ host: 'http://127.0.0.1:9' }, async () => {});
export { byName };
`;
  writeFileSync(file, text);
  const loaded = await loadScenarioFile(file);
  assert.ok(loaded.ok, JSON.stringify(loaded));
  assert.deepEqual(loaded.scenarios.map(s => s.exportName).sort(), ['byName', 'direct']);
  assert.deepEqual(findScenarios(text).map(s => s.name), ['direct']);
});

test("sampling: the application follows the traceparent's sampled flag (ParentBased), not its own ratio", () => {
  const telemetry = startTelemetry({
    runId: 'run-flags', scenario: 'shopper', file: '/work/shop.load.ts', activeUsers: () => 0,
    env: { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.5', OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' },
  });
  const propagator = new W3CTraceContextPropagator();
  // The application's SDK with its default sampler, configured with a different ratio than the engine's.
  const downstream = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.01) });
  const standalone = new TraceIdRatioBasedSampler(0.01);
  let sampledByEngine = 0;
  let standaloneAgrees = 0;
  for (let i = 0; i < 400; i++) {
    const traced = telemetry.tracer.start('GET', '/product/{id}', new URL('http://127.0.0.1:8080/product/1'), 1);
    const flagSampled = traced.headers.traceparent!.endsWith('-01');
    const parent = propagator.extract(ROOT_CONTEXT, traced.headers, defaultTextMapGetter);
    const decide = (sampler: ParentBasedSampler | TraceIdRatioBasedSampler) =>
      sampler.shouldSample(parent, trace.getSpanContext(parent)!.traceId, 'GET /product/:id', SpanKind.SERVER, {}, []).decision === SamplingDecision.RECORD_AND_SAMPLED;
    assert.equal(decide(downstream), flagSampled, traced.headers.traceparent);
    if (flagSampled) sampledByEngine++;
    if (decide(standalone) === flagSampled) standaloneAgrees++;
    traced.end();
  }
  assert.ok(sampledByEngine > 140 && sampledByEngine < 260, `${sampledByEngine} of 400 sampled at 0.5`);
  // A sampler that recomputed from the id with its own ratio would not make the engine's decision.
  assert.ok(standaloneAgrees < 300, `a standalone ratio sampler agreed on ${standaloneAgrees} of 400`);
  void telemetry.shutdown();
});
